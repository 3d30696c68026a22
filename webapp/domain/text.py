"""Text a user sends, and values quoted back in messages: the checks shared by every edge.

The databases cannot store some characters (PostgreSQL refuses NUL in text; a lone UTF-16
surrogate cannot be encoded as UTF-8), and other control characters have no place in an id,
an email or a title. Messages quote what was sent, but only a short, escaped prefix, so a
huge or hostile value cannot turn an error into a huge or garbled page.
"""

from __future__ import annotations

import re
import reprlib
from typing import Any

QUOTE_LIMIT = 40
# C0 controls except tab, line feed and carriage return; DEL; lone surrogates
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_ESCAPE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)  # controls, invisible and direction marks
_repr = reprlib.Repr()  # keyword arguments need Python 3.12
_repr.maxlevel, _repr.maxdict, _repr.maxlist, _repr.maxtuple, _repr.maxset = 2, 3, 3, 3, 3
_repr.maxstring = _repr.maxother = _repr.maxlong = 30


def text_problem(value: str) -> str | None:
    """Why this text cannot be accepted (a NUL, a lone surrogate, a control character), or
    None when it is fine. Tab and line breaks are allowed: free text has paragraphs."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return "contains a NUL character"
    if "\ud800" <= char <= "\udfff":
        return "contains a lone surrogate (not valid Unicode text)"
    return f"contains an invisible control character (U+{ord(char):04X})"


def shorten(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """A value as a message may show it: at most `limit` characters, control characters
    escaped (\\x00, \\u2028 style), '…' where it was cut. Non-text values are shown by a
    bounded repr, so even a deeply nested structure costs little to describe."""
    text = value if isinstance(value, str) else _repr.repr(value)
    cut = len(text) > limit
    text = _ESCAPE.sub(
        lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"),
        text[:limit],
    )
    return text + "…" if cut else text


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """shorten() in single quotes, as messages name an id: 'abc'."""
    return f"'{shorten(value, limit)}'"
