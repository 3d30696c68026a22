"""Slowing down password guessing without locking the owner out.

Two brakes on failed sign-ins, both counted in the shared rate-limit store:

- per address: at most SRM_LOGIN_LIMIT_ADDRESS failures (then 429 until the window ends);
- per account: after SRM_LOGIN_FREE_FAILURES failures within 15 minutes, the account waits
  2, 4, 8 ... seconds after each further failure, never more than SRM_LOGIN_DELAY_MAX. A
  stranger's guesses therefore cost the owner at most that short wait, never an hour.
"""

from __future__ import annotations

from flask import Flask, current_app
from limits import parse_many
from limits.strategies import FixedWindowRateLimiter

from ..ratelimits import make_storage, retry_after
from ..services.accounts import normalise_email

FAILURE_WINDOW = 15 * 60


def _storage():
    return current_app.extensions["srm_login_throttle"]


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _address_limits():
    return parse_many(current_app.config["SRM_LOGIN_LIMIT_ADDRESS"])


def wait_for(address: str, email: str) -> tuple[int, str | None]:
    """Seconds to wait before this sign-in may be tried, and whose brake it is (or 0, None)."""
    if not _enabled():
        return 0, None
    storage = _storage()
    strategy = FixedWindowRateLimiter(storage)
    for limit in _address_limits():
        if not strategy.test(limit, "login-address", address):
            stats = strategy.get_window_stats(limit, "login-address", address)
            return retry_after(stats.reset_time), "address"
    key = "login-wait:" + normalise_email(email)
    if storage.get(key) > 0:
        return retry_after(storage.get_expiry(key)), "account"
    return 0, None


def failed(address: str, email: str) -> None:
    """Count a failed sign-in against the address and the account."""
    if not _enabled():
        return
    storage = _storage()
    strategy = FixedWindowRateLimiter(storage)
    for limit in _address_limits():
        strategy.hit(limit, "login-address", address)
    email = normalise_email(email)
    failures = storage.incr("login-failures:" + email, FAILURE_WINDOW)
    extra = failures - int(current_app.config["SRM_LOGIN_FREE_FAILURES"])
    if extra > 0:
        delay = min(int(current_app.config["SRM_LOGIN_DELAY_MAX"]), 2 ** min(extra, 16))
        key = "login-wait:" + email
        storage.clear(key)
        storage.incr(key, delay)


def succeeded(email: str) -> None:
    """The owner got in: the account's failures are forgotten."""
    if not _enabled():
        return
    storage = _storage()
    email = normalise_email(email)
    storage.clear("login-failures:" + email)
    storage.clear("login-wait:" + email)


def init_app(app: Flask) -> None:
    """One store per app, the same one Flask-Limiter counts in."""
    app.extensions["srm_login_throttle"] = make_storage(app)
