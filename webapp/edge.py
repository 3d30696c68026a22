"""One way in for input: what every request passes before a view or a query sees it.

* Path segments, query strings, form field names and uploaded file names holding text the
  databases cannot store (NUL, lone surrogates, other control characters) are refused with
  a 400 before any view runs (JSON under /api/, an error page elsewhere). Form field values
  are refused the same way, unless the view's form reports them next to their field
  (views marked with @fields_checked_by_form, forms built on CheckedForm).
* JSON bodies are read by read_json_body: at most the API's size limit, counted on chunked
  bodies too; nesting deeper than JSON_MAX_DEPTH refused before the parser recurses; every
  string and key checked like the text above.
* A refused oversized body (413) closes its connection, since its unread rest cannot be
  told apart from the next request.
* redirect_target turns a `next` sent by the client into a path on this site, or the
  default page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, NoReturn
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask_wtf import FlaskForm
from flask_wtf.form import SUBMIT_METHODS, _Auto
from werkzeug.routing import IntegerConverter
from wtforms import StringField
from wtforms.validators import StopValidation

from .domain.text import quote, text_problem

JSON_MAX_DEPTH = 32
DB_INT_MAX = 2**63 - 1  # the largest id a database column holds (SQLite, PostgreSQL bigint)
FORM_MIMETYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
CLOSE_CONNECTION = "srm.close_connection"  # environ key: a callable the server provides

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")
_REDIRECT_JUNK = re.compile(r"[\x00-\x20\x7f-\x9f\s]")


class InputError(ValueError):
    """Input refused at the edge: a message and the problems, each naming where it was."""

    def __init__(self, message: str, details: list[str], status: int = 400):
        super().__init__(message)
        self.message = message
        self.details = details
        self.status = status


# --- text ---------------------------------------------------------------------------------


def text_problems(items: Iterator[tuple[str, Any]]) -> list[str]:
    """'<where> <problem>: <value>' for every (where, value) whose value cannot be stored."""
    found = []
    for where, value in items:
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                found.append(f"{where} {problem}: {quote(value)}")
    return found


def _request_text(check_form_values: bool) -> Iterator[tuple[str, Any]]:
    for name, value in (request.view_args or {}).items():
        yield f"the address part '{name}'", value
    for name, value in request.args.items(multi=True):
        yield "a query parameter name", name
        yield f"the query parameter {quote(name)}", value
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in FORM_MIMETYPES:
        for name, value in request.form.items(multi=True):
            yield "a form field name", name
            if check_form_values:
                yield f"the form field {quote(name)}", value
        for name, storage in request.files.items(multi=True):
            yield "a form field name", name
            yield "the file name", storage.filename


def fields_checked_by_form(view):
    """Mark a view whose form shows unstorable values as errors next to their field
    (CheckedForm), so the edge leaves form values to it."""
    view.fields_checked_by_form = True
    return view


def _check_request() -> None:
    rule = request.url_rule
    view = current_app.view_functions.get(rule.endpoint) if rule is not None else None
    marked = getattr(view, "fields_checked_by_form", False)
    problems = text_problems(_request_text(check_form_values=not marked))
    if problems:
        refuse(InputError("the request holds text that cannot be stored", problems))


def refuse(error: InputError) -> NoReturn:
    """Answer an InputError: JSON {"error", "details"} under /api/, an error page elsewhere."""
    if request.path.startswith("/api/"):
        from .api.errors import ApiError

        raise ApiError(error.status, error.message, error.details)
    abort(
        error.status,
        description=" ".join(_sentence(x) for x in [error.message, *error.details]),
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def storable(_form, field) -> None:
    """WTForms validator: the field's text can be stored (no NUL, surrogate or control
    character); the message sits next to the field."""
    if isinstance(field.data, str):
        problem = text_problem(field.data)
        if problem:
            field.errors[:] = []
            raise StopValidation(f"This {problem}. Remove it and try again.")


class CheckedForm(FlaskForm):
    """A Flask-WTF form whose text fields all pass `storable` (after their own validators)."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            """A page's form reads form fields only. Flask-WTF would read a JSON body as the
            form, and one that is deeply nested, a list or a string breaks it (a 500): sent to
            a page, JSON is a form with no fields, refused like any empty one."""
            if formdata is _Auto and request.is_json and not request.form:
                formdata = request.form if request.method in SUBMIT_METHODS else None
            return super().wrap_formdata(form, formdata)

    def validate(self, extra_validators=None):
        extra = {name: list(chain) for name, chain in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if isinstance(field, StringField):
                extra.setdefault(name, []).append(storable)
        return super().validate(extra)


# --- JSON ---------------------------------------------------------------------------------


def read_body(limit: int) -> bytes:
    """The request body, at most `limit` bytes; InputError 413 past it, chunked or not."""
    if request.content_length is not None:
        if request.content_length > limit:
            raise InputError(f"request body is larger than {limit // 1024} KB", [], 413)
        request.max_content_length = limit
        return request.get_data(cache=True)
    if not request.environ.get("wsgi.input_terminated"):
        return b""  # no length and a server that does not end the stream: no body
    stream = request.environ["wsgi.input"]  # the server ends it (chunked, HTTP/1.1)
    chunks, size = [], 0
    while True:
        chunk = stream.read(min(16384, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise InputError(
                f"request body is larger than {limit // 1024} KB",
                ["a chunked body counts toward the same limit"],
                413,
            )
    return b"".join(chunks)


def json_depth_exceeds(text: str, limit: int = JSON_MAX_DEPTH) -> bool:
    """Whether JSON text nests arrays and objects deeper than `limit` (strings skipped),
    found by counting brackets, without recursion."""
    depth = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _json_strings(value: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                yield f"a key at {where}", key
                stack.append((f"{where}.{quote(key, 20)[1:-1]}", child))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", child) for i, child in enumerate(item))
        elif isinstance(item, str):
            yield f"the text at {where}", item


def parse_json(raw: bytes) -> Any:
    """JSON from bytes, or InputError: not UTF-8, malformed, too deep, or unstorable text."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("malformed JSON", [f"not UTF-8: {exc.reason}"]) from None
    if json_depth_exceeds(text):
        raise InputError(
            "malformed JSON", [f"nested deeper than {JSON_MAX_DEPTH} arrays or objects"]
        )
    try:
        data = json.loads(text) if text else None
    except (ValueError, RecursionError) as exc:
        raise InputError("malformed JSON", [str(exc)[:120]]) from None
    problems = text_problems(_json_strings(data))
    if problems:
        raise InputError("the request holds text that cannot be stored", problems[:20])
    return data


# --- redirects ----------------------------------------------------------------------------


def redirect_target(target: Any, default: str) -> str:
    """Where to go after a form: `target` if it is a path on this site, else `default`.

    Control characters and whitespace are removed first, as browsers ignore them inside a
    URL ("/\\t/evil.example" is "//evil.example" to a browser); what remains must start
    with a single "/" and name no scheme and no host ("//host" and "/\\host" do)."""
    if not isinstance(target, str):
        return default
    cleaned = _REDIRECT_JUNK.sub("", target)
    if not cleaned.startswith("/") or cleaned[1:2] in ("/", "\\"):
        return default
    parts = urlsplit(cleaned.replace("\\", "/"))
    if parts.scheme or parts.netloc:
        return default
    return cleaned


# --- the app ------------------------------------------------------------------------------


class StoredInt(IntegerConverter):
    """An <int:...> address part that fits a database integer: a larger number names no
    row (404) instead of overflowing the database driver (a 500)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(url_map, fixed_digits, min, DB_INT_MAX if max is None else max, signed)


def init_app(app: Flask) -> None:
    """Check every request's text before its view; close connections after a 413; keep
    numeric ids in the URL within what the database holds (before any route is added)."""
    app.url_map.converters["int"] = StoredInt
    app.before_request(_check_request)

    @app.after_request
    def _close_after_413(response):
        if response.status_code == 413:
            response.headers["Connection"] = "close"
            close = request.environ.get(CLOSE_CONNECTION)
            if close is not None:
                close()
        return response
