"""Assignment and Grade Services: line items and scores on a platform's gradebook."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import requests

from .client import PlatformClient, ServiceError, append_path, call, json_body
from .tokens import SCOPE_LINEITEM, SCOPE_SCORE, TokenCache

SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"


class ActivityProgress(StrEnum):
    SUBMITTED = "Submitted"  # graded, and the learner may still try again
    COMPLETED = "Completed"  # the learner's last word on this activity


class GradingProgress(StrEnum):
    FULLY_GRADED = "FullyGraded"
    PENDING = "Pending"


class Policy(StrEnum):
    """Which attempt the gradebook holds.

    latest: every graded attempt is sent; the platform keeps the newest (by timestamp).
    best: an attempt is sent only when it beats every score already sent or waiting to be
    sent for that learner and line item, so the gradebook never goes down and an attempt
    that does not improve costs no request.
    """

    LATEST = "latest"
    BEST = "best"


@dataclass(frozen=True)
class Score:
    user_id: str
    score_given: float
    score_maximum: float
    timestamp: datetime
    activity: ActivityProgress = ActivityProgress.COMPLETED
    grading: GradingProgress = GradingProgress.FULLY_GRADED

    def as_json(self) -> dict[str, Any]:
        """The score as AGS wants it (timestamp in ISO 8601 with microseconds and offset)."""
        stamp = self.timestamp if self.timestamp.tzinfo else self.timestamp.replace(tzinfo=UTC)
        return {
            "userId": self.user_id,
            "scoreGiven": self.score_given,
            "scoreMaximum": self.score_maximum,
            "activityProgress": str(self.activity),
            "gradingProgress": str(self.grading),
            "timestamp": stamp.astimezone(UTC).isoformat(timespec="microseconds"),
        }


def authorized(
    client: PlatformClient,
    tokens: TokenCache,
    http: requests.Session,
    scopes: Iterable[str],
    method: str,
    url: str,
    **kwargs: Any,
) -> requests.Response:
    """A service call with a bearer token. A kept token the platform refuses (401: revoked,
    or expired early) is dropped and the call made once more with a new one."""
    scopes = tuple(scopes)
    headers = dict(kwargs.pop("headers", {}))
    for last in (False, True):
        headers["Authorization"] = f"Bearer {tokens.token(client, scopes, http)}"
        try:
            return call(http, method, url, headers=headers, **kwargs)
        except ServiceError as exc:
            if exc.status != 401 or last:
                raise
            tokens.forget(client, scopes)
    raise AssertionError("unreachable")  # pragma: no cover


def send_score(
    client: PlatformClient,
    tokens: TokenCache,
    http: requests.Session,
    lineitem_url: str,
    score: Score,
) -> None:
    """POST the score to the line item's scores endpoint."""
    authorized(
        client,
        tokens,
        http,
        (SCOPE_SCORE,),
        "POST",
        append_path(lineitem_url, "scores"),
        json=score.as_json(),
        headers={"Content-Type": SCORE_TYPE},
    )


def ensure_lineitem(
    client: PlatformClient,
    tokens: TokenCache,
    http: requests.Session,
    lineitems_url: str,
    *,
    resource_link_id: str | None,
    label: str,
    score_maximum: float,
) -> str:
    """The line item of this resource link in the container: found, or made; its URL."""
    scopes = (SCOPE_LINEITEM,)
    params = {"resource_link_id": resource_link_id} if resource_link_id else {}
    found = authorized(
        client,
        tokens,
        http,
        scopes,
        "GET",
        lineitems_url,
        params=params,
        headers={"Accept": LINEITEMS_TYPE},
    )
    items = json_body(found)
    for item in items if isinstance(items, list) else []:
        if (
            isinstance(item, dict)
            and isinstance(item.get("id"), str)
            and (resource_link_id is None or item.get("resourceLinkId") == resource_link_id)
            and (resource_link_id is not None or item.get("label") == label)
        ):
            return item["id"]
    body: dict[str, Any] = {"label": label, "scoreMaximum": score_maximum}
    if resource_link_id:
        body["resourceLinkId"] = resource_link_id
    made = json_body(
        authorized(
            client,
            tokens,
            http,
            scopes,
            "POST",
            lineitems_url,
            json=body,
            headers={"Content-Type": LINEITEM_TYPE, "Accept": LINEITEM_TYPE},
        )
    )
    if not isinstance(made, dict) or not isinstance(made.get("id"), str):
        raise ServiceError(f"POST {lineitems_url}: the new line item has no id", 502)
    return made["id"]
