"""Domain exceptions, in one place. Each message names the object and the fix."""

from __future__ import annotations


class InquireError(Exception):
    """Base class: the CLI prints ``str(exc)`` as a one-line error and exits 1."""


class ParseError(InquireError):
    """A file could not be read as a report (empty, corrupt, wrong encoding, no text)."""


class UnsupportedFormat(ParseError):
    """The file's extension is not one inquire reads."""


class IndexMissing(InquireError):
    """No index at the expected location."""


class IndexIncompatible(InquireError):
    """The index on disk was built by another format version or model."""


class IndexWriteError(InquireError):
    """The index could not be written (disk full, permissions); the previous version is unchanged."""


class EmbedderUnavailable(InquireError):
    """The embedding model or a backend it needs cannot be loaded."""


class QueryError(InquireError):
    """A query, filter or query file is malformed."""
