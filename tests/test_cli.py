"""The srm-trainer command line."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import RULES, SCENARIOS
from webapp.cli import main


@pytest.fixture
def cli():
    return CliRunner()


def test_scenarios_lists_the_library(cli):
    result = cli.invoke(main, ["scenarios"])
    assert result.exit_code == 0
    assert "s3-vpc-ec2-oracle" in result.output
    assert "oracle-on-ec2,oracle-on-rds" in result.output
    assert len(result.output.strip().splitlines()) >= 10


def test_lint_passes_on_the_shipped_scenarios(cli):
    result = cli.invoke(main, ["lint", str(SCENARIOS)])
    assert result.exit_code == 0, result.output
    assert "every task graded by a rule" in result.output


def test_lint_reports_file_line_problems_and_exits_1(cli, tmp_path):
    bad = tmp_path / "s3-vpc-ec2-oracle.yaml"
    text = (SCENARIOS / "s3-vpc-ec2-oracle.yaml").read_text()
    text = text.replace("{db: rds}", "{db: mainframe}", 1)
    bad.write_text(text)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "mainframe" in s)
    result = cli.invoke(main, ["lint", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:{line}: variant 'oracle-on-rds': unknown service 'mainframe'" in result.output


def test_lint_of_a_missing_file(cli, tmp_path):
    result = cli.invoke(main, ["lint", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "no such file" in result.output


def test_grade_prints_each_task_and_the_score(cli, tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"patch-oracle": "aws", "patch-web-os": "customer"}))
    result = cli.invoke(
        main, ["grade", "s3-vpc-ec2-oracle", str(answers), "--variant", "oracle-on-rds"]
    )
    assert result.exit_code == 0, result.output
    assert "ok  patch-oracle: given aws, expected aws" in result.output
    assert "ok  patch-web-os: given customer, expected customer" in result.output
    assert "score: 2/" in result.output
    on_ec2 = cli.invoke(
        main, ["grade", "s3-vpc-ec2-oracle", str(answers), "--variant", "oracle-on-ec2", "--json"]
    )
    report = json.loads(on_ec2.output)
    verdict = {r["task_id"]: r["verdict"] for r in report["results"]}
    assert verdict["patch-oracle"] == "incorrect"


def test_grade_rejects_bad_answers(cli, tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"nope": "aws"}))
    result = cli.invoke(main, ["grade", "s3-vpc-ec2-oracle", str(answers)])
    assert result.exit_code == 1
    assert "unknown task id 'nope'" in result.output
    answers.write_text("{broken")
    assert cli.invoke(main, ["grade", "s3-vpc-ec2-oracle", str(answers)]).exit_code == 1
    assert cli.invoke(main, ["grade", "no-such", str(answers)]).exit_code == 1


def test_who(cli):
    result = cli.invoke(main, ["who", "db-engine-patching", "rds"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "aws"
    assert "source: https://" in result.output
    assert cli.invoke(main, ["who", "db-engine-patching", "ec2"]).output.startswith("customer")


def test_who_without_a_rule_says_so(cli):
    result = cli.invoke(main, ["who", "k8s-control-plane", "ec2"])
    assert result.exit_code == 1
    assert "no rule" in result.output
    assert "unknown area" in cli.invoke(main, ["who", "nope", "ec2"]).output


def test_a_broken_rule_set_stops_the_cli_with_one_line(cli, tmp_path, monkeypatch):
    broken = tmp_path / "aws.yaml"
    broken.write_text(RULES.read_text().replace("party: customer", "party: nobody", 1))
    monkeypatch.setenv("SRM_RULES_FILE", str(broken))
    result = cli.invoke(main, ["lint"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: the rule set is broken:")
    assert str(broken) in lines[0]
    assert "unknown party 'nobody'" in lines[0]


def test_the_app_refuses_to_start_with_a_broken_rule_set(tmp_path):
    from webapp import create_app
    from webapp.domain import RuleSetError

    broken = tmp_path / "aws.yaml"
    broken.write_text(RULES.read_text().replace("area: hardware", "area: hardwares", 1))
    with pytest.raises(RuleSetError, match="unknown area 'hardwares'"):
        create_app(
            {
                "SRM_RULES_FILE": str(broken),
                "INSTANCE_PATH": str(tmp_path),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
            }
        )


def test_a_broken_scenario_file_does_not_take_down_the_app(tmp_path, caplog):
    from webapp import create_app
    from webapp.services.content import content

    folder = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, folder)
    (folder / "zz-broken.yaml").write_text("id: zz-broken\ntitle: [\n")
    app = create_app(
        {
            "SRM_SCENARIOS_DIR": str(folder),
            "INSTANCE_PATH": str(tmp_path),
            "SRM_RULES_FILE": str(RULES),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
        }
    )
    with app.app_context():
        assert "s3-vpc-ec2-oracle" in content().library.scenarios
    assert any("zz-broken.yaml" in r.getMessage() for r in caplog.records)


def test_db_upgrade_creates_the_schema(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("SRM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SRM_DATABASE_URL", raising=False)
    result = cli.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    import sqlite3

    tables = {
        r[0]
        for r in sqlite3.connect(tmp_path / "srm-trainer.sqlite3").execute(
            "select name from sqlite_master where type='table'"
        )
    }
    assert {
        "attempts",
        "attempt_answers",
        "scenarios",
        "scenario_versions",
        "users",
        "alembic_version",
    } <= tables


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _checkpointers(instance: Path) -> list[int]:
    """Processes running `srm-trainer db checkpoint` for this instance folder."""
    found = []
    for proc_dir in Path("/proc").glob("[0-9]*"):
        try:
            command = (proc_dir / "cmdline").read_bytes().split(b"\0")
            environ = (proc_dir / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"checkpoint" in command and f"SRM_INSTANCE_PATH={instance}".encode() in environ:
            found.append(int(proc_dir.name))
    return found


def test_serve_migrates_and_answers_with_gunicorn(tmp_path):
    """The README's first command: serve on the embedded SQLite default, nothing else."""
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "SRM_DATABASE_URL", "TEST_DATABASE_URL")
        and k != "SRM_SQLITE_CHECKPOINTER"  # as on a fresh machine: on
    }
    env["SRM_INSTANCE_PATH"] = str(tmp_path / "instance")
    exe = Path(sys.executable).with_name("srm-trainer")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "webapp.cli"]
    proc = subprocess.Popen(
        [*command, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        body = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/v1/scenarios", timeout=2
                ) as response:
                    body = json.load(response)
                    break
            except OSError:
                time.sleep(0.2)
        assert body is not None, "the server did not answer"
        assert any(s["id"] == "s3-vpc-ec2-oracle" for s in body["scenarios"])
        assert (tmp_path / "instance" / "srm-trainer.sqlite3").exists()
        assert _checkpointers(tmp_path / "instance"), "no SQLite checkpointer beside the server"
    finally:
        proc.terminate()
        output = proc.communicate(timeout=15)[0]
    deadline = time.monotonic() + 10
    while _checkpointers(tmp_path / "instance") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _checkpointers(tmp_path / "instance"), "the checkpointer outlived serve"
    assert "gunicorn" in output.lower() or "Booting worker" in output
    # the first start says where its data lives and that it made the database
    assert f"Instance folder: {tmp_path / 'instance'}" in output
    db_file = tmp_path / "instance" / "srm-trainer.sqlite3"
    assert f"Database: sqlite:///{db_file} (created and migrated to " in output


def test_srm_environment_variables_reach_the_settings(tmp_path, monkeypatch):
    from webapp import create_app

    monkeypatch.setenv("SRM_LOGIN_LIMIT_ACCOUNT", "2 per minute")
    monkeypatch.setenv("SRM_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("SRM_DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SRM_LOGIN_LIMIT_ACCOUNT"] == "2 per minute"
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/env.db"


def test_secret_key_is_generated_once_and_shared(tmp_path, monkeypatch):
    from webapp import create_app

    monkeypatch.delenv("SRM_SECRET_KEY", raising=False)
    first = create_app(
        {"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/k.db"}
    )
    second = create_app(
        {"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/k.db"}
    )
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_postgres_urls_use_psycopg(tmp_path):
    from webapp import create_app

    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "x",
            "DATABASE_URL": "postgres://u@localhost/db",
        }
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@localhost/db"


def test_behind_a_proxy_the_forwarded_address_and_scheme_are_used(tmp_path):
    from flask import request

    from webapp import create_app

    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "x",
            "SRM_PROXIES": 1,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db",
        }
    )

    @app.get("/whoami-test")
    def whoami():
        return {"addr": request.remote_addr, "secure": request.is_secure}

    body = (
        app.test_client()
        .get(
            "/whoami-test", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
        )
        .get_json()
    )
    assert body == {"addr": "203.0.113.9", "secure": True}


def test_serve_never_counts_rate_limits_per_worker(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from webapp import server
    from webapp.cli import main

    monkeypatch.setenv("SRM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SRM_DATABASE_URL", f"sqlite:///{tmp_path}/serve.db")
    monkeypatch.setenv("SRM_RATELIMIT_STORAGE_URI", "memory://")
    started = []
    monkeypatch.setattr(server, "run_gunicorn", lambda *args: started.append(args))
    result = CliRunner().invoke(main, ["serve", "--workers", "3"])
    assert result.exit_code == 0, result.output
    assert "would count rate limits in each of the 3 workers alone" in result.output
    assert started
    assert os.environ["SRM_RATELIMIT_STORAGE_URI"] == "database://"  # what the workers read
    # one worker may keep memory://, and is not warned
    monkeypatch.setenv("SRM_RATELIMIT_STORAGE_URI", "memory://")
    result = CliRunner().invoke(main, ["serve", "--workers", "1"])
    assert "would count" not in result.output
    assert os.environ["SRM_RATELIMIT_STORAGE_URI"] == "memory://"
