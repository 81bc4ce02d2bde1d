"""Text that is safe to print on a terminal.

Document text, titles and file names come from files inquire did not write: a PDF or file name can
carry escape sequences that set the window title, write the clipboard (OSC 52), move the cursor to
overwrite earlier output (CSI, carriage return, backspace) or reorder what is shown (bidi overrides).
:func:`strip_controls` removes them all, keeping newlines and tabs; printable text is unchanged.
JSON output needs nothing: ``json.dumps`` escapes every control character.
"""

from __future__ import annotations

import re

# ESC-introduced sequences (7-bit) and their 8-bit C1 forms:
#   OSC / DCS / SOS / PM / APC strings run to BEL or ST (ESC \ or 0x9c), or to the end of the text;
#   CSI: parameters, intermediates, one final byte; any other ESC + one byte.
_SEQUENCES = re.compile(
    r"""
    (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]) .*? (?:\x07|\x1b\\|\x9c|\Z)   # string commands
    | (?:\x1b\[|\x9b) [0-?]* [ -/]* [@-~]?                                # CSI
    | \x1b [ -/]* [0-~]?                                                   # other escapes
    """,
    re.VERBOSE | re.DOTALL,
)
# Remaining C0 controls except tab and newline, DEL, C1 controls, bidi embeddings/overrides/isolates.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """``text`` without terminal control sequences or control characters (newline and tab kept)."""
    if text.isprintable():
        return text
    return _CONTROLS.sub("", _SEQUENCES.sub("", text))
