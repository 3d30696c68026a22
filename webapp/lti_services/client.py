"""Who a platform is to the tool, and the HTTP calls made to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

TIMEOUT = (5.0, 15.0)  # connect, read: a slow platform delays its own scores, nobody else's
USER_AGENT = "srm-trainer (LTI 1.3 tool)"


@dataclass(frozen=True)
class PlatformClient:
    """A registered platform as the tool's service calls see it.

    audience: the `aud` of the tool's client assertion; most platforms want their token URL
    (the default), some (Moodle, Brightspace) name another.
    """

    issuer: str
    client_id: str
    token_url: str
    tool_kid: str
    tool_private_pem: str = field(repr=False)
    audience: str = ""

    def __post_init__(self) -> None:
        if not self.audience:
            object.__setattr__(self, "audience", self.token_url)


class ServiceError(Exception):
    """A platform call that did not succeed: status (None: no answer) and what it said.

    retry: whether trying again later may work (no answer, 5xx, 401, 429); otherwise the
    platform refused the request itself and will refuse it again.
    """

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after

    @property
    def retry(self) -> bool:
        return self.status is None or self.status >= 500 or self.status in (401, 408, 429)


def new_http() -> requests.Session:
    """An HTTP session for platform calls (keeps connections to each platform open)."""
    http = requests.Session()
    http.headers["User-Agent"] = USER_AGENT
    return http


def call(
    http: requests.Session, method: str, url: str, *, timeout: Any = None, **kwargs: Any
) -> requests.Response:
    """One request; ServiceError for no answer, a redirect or an error status."""
    try:
        response = http.request(
            method, url, timeout=timeout or TIMEOUT, allow_redirects=False, **kwargs
        )
    except requests.RequestException as exc:
        raise ServiceError(f"{method} {url}: no answer ({type(exc).__name__})") from None
    if response.status_code >= 300:  # a redirect is not followed: the URL is not the service
        raise ServiceError(
            f"{method} {url}: {response.status_code} {_excerpt(response.text)}",
            response.status_code,
            _retry_after(response),
        )
    return response


def json_body(response: requests.Response) -> Any:
    """The response's JSON; ServiceError (not retried) if it is not JSON."""
    try:
        return response.json()
    except ValueError:
        raise ServiceError(
            f"{response.request.method} {response.url}: the answer is not JSON", 502
        ) from None


def append_path(url: str, part: str) -> str:
    """url with /part added to its path, before any query (a line item URL may have one)."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    return urlunsplit((scheme, netloc, path.rstrip("/") + "/" + part, query, fragment))


def _excerpt(text: str, size: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[:size] + "..."


def _retry_after(response: requests.Response) -> float | None:
    raw = response.headers.get("Retry-After", "")
    try:
        return max(float(raw), 0.0) if raw else None
    except ValueError:
        return None
