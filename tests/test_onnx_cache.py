"""The ONNX copy of the model in $INQUIRE_HOME/models is checked by sha256, not by size: a file
replaced by another of the same size is re-exported; a file only touched (same bytes, new mtime) is
re-hashed once and loads on the fast path again. No torch needed: the export is written by hand."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from inquire.embedding import onnx_backend as ob


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """A well-formed export.json with fingerprints of a stand-in ONNX file and the real tokenizer copy."""
    dest = tmp_path / "models"
    dest.mkdir()
    model_dir = Path(ob.model_path())
    (dest / ob.ONNX_FILENAME).write_bytes(os.urandom(4096))
    shutil.copy2(model_dir / ob.TOKENIZER_FILENAME, dest / ob.TOKENIZER_FILENAME)
    meta = {
        "format": ob.EXPORT_FORMAT,
        "model_name": ob.MODEL_NAME,
        "sources": {name: ob._fingerprint(model_dir, name) for name in ob.SOURCE_FILES},
        "pipeline": ob.read_pipeline(model_dir),
        "outputs": {
            "onnx": {"file": ob.ONNX_FILENAME, **ob._fingerprint(dest, ob.ONNX_FILENAME)},
            "tokenizer": {"file": ob.TOKENIZER_FILENAME, **ob._fingerprint(dest, ob.TOKENIZER_FILENAME)},
        },
    }
    (dest / ob.META_FILENAME).write_text(json.dumps(meta))
    return dest


def test_a_fresh_export_is_not_stale(export):
    assert ob.export_stale_reason(export) is None


def test_an_onnx_file_replaced_by_one_of_the_same_size_is_stale(export):
    onnx = export / ob.ONNX_FILENAME
    st = onnx.stat()
    onnx.write_bytes(os.urandom(st.st_size))  # same size: the old size-only check accepted it
    assert "sha256 differs" in (ob.export_stale_reason(export) or "")
    os.utime(onnx, ns=(st.st_atime_ns, st.st_mtime_ns))  # even with the old mtime put back
    assert "sha256 differs" in (ob.export_stale_reason(export) or "")


def test_an_edited_tokenizer_copy_is_stale(export):
    tok = export / ob.TOKENIZER_FILENAME
    data = bytearray(tok.read_bytes())
    data[100] ^= 1
    tok.write_bytes(bytes(data))
    assert "tokenizer.json is not the file exported" in (ob.export_stale_reason(export) or "")


def test_a_touched_output_is_rehashed_once_then_fast_again(export, monkeypatch):
    onnx = export / ob.ONNX_FILENAME
    os.utime(onnx, ns=(onnx.stat().st_atime_ns, onnx.stat().st_mtime_ns + 10**9))
    reason, rehashed = ob._check_export(export, Path(ob.model_path()))
    assert reason is None and rehashed == [("outputs", "onnx")]
    ob._refresh_stats(export, Path(ob.model_path()), rehashed)
    hashed = []
    real = ob._sha256
    monkeypatch.setattr(ob, "_sha256", lambda p: hashed.append(Path(p).name) or real(p))
    assert ob._check_export(export, Path(ob.model_path())) == (None, [])
    assert hashed == []  # size + mtime bound to the digest: no file hashed on a normal load


def test_an_export_of_the_size_only_format_is_redone(export):
    meta = json.loads((export / ob.META_FILENAME).read_text())
    meta["format"] = 1
    (export / ob.META_FILENAME).write_text(json.dumps(meta))
    assert "export format 1" in (ob.export_stale_reason(export) or "")
