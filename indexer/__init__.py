"""inquire's indexer: parse, clean, find structure, chunk, embed and store reports.

Library code: never imports typer. The CLI lives in ``inquire.cli``.
"""
