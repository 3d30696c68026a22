"""One instance folder, whatever the install mode: the user data dir unless told otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from webapp.cli import main

# what an installed wheel holds: the package with templates, static and scenarios inside it
WHEEL_LAYOUT = {
    "webapp": "webapp",
    "templates": "webapp/templates",
    "static": "webapp/static",
    "scenarios": "webapp/scenarios",
}

PRINT_INSTANCE = (
    "import webapp, sys; from webapp import create_app; "
    "app = create_app({'SECRET_KEY': 'x'}); "
    "print(webapp.__file__); print(app.instance_path); print(app.config['SQLALCHEMY_DATABASE_URI'])"
)


def _installed_copy(target: Path) -> Path:
    """The package laid out as `pip install .` lays it out, in a site folder of its own."""
    site = target / "site-packages"
    for source, dest in WHEEL_LAYOUT.items():
        shutil.copytree(
            ROOT / source, site / dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    return site


def _resolve(python_path: Path, cwd: Path, data_home: Path, **extra: str) -> list[str]:
    """What a fresh interpreter importing the package from python_path reports."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SRM_INSTANCE_PATH", "SRM_DATABASE_URL", "DATABASE_URL", "PYTHONPATH")
    }
    env.update(PYTHONPATH=str(python_path), XDG_DATA_HOME=str(data_home), **extra)
    out = subprocess.run(
        [sys.executable, "-c", PRINT_INSTANCE],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG data dir is Linux's")
def test_an_installed_and_an_editable_package_use_the_same_instance_folder(tmp_path):
    site = _installed_copy(tmp_path)
    data_home = tmp_path / "data"
    elsewhere = tmp_path / "somewhere"
    elsewhere.mkdir()
    installed = _resolve(site, elsewhere, data_home)
    checkout = _resolve(ROOT, ROOT, data_home)
    # two different copies of the package were imported ...
    assert Path(installed[0]).is_relative_to(site)
    assert Path(checkout[0]).is_relative_to(ROOT / "webapp")
    # ... and both chose one folder, in the user data dir, with the database in it
    expected = data_home / "srm-trainer"
    assert installed[1] == checkout[1] == str(expected)
    assert installed[2] == checkout[2] == f"sqlite:///{expected / 'srm-trainer.sqlite3'}"
    assert not (site / "var").exists()
    assert expected.is_dir()


def test_srm_instance_path_wins_over_the_user_data_dir(tmp_path):
    site = _installed_copy(tmp_path)
    chosen = tmp_path / "my-instance"
    lines = _resolve(site, tmp_path, tmp_path / "data", SRM_INSTANCE_PATH=str(chosen))
    assert lines[1] == str(chosen)
    assert chosen.is_dir()
    assert not (tmp_path / "data" / "srm-trainer").exists()


def test_an_explicit_instance_path_wins_over_the_environment(tmp_path, monkeypatch):
    from webapp import create_app

    monkeypatch.setenv("SRM_INSTANCE_PATH", str(tmp_path / "from-env"))
    app = create_app({"INSTANCE_PATH": str(tmp_path / "given"), "SECRET_KEY": "x"})
    assert app.instance_path == str(tmp_path / "given")
    monkeypatch.setenv("SRM_INSTANCE_PATH", "~/relative-to-home")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert create_app({"SECRET_KEY": "x"}).instance_path == str(tmp_path / "relative-to-home")


def _head() -> str:
    from alembic.script import ScriptDirectory

    from webapp import database

    return ScriptDirectory.from_config(database.alembic_config()).get_current_head()


def test_db_upgrade_says_created_then_up_to_date(tmp_path, monkeypatch):
    monkeypatch.setenv("SRM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SRM_DATABASE_URL", raising=False)
    cli = CliRunner()
    first = cli.invoke(main, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert f"database created and migrated to {_head()}" in first.output
    assert str(tmp_path / "srm-trainer.sqlite3") in first.output
    again = cli.invoke(main, ["db", "upgrade"])
    assert "database up to date" in again.output
    assert "migrated" not in again.output


def test_db_upgrade_from_an_older_schema_names_both_revisions(tmp_path):
    from webapp import create_app, database
    from webapp.extensions import db

    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    try:
        assert database.upgrade(app, "0002") == "created and migrated to 0002"
        assert database.upgrade(app) == f"migrated from 0002 to {_head()}"
        assert database.upgrade(app) == "up to date"
    finally:  # close its connections now, not whenever the collector finds them
        with app.app_context():
            db.engine.dispose()


def test_the_database_url_is_shown_without_its_password(tmp_path):
    from webapp import create_app, database

    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "postgresql://trainer:s3cret@db.internal/srm",
        }
    )
    shown = database.display_url(app)
    assert "s3cret" not in shown
    assert shown == "postgresql+psycopg://trainer:***@db.internal/srm"


def test_a_database_left_in_an_older_default_folder_is_mentioned(tmp_path, monkeypatch):
    old = tmp_path / "instance"
    old.mkdir()
    (old / "srm-trainer.sqlite3").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SRM_INSTANCE_PATH")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SRM_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"an earlier database is in {old}" in result.output
    assert f"SRM_INSTANCE_PATH={old}" in result.output
    assert (tmp_path / "data" / "srm-trainer" / "srm-trainer.sqlite3").is_file()
    monkeypatch.setenv("SRM_INSTANCE_PATH", str(old))  # chosen: no note
    assert "earlier database" not in CliRunner().invoke(main, ["db", "upgrade"]).output
