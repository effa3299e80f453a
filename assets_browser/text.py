"""Text from editors and from Argil, made fit to store: no NUL or other control characters.

PostgreSQL refuses a NUL in a text column (the write would answer 500) and neither database
wants lone surrogates (JSON's "\\ud800" decodes to one); other C0/C1 controls only garble pages
and CSV exports. Every write path (picks, board names, notes, add-by-URL) cleans its text with
these before it reaches the database or Argil.
"""

import re

# Line breaks and tabs: a space in a one-line name, kept in a note.
_BREAKS_RE = re.compile(r"\r\n|[\t\n\r\x0b\x0c\x85\u2028\u2029]")
# NUL and every other C0/C1 control, DEL, and lone surrogates: dropped.
_CONTROLS_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")


def clean_line(text: str) -> str:
    """One line: controls dropped, line breaks and tabs made spaces, ends trimmed."""
    return _CONTROLS_RE.sub("", _BREAKS_RE.sub(" ", text)).strip()


def clean_text(text: str) -> str:
    """Several lines (a note): controls dropped, line breaks kept as "\\n", tabs as spaces."""
    text = text.replace("\r\n", "\n").replace("\t", " ")
    text = re.sub(r"[\r\x0b\x0c\x85\u2028\u2029]", "\n", text)
    return _CONTROLS_RE.sub("", text).strip()
