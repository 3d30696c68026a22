"""Reading CSRF tokens off pages, the way a browser's script or form would send them."""

from __future__ import annotations

import re

_META = re.compile(r'name="csrf-token" content="([^"]+)"')
_FIELD = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VALUE = re.compile(r'value="([^"]+)"')


def meta_csrf(html: str) -> str:
    """The token in a page's <meta name="csrf-token"> (what fetch calls send)."""
    match = _META.search(html)
    assert match, "no csrf-token meta tag on the page"
    return match.group(1)


def form_csrf(html: str) -> str:
    """The token in the first form's hidden csrf_token field (what a plain form posts)."""
    field = _FIELD.search(html)
    value = _VALUE.search(field.group(0)) if field else None
    assert value, "no csrf_token field on the page"
    return value.group(1)


def csrf_token_from(client, path: str = "/auth/login") -> str:
    """The CSRF token of the client's session, read from a page's meta tag."""
    return meta_csrf(client.get(path, follow_redirects=True).get_data(as_text=True))
