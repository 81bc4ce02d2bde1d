"""Reading one file into a processed document: parse -> clean -> structure -> chunks.

Everything this module reaches (recursively) is what the index's processing fingerprint covers:
a change to any of it re-reads every indexed file on the next ``inquire index``.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
from dataclasses import dataclass, field, replace
from pathlib import Path

from inquire.indexer.chunk import ChunkParams, chunk_document
from inquire.indexer.clean import clean_document
from inquire.indexer.parse import parse
from inquire.indexer.stance import classify
from inquire.indexer.structure import find_structure

from inquire.errors import ParseError
from inquire.records import Chunk, CleanDocument, Response, Structure


@dataclass
class ProcessedDoc:
    doc_id: str
    path: str
    name: str
    title: str | None
    format: str
    sha256: str
    n_pages: int | None
    clean: CleanDocument
    structure: Structure
    chunks: list[Chunk]
    date: str | None = None  # publication date, ISO 8601 as precise as stated (indexer.docmeta)
    publisher: str | None = None
    page_labels: tuple[str | None, ...] = ()  # printed label per physical page (index 0 = page 1)
    ocr_pages: tuple[int, ...] = field(default_factory=tuple)  # physical pages read by OCR


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, AttributeError, ValueError):  # "pkg.module.Name": a name, not a module
        return False


def reading_modules() -> list[str]:
    """Every ``inquire`` module that reading a file reaches: this module and, recursively, the
    ``inquire.*`` modules it imports (found from the source, so a new import is covered without
    a list to keep). Modules that only score (search, answers, evaluation) are not reached."""
    seen: list[str] = []
    todo = [__name__]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            continue
        seen.append(name)
        package = name if spec.submodule_search_locations is not None else name.rpartition(".")[0]
        for cand in _imported(ast.parse(Path(spec.origin).read_text(encoding="utf-8")), package):
            if cand.split(".")[0] == "inquire" and _is_module(cand):
                parts = cand.split(".")
                # the module, and every package above it: a package's __init__ runs on import too
                todo += [".".join(parts[:k]) for k in range(len(parts), 0, -1)]
    return sorted(seen)


def _imported(tree: ast.Module, package: str) -> list[str]:
    """Names a module's source imports (anywhere, lazy imports too), relative ones resolved: each
    ``from X import Y`` gives X and X.Y (Y may be a module)."""
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) if node.level else node.module
            if base:
                out += [base] + [f"{base}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names]
    return out


@functools.cache
def processing_fingerprint() -> str:
    """Changes whenever the code that turns a file into chunks may have changed: every module
    reading a file reaches (:func:`reading_modules`) and the PDF library's version. An index built
    with another fingerprint is re-processed (its vectors reused where the text is the same)."""
    from importlib import metadata

    h = hashlib.sha1()
    for name in reading_modules():
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin
        h.update(name.encode() + b"\0" + Path(spec.origin).read_bytes())
    for dist in ("pypdf", "pypdfium2"):  # the PDF libraries whose text the pages are
        try:
            h.update(metadata.version(dist).encode())
        except metadata.PackageNotFoundError:
            pass
    return h.hexdigest()[:16]


def _title(clean: CleanDocument, structure: Structure, meta_title: str | None) -> str | None:
    if structure.title:
        return structure.title
    if meta_title and len(meta_title) > 3 and not meta_title.lower().startswith(("microsoft", "untitled")):
        return meta_title
    for line in clean.text.splitlines():
        line = line.strip()
        if len(line) > 3:
            return line[:160]
    return None


def _with_stance(clean: CleanDocument, resp: Response) -> Response:
    """The response with the stance its text states (indexer.stance.classify), or unchanged (no stance)."""
    found = classify(clean.text[resp.start : resp.end], responder=resp.responder, number=resp.recommendation)
    if found is None:
        return resp
    start, end = resp.start + found.start, resp.start + found.end
    return replace(
        resp, stance=found.stance, stance_kind=found.kind, stance_start=start, stance_end=end, stance_page=clean.page_at(start)
    )


def process_file(path: Path, sha: str, params: ChunkParams) -> ProcessedDoc:
    raw = parse(path)
    clean = clean_document(raw)
    if not clean.text.strip():
        raise ParseError(f"{path}: nothing left after removing page furniture; check that it is a report")
    structure = find_structure(clean)
    structure = replace(structure, responses=tuple(_with_stance(clean, r) for r in structure.responses))
    doc_id = sha[:16]
    chunks = chunk_document(doc_id, clean, structure, params)
    n_pages = len(raw.pages) if raw.format == "pdf" else None
    return ProcessedDoc(
        doc_id=doc_id,
        path=str(path),
        name=path.name,
        title=_title(clean, structure, raw.title),
        format=raw.format,
        sha256=sha,
        n_pages=n_pages,
        clean=clean,
        structure=structure,
        chunks=chunks,
        date=raw.date,
        publisher=raw.publisher,
        page_labels=tuple(p.label for p in raw.pages) if raw.format == "pdf" else (),
        ocr_pages=tuple(p.number for p in raw.pages if p.ocr and p.number is not None),
    )
