"""Cross-document linking of responses to recommendations (placeholder until that work lands)."""

from __future__ import annotations

import sqlite3


def link_index(conn: sqlite3.Connection, embedder=None) -> None:
    return None
