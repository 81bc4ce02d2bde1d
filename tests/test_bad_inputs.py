"""The bad-input corpus: every kind of hostile or broken input a user can hand inquire, each with the
one-line message it must get (naming the file and the fix), never a traceback, a hang, or a lost index.

The inputs are generated here (encrypted PDFs with pypdf, FIFOs, symlink loops, damaged index files)
rather than checked in; ``tests/data/bad/`` keeps the three classic ones. Every case runs the real
CLI in-process with the fake embedder. Cases are grouped: files to index, paths, index locations,
damaged indexes (search and incremental index), queries and batch files, environment, output
safety, and full disks. ``KINDS`` at the end counts them.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CORPUS, IOPC
from pdfmaker import make_pdf
from typer.testing import CliRunner

from inquire import versions
from inquire.cli import app

BAD = Path(__file__).parent / "data" / "bad"
RUNNER = CliRunner()
REPORT_LINES = [
    "Recommendation 1: Training",
    "The force should train every officer in trauma-informed practice.",
    "Response from the Home Office",
    "The Home Office accepts this recommendation in full.",
]
CHOOSE = r"choose an? (new or empty|empty or new) folder for --index"


# ---- running the CLI -------------------------------------------------------------------------
class Timeout(Exception):
    pass


def cli(*args: str | Path, seconds: int = 60):
    """Run ``inquire ARGS`` in-process; a hang becomes a test failure after ``seconds``."""

    def alarm(signum, frame):
        raise Timeout(f"inquire {' '.join(map(str, args))} hung for {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        return RUNNER.invoke(app, [str(a) for a in args])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def clean_exit(result, code: int = 1) -> list[str]:
    """No traceback, no escape sequence, the exit code; returns the non-empty stderr lines."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback: {result.exception!r}\n{result.output}") from result.exception
    assert "Traceback" not in result.output and "\x1b" not in result.output
    assert result.exit_code == code, result.output
    return [line for line in result.stderr.splitlines() if line.strip()]


def one_line_error(result, pattern: str) -> str:
    """Exit 1 with exactly one ``Error:`` line on stderr, matching ``pattern``."""
    lines = clean_exit(result, 1)
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1 and len(lines) == 1, lines
    assert re.search(pattern, errors[0]), errors[0]
    return errors[0]


def skipped(result, path: Path | str, pattern: str) -> str:
    """`inquire index` reported ``path`` as skipped, in one line matching ``pattern``; exit 1."""
    lines = clean_exit(result, 1)
    mine = [line for line in lines if line.startswith(f"skipped: {path}")]
    assert len(mine) == 1, lines
    assert re.search(pattern, mine[0]), mine[0]
    return mine[0]


# ---- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def base_index(tmp_path_factory) -> Path:
    """The bundled corpus indexed once with the fake embedder; tests work on copies."""
    from inquire.indexer.pipeline import build_index

    from inquire.embedding.fake import FakeEmbedder

    root = tmp_path_factory.mktemp("base")
    shutil.copytree(CORPUS, root / "corpus")
    build_index([root / "corpus"], root / "idx", FakeEmbedder())
    return root


@pytest.fixture
def index_copy(base_index, tmp_path) -> Path:
    """A copy of the base index whose manifest lists the copy of the corpus beside it."""
    shutil.copytree(base_index / "corpus", tmp_path / "corpus", symlinks=True)
    shutil.copytree(base_index / "idx", tmp_path / "idx", symlinks=True)
    manifest = files_of(tmp_path / "idx") / "manifest.json"
    data = json.loads(manifest.read_text())
    old, new = str(base_index / "corpus"), str(tmp_path / "corpus")
    data["files"] = {path.replace(old, new, 1): sha for path, sha in data["files"].items()}
    manifest.write_text(json.dumps(data))
    return tmp_path / "idx"


def files_of(index: Path) -> Path:
    """Where the index's files are (the flat folder, or the published version)."""
    return versions.resolve(index).dir


def _encrypted(path: Path, user: str, algorithm: str) -> Path:
    from pypdf import PdfWriter

    plain = make_pdf(path.with_suffix(".plain"), [REPORT_LINES])
    writer = PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password=user, owner_password="owner-secret", algorithm=algorithm)
    writer.write(str(path))
    plain.unlink()
    return path


def _truncated_pdf(path: Path) -> Path:
    data = make_pdf(path.with_suffix(".full"), [REPORT_LINES] * 3).read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def _no_pages_pdf(path: Path) -> Path:
    body = (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    )
    xref = len(body)
    body += b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
    body += b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(body)
    return path


def _blank_pdf(path: Path) -> Path:
    return make_pdf(path, [[], []])  # pages with no text and no images


def _write(data: bytes) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.write_bytes(data)
        return path

    return make


TEXT = "\n\n".join(REPORT_LINES) + "\n"

# (case id, file name, maker, pattern of the one-line "skipped:" message)
BAD_FILES: list[tuple[str, str, Callable[[Path], Path], str]] = [
    ("empty-txt", "empty.txt", _write(b""), r"no text found \(empty file; remove it or add its text\)"),
    ("whitespace-txt", "blank.txt", _write(b" \n\t\n  \n"), r"no text found"),
    ("empty-md", "empty.md", _write(b""), r"no text found"),
    ("cp1252-txt", "latin1.txt", _write("Café – naïve".encode("cp1252")), r"not UTF-8 text .*iconv -f cp1252 -t utf-8"),
    (
        "utf16-no-bom",
        "nobom.txt",
        _write(TEXT.encode("utf-16le")),
        r"looks like UTF-16LE text without a byte-order mark; convert it: `iconv -f utf-16le",
    ),
    ("utf16be-no-bom", "nobombe.txt", _write(TEXT.encode("utf-16be")), r"looks like UTF-16BE .*iconv -f utf-16be"),
    (
        "bad-utf16-bom",
        "badbom.txt",
        _write(b"\xff\xfe" + b"\x00\xd8" + b"a\x00"),
        r"byte-order mark but is not valid UTF-16 .*re-save it as UTF-8",
    ),
    ("binary-txt", "random.txt", _write(bytes(range(256)) * 8), r"holds NUL bytes, so it is binary, not text"),
    ("nul-in-utf8", "nul.txt", _write(b"Recommendation 1\x00 text"), r"holds NUL bytes"),
    (
        "pdf-named-txt",
        "report.txt",
        lambda p: p.write_bytes(make_pdf(p.with_suffix(".x"), [REPORT_LINES]).read_bytes()) and p,
        r"is a PDF, not \.txt; rename it to report\.pdf",
    ),
    ("empty-html", "empty.html", _write(b""), r"no text found"),
    (
        "script-only-html",
        "script.html",
        _write(b"<html><script>var a=1;</script><style>p{}</style></html>"),
        r"no text found \(the HTML has no visible text; save the page after it has loaded\)",
    ),
    ("cp1252-html", "latin1.html", _write("<p>Café – naïve</p>".encode("cp1252")), r"not UTF-8 text"),
    (
        "corrupt-pdf",
        "corrupt.pdf",
        lambda p: shutil.copy(BAD / "corrupt.pdf", p) and p,
        r"not a readable PDF .*re-download or re-export it",
    ),
    ("empty-pdf", "zero.pdf", _write(b""), r"not a readable PDF .*re-download or re-export it"),
    ("truncated-pdf", "cut.pdf", _truncated_pdf, r"(not a readable PDF|no text|no page).*(re-download|check)"),
    ("html-named-pdf", "page.pdf", _write(b"<html><body><p>Recommendation 1</p></body></html>"), r"not a readable PDF"),
    ("text-named-pdf", "notes.pdf", _write(TEXT.encode()), r"not a readable PDF"),
    ("pdf-no-pages", "nopages.pdf", _no_pages_pdf, r"(PDF has no pages|not a readable PDF); re-download or re-export it"),
    ("pdf-blank-pages", "blank.pdf", _blank_pdf, r"no text|OCR"),
    (
        "pdf-password-aes256",
        "secret256.pdf",
        lambda p: _encrypted(p, "pw", "AES-256"),
        r"encrypted with a password; decrypt it first \(qpdf --decrypt --password=PASSWORD secret256\.pdf decrypted\.pdf\)",
    ),
    (
        "pdf-password-aes128",
        "secret128.pdf",
        lambda p: _encrypted(p, "pw", "AES-128"),
        r"encrypted with a password; decrypt it first \(qpdf",
    ),
    (
        "pdf-password-rc4",
        "secretrc4.pdf",
        lambda p: _encrypted(p, "pw", "RC4-128"),
        r"encrypted with a password; decrypt it first \(qpdf",
    ),
    (
        "unsupported-docx",
        "report.docx",
        _write(b"PK\x03\x04"),
        r"unsupported file type '\.docx'; inquire reads \.txt, \.md, \.html, \.htm, \.pdf",
    ),
    ("no-extension", "README", _write(TEXT.encode()), r"unsupported file type '\(none\)'"),
]


@pytest.mark.parametrize(("name", "make", "pattern"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_bad_file_is_skipped_in_one_line_naming_it_and_the_fix(tmp_path, name, make, pattern):
    path = make(tmp_path / name)
    result = cli("index", path, "--index", tmp_path / "idx")
    skipped(result, path, pattern)


# Unusual but valid: indexed, exit 0.
GOOD_FILES: list[tuple[str, str, Callable[[Path], Path]]] = [
    ("pdf-empty-password-aes256", "open256.pdf", lambda p: _encrypted(p, "", "AES-256")),
    ("pdf-empty-password-aes128", "open128.pdf", lambda p: _encrypted(p, "", "AES-128")),
    ("pdf-empty-password-rc4", "openrc4.pdf", lambda p: _encrypted(p, "", "RC4-128")),
    ("utf16le-bom", "u16.txt", _write(b"\xff\xfe" + TEXT.encode("utf-16le"))),
    ("utf16be-bom", "u16be.txt", _write(b"\xfe\xff" + TEXT.encode("utf-16be"))),
    ("utf32-bom", "u32.txt", _write(TEXT.encode("utf-32"))),
    ("utf8-bom", "bom.txt", _write(b"\xef\xbb\xbf" + TEXT.encode())),
    ("crlf", "crlf.txt", _write(TEXT.replace("\n", "\r\n").encode())),
    ("old-mac-cr", "cr.txt", _write(TEXT.replace("\n", "\r").encode())),
    ("upper-case-suffix", "REPORT.TXT", _write(TEXT.encode())),
    ("one-word", "word.txt", _write(b"Recommendations\n")),
    ("folder-named-pdf", "odd.pdf", lambda p: (p.mkdir(), (p / "inside.txt").write_text(TEXT)) and p),
]


@pytest.mark.parametrize(("name", "make"), [c[1:] for c in GOOD_FILES], ids=[c[0] for c in GOOD_FILES])
def test_unusual_but_valid_file_is_indexed(tmp_path, name, make):
    path = make(tmp_path / name)
    result = cli("index", path, "--index", tmp_path / "idx", "--json")
    clean_exit(result, 0)
    report = json.loads(result.stdout)
    assert report["written"] and report["documents"] == 1, report


# ---- paths ------------------------------------------------------------------------------------
def test_missing_path(tmp_path):
    skipped(
        cli("index", tmp_path / "nope.pdf", "--index", tmp_path / "idx"),
        tmp_path / "nope.pdf",
        r"no such file or directory; check the path",
    )


def test_file_inside_a_file(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT)
    bad = tmp_path / "a.txt" / "b.txt"
    skipped(cli("index", bad, "--index", tmp_path / "idx"), bad, r"no such file or directory")


def test_name_too_long(tmp_path):
    bad = tmp_path / ("x" * 300 + ".txt")
    skipped(cli("index", bad, "--index", tmp_path / "idx"), bad, r"cannot be read \(File name too long\)")


def test_dangling_symlink_named(tmp_path):
    link = tmp_path / "gone.txt"
    link.symlink_to(tmp_path / "deleted.txt")
    skipped(
        cli("index", link, "--index", tmp_path / "idx"),
        link,
        r"broken symbolic link \(its target .*deleted\.txt does not exist\); fix or remove the link",
    )


def test_symlink_loop_named(tmp_path):
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    skipped(cli("index", loop, "--index", tmp_path / "idx"), loop, r"symbolic link loop; fix or remove the link")


def test_symlink_loop_inside_a_folder(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(TEXT)
    (docs / "x.txt").symlink_to(docs / "y.txt")
    (docs / "y.txt").symlink_to(docs / "x.txt")
    (docs / "sub").symlink_to(docs)  # a folder linking to itself: walked once, no loop
    result = cli("index", docs, "--index", tmp_path / "idx")
    skipped(result, docs / "x.txt", r"symbolic link loop")
    assert "indexed 1 documents" in result.stdout


def test_fifo_named_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    skipped(
        cli("index", fifo, "--index", tmp_path / "idx", seconds=30),
        fifo,
        r"is a FIFO, not a regular file; inquire reads only regular files",
    )


def test_fifo_inside_a_folder_does_not_hang(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(TEXT)
    os.mkfifo(docs / "pipe.txt")
    result = cli("index", docs, "--index", tmp_path / "idx", seconds=30)
    skipped(result, docs / "pipe.txt", r"is a FIFO")
    assert "indexed 1 documents" in result.stdout


def test_socket_inside_a_folder(tmp_path):
    docs = tmp_path / "d"
    docs.mkdir()
    (docs / "a.txt").write_text(TEXT)
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(docs / "s.txt"))
        skipped(cli("index", docs, "--index", tmp_path / "idx"), docs / "s.txt", r"is a socket, not a regular file")
    finally:
        sock.close()


def test_device_named(tmp_path):
    result = cli("index", "/dev/null", "--index", tmp_path / "idx")
    skipped(result, "/dev/null", r"unsupported file type|is a device")


@pytest.mark.parametrize("content", ["empty", "unsupported", "hidden"])
def test_folder_with_nothing_to_index_is_an_error_not_up_to_date(index_copy, tmp_path, content):
    folder = tmp_path / "inbox"
    folder.mkdir()
    if content == "unsupported":
        (folder / "a.docx").write_bytes(b"PK")
        (folder / "b.xlsx").write_bytes(b"PK")
    elif content == "hidden":
        (folder / ".draft.txt").write_text(TEXT)
    result = cli("index", folder, "--index", index_copy)
    line = skipped(result, folder, r"no \.txt, \.md, \.html, \.htm, \.pdf files in this folder .*nothing to index there")
    assert ("2 other files" in line) == (content == "unsupported")
    assert "up to date" not in result.output and "unchanged" in result.stderr


def test_symlink_out_of_the_folder_is_not_followed(tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "passwords.txt").write_text("root password hunter2 is written here for the recommendation")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "report.txt").write_text(TEXT)
    (docs / "leak.txt").symlink_to(secret / "passwords.txt")
    (docs / "more").symlink_to(secret)
    result = cli("index", docs, "--index", tmp_path / "idx")
    skipped(
        result, docs / "leak.txt", r"symbolic link to .*passwords\.txt, outside .*docs; not followed: index only what you name"
    )
    skipped(result, docs / "more", r"symbolic link to .*secret, outside")
    found = cli("search", "hunter2 password", "--index", tmp_path / "idx", "--json")
    assert all("hunter2" not in h["text"] for h in json.loads(found.stdout)["hits"])


def test_symlink_inside_the_folder_is_followed_once(tmp_path):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "sub" / "report.txt").write_text(TEXT)
    (docs / "alias.txt").symlink_to(docs / "sub" / "report.txt")
    result = cli("index", docs, "--index", tmp_path / "idx", "--json")
    clean_exit(result, 0)
    assert json.loads(result.stdout)["documents"] == 1


def test_unreadable_file_is_skipped(tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(TEXT)
    locked = docs / "locked.txt"
    locked.write_text(TEXT.replace("Training", "Locks"))
    _deny(monkeypatch, locked)
    result = cli("index", docs, "--index", tmp_path / "idx")
    skipped(result, locked, r"(cannot read file|cannot be read) \((P|p)ermission denied\)")
    assert "indexed 1 documents" in result.stdout


def test_unreadable_subfolder_is_reported(tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    (docs / "private").mkdir(parents=True)
    (docs / "a.txt").write_text(TEXT)
    real = os.scandir

    def scandir(path="."):
        if Path(path) == docs / "private":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = cli("index", docs, "--index", tmp_path / "idx")
    skipped(result, docs / "private", r"cannot list this folder \(permission denied\); check its permissions")


def _deny(monkeypatch, *denied: Path) -> None:
    """Reading ``denied`` raises PermissionError, as for a file mode 000 (tests run as root too)."""
    import builtins
    import io

    real_open, real_io_open = builtins.open, io.open

    def check(file):
        if isinstance(file, (str, Path)) and Path(file) in denied:
            raise PermissionError(errno.EACCES, "Permission denied", str(file))

    def fake_open(file, *a, **k):
        check(file)
        return real_open(file, *a, **k)

    def fake_io_open(file, *a, **k):
        check(file)
        return real_io_open(file, *a, **k)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_io_open)


def test_previously_indexed_file_that_becomes_unreadable_keeps_its_previous_version(index_copy, monkeypatch):
    corpus = index_copy.parent / "corpus"
    _deny(monkeypatch, (corpus / IOPC).resolve())
    result = cli("index", corpus, "--index", index_copy, "--json")
    clean_exit(result, 1)
    report = json.loads(result.stdout)
    assert [Path(f["path"]).name for f in report["failed"]] == [IOPC]
    assert [Path(p).name for p in report["kept_previous"]] == [IOPC] and report["documents"] == 2


def test_named_twice_is_indexed_once(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT)
    result = cli("index", tmp_path / "a.txt", tmp_path / "a.txt", tmp_path, "--index", tmp_path / "idx", "--json")
    clean_exit(result, 0)
    assert json.loads(result.stdout)["documents"] == 1


# ---- index locations ---------------------------------------------------------------------------
def test_index_at_the_filesystem_root_is_refused_and_writes_nothing(tmp_path):
    before = set(os.listdir("/"))
    (tmp_path / "a.txt").write_text(TEXT)
    one_line_error(cli("index", tmp_path / "a.txt", "--index", "/"), rf"/ exists and is not an inquire index .*{CHOOSE}")
    assert set(os.listdir("/")) == before  # no "/..lock"


def test_index_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT)
    one_line_error(cli("index", tmp_path / "a.txt", "--index", tmp_path / "a.txt"), r"(is a file|not an inquire index)")


def test_index_in_a_folder_of_reports_is_refused(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT)
    one_line_error(cli("index", tmp_path / "a.txt", "--index", tmp_path), rf"is not an inquire index .*{CHOOSE}")
    assert sorted(os.listdir(tmp_path)) == ["a.txt"]  # no lock file, no staging folder


def test_index_where_nothing_can_be_created(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT)
    one_line_error(cli("index", tmp_path / "a.txt", "--index", "/proc/inquire-index"), r"/proc/\.?inquire-index.*(check|choose)")


@pytest.mark.parametrize("where", ["missing", "empty", "reports"])
def test_search_where_there_is_no_index(tmp_path, where):
    target = tmp_path / "x"
    if where != "missing":
        target.mkdir()
    if where == "reports":
        (target / "a.txt").write_text(TEXT)
    one_line_error(
        cli("search", "training", "--index", target),
        rf"no index at {re.escape(str(target))}: run `inquire index PATH\.\.\. --index",
    )


# ---- damaged indexes ----------------------------------------------------------------------------
def _damage(index: Path, name: str, how: str) -> None:
    path = files_of(index) / name
    if how == "missing":
        path.unlink()
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif how == "garbage":
        path.write_bytes(os.urandom(4096))
    elif how == "folder":
        path.unlink()
        path.mkdir()
    elif how == "swapped":
        other = files_of(index) / ("sentences.faiss" if name == "vectors.faiss" else "vectors.faiss")
        tmp = path.with_suffix(".swap")
        path.rename(tmp)
        other.rename(path)
        tmp.rename(other)
    elif how == "not-json":
        path.write_text("{not json")
    elif how == "json-list":
        path.write_text("[1, 2]")
    elif how == "binary":
        path.write_bytes(b"\xff\xfe\x00garbage")
    elif how == "old-format":
        data = json.loads(path.read_text())
        data["format_version"] = 1
        path.write_text(json.dumps(data))
    elif how == "other-model":
        data = json.loads(path.read_text())
        data["model"] = {"name": "another-model", "dim": 768}
        path.write_text(json.dumps(data))
    elif how == "no-model":
        data = json.loads(path.read_text())
        del data["model"]
        path.write_text(json.dumps(data))
    elif how == "table-dropped":
        conn = sqlite3.connect(path)
        conn.execute("DROP TABLE sentences")
        conn.commit()
        conn.close()
    else:
        raise ValueError(how)


DAMAGE = [
    ("manifest.json", "missing", r"no index at|missing manifest|run `inquire index"),
    ("manifest.json", "not-json", r"unreadable manifest .*run `inquire index --rebuild`"),
    ("manifest.json", "json-list", r"unreadable manifest .*--rebuild"),
    ("manifest.json", "binary", r"unreadable manifest .*--rebuild"),
    ("manifest.json", "old-format", r"format version 1; this install reads version \d+: run `inquire index --rebuild`"),
    ("manifest.json", "other-model", r"built with model another-model \(768-d\).*run `inquire index --rebuild`"),
    ("manifest.json", "no-model", r"unreadable manifest .*--rebuild"),
    ("meta.sqlite", "missing", r"missing meta\.sqlite; run `inquire index --rebuild`"),
    ("meta.sqlite", "empty", r"(database|meta\.sqlite).*--rebuild"),
    ("meta.sqlite", "truncated", r"(database|meta\.sqlite).*--rebuild"),
    ("meta.sqlite", "garbage", r"(database|meta\.sqlite).*--rebuild"),
    ("meta.sqlite", "table-dropped", r"(database|meta\.sqlite).*--rebuild"),
    ("vectors.faiss", "missing", r"missing vectors\.faiss; run `inquire index --rebuild`"),
    ("vectors.faiss", "empty", r"vectors\.faiss is damaged \(cut short or not a FAISS file\); run `inquire index --rebuild`"),
    ("vectors.faiss", "truncated", r"vectors\.faiss is damaged .*--rebuild"),
    ("vectors.faiss", "garbage", r"vectors\.faiss is damaged .*--rebuild"),
    ("vectors.faiss", "folder", r"vectors\.faiss is a folder, not a FAISS file; run `inquire index --rebuild`"),
    ("vectors.faiss", "swapped", r"(vectors|sentences)\.faiss holds \d+ vectors but the database has \d+ .*--rebuild"),
    ("sentences.faiss", "missing", r"missing sentences\.faiss; run `inquire index --rebuild`"),
    ("sentences.faiss", "truncated", r"sentences\.faiss is damaged .*--rebuild"),
    ("sentences.faiss", "garbage", r"sentences\.faiss is damaged .*--rebuild"),
]


def _cases(cases) -> list:
    return [pytest.param(*c, id=f"{c[0]}-{c[1]}") for c in cases]


@pytest.mark.parametrize(("name", "how", "pattern"), _cases(DAMAGE))
def test_damaged_index_on_search_is_one_line_with_the_fix(index_copy, name, how, pattern):
    _damage(index_copy, name, how)
    one_line_error(cli("search", "training", "--index", index_copy), pattern)


@pytest.mark.parametrize(("name", "how", "pattern"), _cases(DAMAGE))
def test_damaged_index_on_incremental_index_is_one_line_with_the_fix(index_copy, name, how, pattern):
    _damage(index_copy, name, how)
    corpus = index_copy.parent / "corpus"
    (corpus / "new.txt").write_text(TEXT)
    result = cli("index", corpus, "--index", index_copy)
    if name == "manifest.json" and how == "missing":  # not an index: refused, or (versioned layout) built afresh
        if result.exit_code == 0:
            return
        pattern = r"is not an inquire index|no index at|--rebuild"
    one_line_error(result, pattern)


def test_damaged_index_is_rebuilt_by_the_fix(index_copy):
    _damage(index_copy, "vectors.faiss", "truncated")
    corpus = index_copy.parent / "corpus"
    clean_exit(cli("index", corpus, "--index", index_copy, "--rebuild"), 0)
    clean_exit(cli("search", "training", "--index", index_copy), 0)


def test_recs_and_rec_on_a_damaged_database(index_copy):
    _damage(index_copy, "meta.sqlite", "garbage")
    one_line_error(cli("recs", "--index", index_copy), r"database.*--rebuild")
    one_line_error(cli("rec", "7", "--index", index_copy), r"database.*--rebuild")


def test_manifest_listing_files_outside_the_paths_given_is_not_re_read(index_copy, tmp_path):
    """A crafted index must not make `inquire index` read files the user did not name."""
    secret = tmp_path / "secret.txt"
    secret.write_text("the launch code is 0000 and this is a recommendation")
    manifest = files_of(index_copy) / "manifest.json"
    data = json.loads(manifest.read_text())
    data["files"][str(secret)] = "0" * 64
    manifest.write_text(json.dumps(data))
    other = tmp_path / "other"
    other.mkdir()
    (other / "new.txt").write_text(TEXT)
    cli("index", other, "--index", index_copy)
    found = cli("search", "launch code", "--index", index_copy, "--json")
    assert all("launch code" not in h["text"] for h in json.loads(found.stdout)["hits"])


def test_manifest_listing_a_fifo_does_not_hang(index_copy, tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    manifest = files_of(index_copy) / "manifest.json"
    data = json.loads(manifest.read_text())
    data["files"][str(fifo)] = "0" * 64
    manifest.write_text(json.dumps(data))
    (tmp_path / "n.txt").write_text(TEXT)
    result = cli("index", tmp_path / "n.txt", "--index", index_copy, seconds=30)
    if result.exit_code:  # reported like any previously indexed file that can no longer be read
        skipped(result, fifo, r"is a FIFO, not a regular file")
    clean_exit(result, result.exit_code)


def test_old_style_swap_leftovers_do_not_block_or_pollute(index_copy):
    """`.idx.old-<pid>` (pid 1 in containers) and `.idx.tmp-*` left by killed runs of older inquire."""
    parent = index_copy.parent
    (parent / f".idx.old-{os.getpid()}").mkdir()
    (parent / ".idx.tmp-killed").mkdir()
    corpus = parent / "corpus"
    (corpus / "new.txt").write_text(TEXT)
    clean_exit(cli("index", corpus, "--index", index_copy), 0)
    assert not [p.name for p in parent.iterdir() if p.name.startswith(".idx.")]


def test_default_search_never_builds_over_leftovers_of_an_interrupted_swap(isolated_home, base_index):
    index = isolated_home / "index"
    index.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(base_index / "idx", isolated_home / ".index.tmp-killed")  # an unpublished staging folder
    result = cli("search", "training")
    one_line_error(result, r"interrupted write left .* there; run `inquire index PATH\.\.\. --index")
    assert not index.exists() or not (index / "manifest.json").exists()


# ---- queries, options, batch files ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (["search", ""], r"empty query; pass some words to search for"),
        (["search", "   \t "], r"empty query"),
        (["search", "x", "--k", "1001"], r"--k 1001 is more than inquire returns \(1000, .*\); ask for at most 1000 passages"),
        (["search", "x", "--k", "1000000000000"], r"ask for at most 1000 passages"),
        (["ask", "what?", "--k", "20000"], r"ask for at most 1000"),
        (["search", "x", "--role", "bogus"], r"unknown role 'bogus'; use recommendation, response or other"),
        (
            [
                "ask",
                "",
            ],
            r"empty query",
        ),
        (["search"], r"give either a QUERY or --batch FILE\.jsonl"),
        (["search", "x", "--batch", "b.jsonl"], r"give either a QUERY or --batch"),
        (["rec", "99999"], r"no recommendation 99999; sources in the index: "),
        (["rec", ""], r"(no recommendation|'' is not a recommendation number; give one such as)"),
        (["recs", "--index", "nowhere"], r"no index at nowhere"),
    ],
)
def test_bad_query_or_option(index_copy, args, pattern):
    if "--index" not in args:
        args = [*args, "--index", str(index_copy)]
    os.chdir(index_copy.parent)
    one_line_error(cli(*args), pattern)


@pytest.mark.parametrize("command", ["search", "ask"])
@pytest.mark.parametrize("k", ["0", "-5"])
def test_k_below_one(index_copy, command, k):
    one_line_error(cli(command, "training", "--k", k, "--index", index_copy), rf"--k {k}: ask for at least 1 passage")


def test_k_that_is_not_a_number_is_a_usage_error_not_a_traceback(index_copy):
    result = cli("search", "training", "--k", "ten", "--index", index_copy)
    assert result.exit_code == 2 and "Traceback" not in result.output and "--k" in result.output


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced quote',
        "NEAR(a b)",
        "a AND OR NOT b",
        "col:umn",
        "*",
        "^start",
        "in-word-minus -",
        "(((",
        "a\x00b",
        "🙂 emoji only 🙂",
        "\u202eevil",
        "x" * 5000,
        " ".join(["recommendation"] * 2000),
        "' OR 1=1 --",
        "%_%",
        "\\",
    ],
)
def test_hostile_queries_are_searched_not_crashed(index_copy, query):
    result = cli("search", query, "--index", index_copy, "--json", "--k", "3")
    clean_exit(result, 0)
    assert isinstance(json.loads(result.stdout)["hits"], list)


@pytest.mark.parametrize(
    "filter_args", [["--doc", "%"], ["--doc", "_"], ["--responder", "\\"], ["--rec", "1; DROP TABLE chunks"], ["--rec", "🙂"]]
)
def test_hostile_filters_match_literally(index_copy, filter_args):
    result = cli("search", "training", *filter_args, "--index", index_copy, "--json")
    clean_exit(result, 0)


BATCHES = [
    (
        "invalid-utf8",
        b'{"id": 1, "query": "caf\xe9"}\n',
        r"b\.jsonl: not UTF-8 text \(bad byte at offset \d+\); save the batch file as UTF-8",
    ),
    ("utf16", '{"id": 1, "query": "x"}\n'.encode("utf-16"), r"not UTF-8 text"),
    ("not-json", b'{"id": 1, "query": "x"}\nnot json\n', r"b\.jsonl:2: not JSON .*each line must be"),
    ("array", b"[1, 2]\n", r"b\.jsonl:1: missing \"query\""),
    ("no-query", b'{"id": 1}\n', r"b\.jsonl:1: missing \"query\""),
    ("empty-query", b'{"id": 1, "query": "  "}\n', r"empty query"),
]


@pytest.mark.parametrize(("data", "pattern"), [b[1:] for b in BATCHES], ids=[b[0] for b in BATCHES])
def test_bad_batch_file(index_copy, tmp_path, data, pattern):
    batch = tmp_path / "b.jsonl"
    batch.write_bytes(data)
    result = cli("search", "--batch", batch, "--index", index_copy, "--json")
    lines = clean_exit(result, 1)
    assert len([line for line in lines if line.startswith("Error: ")]) == 1 and re.search(pattern, lines[-1]), lines


@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_batch_file_that_cannot_be_read(index_copy, tmp_path, kind):
    batch = tmp_path / "b.jsonl"
    if kind == "folder":
        batch.mkdir()
    one_line_error(cli("search", "--batch", batch, "--index", index_copy), r"b\.jsonl: cannot read batch file")


def test_empty_batch_file_prints_nothing(index_copy, tmp_path):
    batch = tmp_path / "b.jsonl"
    batch.write_text("\n\n")
    result = cli("search", "--batch", batch, "--index", index_copy)
    clean_exit(result, 0)
    assert result.stdout == ""


# ---- environment -------------------------------------------------------------------------------
def test_unknown_embedder_backend(index_copy, monkeypatch):
    monkeypatch.setenv("INQUIRE_EMBEDDER", "bogus")
    one_line_error(
        cli("search", "training", "--index", index_copy),
        r"unknown embedder backend 'bogus' \(from INQUIRE_EMBEDDER\); use one of",
    )


def test_inquire_home_that_is_a_file(tmp_path, monkeypatch):
    home = tmp_path / "home-file"
    home.write_text("not a folder")
    monkeypatch.setenv("INQUIRE_HOME", str(home))
    (tmp_path / "a.txt").write_text(TEXT)
    one_line_error(cli("index", tmp_path / "a.txt"), r"home-file.*(check|choose)")


def test_bad_thread_count_is_ignored(index_copy, monkeypatch):
    monkeypatch.setenv("INQUIRE_ONNX_THREADS", "lots")
    clean_exit(cli("search", "training", "--index", index_copy), 0)


# ---- output safety -----------------------------------------------------------------------------
ESCAPES = "\x1b]0;pwned title\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b[31m\x9b1m\r\x08\u202e"


def test_escape_sequences_in_documents_never_reach_the_terminal(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "evil.txt").write_text(
        f"Recommendation 1: Training {ESCAPES}\n\nThe force should train officers {ESCAPES} in trauma-informed practice.\n"
    )
    clean_exit(cli("index", docs, "--index", tmp_path / "idx"), 0)
    for command in (["search", "train officers"], ["ask", "what training should officers get?"], ["recs"], ["rec", "1"]):
        result = cli(*command, "--index", tmp_path / "idx")
        clean_exit(result, 0)
        assert not set(result.output) & set("\x1b\x9b\x07\r\x08\u202e"), command
    payload = json.loads(cli("search", "train officers", "--index", tmp_path / "idx", "--json").stdout)
    assert "\x1b]52;c;ZXZpbA==\x07" in payload["hits"][0]["text"]  # JSON keeps the exact text (escaped by json.dumps)


def test_escape_sequences_in_file_names_never_reach_the_terminal(tmp_path):
    evil = tmp_path / "\x1b]0;pwned\x07report\x1b[2J.docx"
    evil.write_bytes(b"PK")
    result = cli("index", evil, "--index", tmp_path / "idx")
    lines = clean_exit(result, 1)
    assert any("report.docx" in line for line in lines) and "pwned" not in result.output  # the OSC title string went too


def test_newline_in_a_file_name_keeps_the_error_on_one_line(tmp_path):
    evil = tmp_path / "two\nlines.docx"
    evil.write_bytes(b"PK")
    lines = clean_exit(cli("index", evil, "--index", tmp_path / "idx"), 1)
    assert len([line for line in lines if line.startswith("skipped:")]) == 1 and not any(
        line.startswith("lines.docx") for line in lines
    )


# ---- full disks ---------------------------------------------------------------------------------
def test_disk_full_while_writing_faiss_says_so_and_keeps_the_index(index_copy, monkeypatch):
    import faiss

    def full(index, path):
        raise RuntimeError(f"Error in void faiss::write_index: write error in {path}: 4014 != 16000 (No space left on device)")

    corpus = index_copy.parent / "corpus"
    before = sorted(p.name for p in index_copy.parent.iterdir())
    (corpus / "new.txt").write_text(TEXT)
    with monkeypatch.context() as patched:
        patched.setattr(faiss, "write_index", full)
        line = one_line_error(
            cli("index", corpus, "--index", index_copy),
            r"no space left on the disk.*free some space and run the same command again \(the previous index is unchanged\)",
        )
    assert "--rebuild" not in line
    found = cli("search", "train every officer", "--index", index_copy, "--json")
    clean_exit(found, 0)
    assert all(h["doc"] != "new.txt" for h in json.loads(found.stdout)["hits"])  # the previous version, whole
    assert sorted(p.name for p in index_copy.parent.iterdir()) == before  # no staging folder left


def test_disk_full_from_sqlite_is_not_called_damage(index_copy, monkeypatch):
    import inquire.cli as cli_module

    assert "free some space" in cli_module._os_error_message(sqlite3.OperationalError("database or disk is full"))
    assert "--rebuild" not in cli_module._os_error_message(OSError(errno.ENOSPC, "No space left on device", "x"))


# ---- the matrix ----------------------------------------------------------------------------------
KINDS = {  # kinds of bad input covered above (each parametrized case is one kind)
    "files to index (bad and unusual-but-valid)": len(BAD_FILES) + len(GOOD_FILES),
    "paths (missing, links, loops, FIFO, socket, device, empty folders, unreadable, duplicates)": 19,
    "index locations (/, a file, a folder of reports, uncreatable, no index x3)": 7,
    "damaged indexes (search and incremental index), rebuild, recs, crafted manifests, leftovers": 2 * len(DAMAGE) + 6,
    "the FAISS file layer (read x8, write)": 9,
    "queries, options, filters, batch files": 12 + 4 + 1 + 16 + 5 + len(BATCHES) + 2 + 1,
    "environment": 3,
    "terminal output (escapes in text and names, newline in a name)": 3,
    "full disks": 2,
}


def test_the_matrix_covers_the_kinds_of_case_the_issue_counted():
    assert sum(KINDS.values()) >= 125, KINDS


# ---- the FAISS file layer on its own (what the index layer calls) ---------------------------------
@pytest.fixture
def faiss_file(tmp_path) -> Path:
    import faiss
    import numpy as np

    index = faiss.IndexIDMap2(faiss.IndexFlatIP(8))
    index.add_with_ids(np.random.default_rng(0).random((50, 8), dtype=np.float32), np.arange(1, 51, dtype=np.int64))
    faiss.write_index(index, str(tmp_path / "vectors.faiss"))
    return tmp_path / "vectors.faiss"


@pytest.mark.parametrize(
    ("how", "pattern"),
    [
        ("missing", r"index at .* is missing vectors\.faiss; run `inquire index --rebuild`"),
        ("empty", r"vectors\.faiss is damaged \(cut short or not a FAISS file\); run `inquire index --rebuild`"),
        ("truncated", r"vectors\.faiss is damaged"),
        ("garbage", r"vectors\.faiss is damaged"),
        ("folder", r"vectors\.faiss is a folder, not a FAISS file"),
        ("count", r"vectors\.faiss holds 50 vectors but the database has 51 passages \(the file was replaced or damaged\)"),
        ("dim", r"vectors\.faiss holds 8-d vectors, the manifest says 384-d"),
        ("flat", r"vectors\.faiss is a FAISS IndexFlatIP, not the id-mapped index inquire writes"),
    ],
)
def test_read_vectors_errors_name_the_file_and_the_fix(faiss_file, how, pattern):
    import faiss

    from inquire.errors import IndexIncompatible
    from inquire.faiss_files import read_vectors

    kwargs = {"expected": 50, "dim": 8, "what": "passages"}
    if how == "missing":
        faiss_file.unlink()
    elif how == "empty":
        faiss_file.write_bytes(b"")
    elif how == "truncated":
        faiss_file.write_bytes(faiss_file.read_bytes()[:700])
    elif how == "garbage":
        faiss_file.write_bytes(os.urandom(1000))
    elif how == "folder":
        faiss_file.unlink()
        faiss_file.mkdir()
    elif how == "count":
        kwargs["expected"] = 51
    elif how == "dim":
        kwargs["dim"] = 384
    elif how == "flat":
        faiss.write_index(faiss.IndexFlatIP(8), str(faiss_file))
    with pytest.raises(IndexIncompatible, match=pattern) as info:
        read_vectors(faiss_file, index_dir=faiss_file.parent, **kwargs)
    assert "\n" not in str(info.value)
    if how == "count":
        assert read_vectors(faiss_file, expected=50, dim=8).ntotal == 50  # the intact file reads


def test_write_vectors_on_a_full_disk_says_so_without_rebuild(tmp_path):
    import faiss

    from inquire.errors import IndexWriteError
    from inquire.faiss_files import write_vectors

    index = faiss.IndexIDMap2(faiss.IndexFlatIP(8))
    with pytest.raises(
        IndexWriteError, match=r"no space left on the disk of .* while writing full(, \d+ MB free)?; free some space"
    ) as info:
        write_vectors(index, Path("/dev/full"), index_dir=tmp_path)  # writes fail with ENOSPC
    assert "--rebuild" not in str(info.value)
    with pytest.raises(IndexWriteError, match=r"cannot write x\.faiss .*check the folder's permissions and free space"):
        write_vectors(index, tmp_path / "missing-folder" / "x.faiss")
