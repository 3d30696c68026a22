"""Configuration: defaults, then instance/config.py, then SRM_-prefixed environment variables."""

from __future__ import annotations

import logging
import os
import secrets
import sys
from pathlib import Path

from flask import Flask
from platformdirs import user_data_path

from .resources import resource_dir

log = logging.getLogger(__name__)


class Defaults:
    SRM_RULES_FILE = None  # default: scenarios/rules/aws.yaml shipped with the package
    SRM_SCENARIOS_DIR = None  # default: scenarios/ shipped with the package
    SRM_API_MAX_BODY = 64 * 1024
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024  # scenario uploads; the JSON API caps at 64 KB
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # a form token works for 12 hours (a working day with a page left open); a login session
    # ends after 12 hours without a request, and at once when its owner signs out
    WTF_CSRF_TIME_LIMIT = 12 * 3600
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    RATELIMIT_ENABLED = True  # said here, so no app inherits another's setting in one process
    RATELIMIT_STORAGE_URI = "database://"  # counted in the app's database, across workers
    SRM_JOIN_LIMIT = "600 per minute"  # per address: a class of 300 behind one NAT gets in
    SRM_GRADE_LIMIT = "600 per minute;6000 per hour"  # anonymous grading, per address
    SRM_LOGIN_LIMIT_ADDRESS = "20 per minute;200 per hour"  # failed sign-ins, per address
    SRM_LOGIN_FREE_FAILURES = 3  # wrong passwords an account may have before it must wait
    SRM_LOGIN_DELAY_MAX = 60  # the longest such wait, in seconds (it doubles up to this)
    RATELIMIT_HEADERS_ENABLED = True
    SEND_FILE_MAX_AGE_DEFAULT = 0  # versioned static URLs set their own long lifetime
    SRM_STATIC_MAX_AGE = 365 * 24 * 3600
    SRM_LOG_LEVEL = "INFO"
    SRM_HSTS_MAX_AGE = 365 * 24 * 3600  # Strict-Transport-Security on HTTPS requests; 0: none


APP_NAME = "srm-trainer"


def instance_folder(explicit: str | None = None) -> str:
    """The instance folder: the one asked for, else SRM_INSTANCE_PATH, else the user data dir.

    The default is the platform's user data directory (~/.local/share/srm-trainer on Linux),
    not a folder beside the package, so `pip install .` and `pip install -e .` use the same
    database and the accounts and scenarios made before stay there.
    """
    chosen = explicit or os.environ.get("SRM_INSTANCE_PATH")
    path = Path(chosen).expanduser() if chosen else user_data_path(APP_NAME, appauthor=False)
    return os.path.abspath(path)


def earlier_instance_folders(current: str) -> list[Path]:
    """Folders where older releases kept the database (Flask's defaults), if one is there.

    Before the user data dir, the folder moved with the install mode: `./instance` in a
    checkout, `<venv>/var/webapp-instance` when installed. Naming them lets an operator
    point SRM_INSTANCE_PATH back at the data they made there.
    """
    candidates = [Path.cwd() / "instance", Path(sys.prefix) / "var" / "webapp-instance"]
    return [
        folder
        for folder in candidates
        if folder.resolve() != Path(current).resolve()
        and (folder / "srm-trainer.sqlite3").is_file()
    ]


def database_url(app: Flask) -> str:
    """The database URL: SRM_DATABASE_URL, then DATABASE_URL, then SQLite in the instance folder."""
    url = (
        app.config.get("SQLALCHEMY_DATABASE_URI")
        or app.config.get("DATABASE_URL")
        or os.environ.get("DATABASE_URL")
    )
    if not url:
        path = Path(app.instance_path) / "srm-trainer.sqlite3"
        url = f"sqlite:///{path}"
    # psycopg 3 is the driver we ship; accept the plain and Heroku-style spellings
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    return url


def secret_key(app: Flask) -> str:
    """SRM_SECRET_KEY if set; otherwise one generated once and kept in the instance folder.

    Kept on disk so every worker process signs cookies with the same key and sessions
    survive a restart.
    """
    key = app.config.get("SECRET_KEY")
    if key:
        return key
    path = Path(app.instance_path) / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker wrote it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    log.info("generated a secret key in %s", path)
    return key


def green() -> bool:
    """Whether gevent has patched this process (the worker of `srm-trainer serve`)."""
    import sys

    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey and monkey.is_module_patched("threading"))


def load_config(app: Flask, overrides: dict | None) -> None:
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("SRM")
    # from_prefixed_env strips the prefix (SRM_SECRET_KEY -> SECRET_KEY); the trainer's own
    # settings keep it in their names, so set those under their full name as well
    for name in os.environ:
        if name.startswith("SRM_") and name[4:] in app.config:
            app.config[name] = app.config[name[4:]]
    if overrides:
        app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app)
    app.config["SECRET_KEY"] = secret_key(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.setdefault("connect_args", {"timeout": 30})
        if green():
            # SQLite waits for a lock inside C, which blocks every greenlet of the worker:
            # one connection per worker makes its requests take turns at the pool instead
            options.setdefault("pool_size", 1)
            options.setdefault("max_overflow", 0)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    app.config.setdefault("SRM_RULES_FILE", None)
    if not app.config.get("SRM_RULES_FILE"):
        app.config["SRM_RULES_FILE"] = str(resource_dir("scenarios") / "rules" / "aws.yaml")
    if not app.config.get("SRM_SCENARIOS_DIR"):
        app.config["SRM_SCENARIOS_DIR"] = str(resource_dir("scenarios"))
