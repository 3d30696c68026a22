"""The srm-trainer command: serve, scenarios, lint, grade, who, db upgrade."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .domain import (
    DEFAULT_PROVIDER,
    DomainError,
    GradingError,
    RuleSetError,
    UnknownProviderError,
    grade,
    lint,
    load_rules,
)
from .domain.comparison import load_comparisons
from .domain.grader import Verdict
from .resources import resource_dir

if TYPE_CHECKING:
    from .domain import Problem

# how `srm-trainer grade` marks each card
_MARKS = {Verdict.CORRECT: "ok  ", Verdict.INCORRECT: "XX  ", Verdict.UNANSWERED: "--  "}


def default_rules_path() -> str:
    return os.environ.get("SRM_RULES_FILE") or str(resource_dir("scenarios") / "rules" / "aws.yaml")


def load_rules_or_exit():
    """The rule set, or a one-line reason and exit status 2."""
    try:
        return load_rules(default_rules_path())
    except RuleSetError as exc:
        click.echo(f"error: the rule set is broken: {exc.summary()}", err=True)
        sys.exit(2)


def make_app(config: dict | None = None):
    """create_app, or a one-line reason and exit status 2 (the app refuses to start)."""
    from . import create_app

    try:
        return create_app(config)
    except RuleSetError as exc:
        click.echo(f"error: the rule set is broken: {exc.summary()}", err=True)
        sys.exit(2)


@click.group()
@click.version_option(package_name="srm-trainer")
def main() -> None:
    """Shared Responsibility Trainer: sort security tasks into AWS and Customer, and learn why."""


def _mention_earlier_folders(app) -> None:
    """Say so when an older release left a database elsewhere and nothing chose a folder."""
    from .config import earlier_instance_folders

    if os.environ.get("SRM_INSTANCE_PATH"):
        return
    for folder in earlier_instance_folders(app.instance_path):
        click.echo(
            f"note: an earlier database is in {folder}; this start does not use it. "
            f"To keep using it, set SRM_INSTANCE_PATH={folder} (or move its files "
            f"into {app.instance_path}).",
            err=True,
        )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (about one per CPU core).",
)
@click.option(
    "--worker-class",
    default="gevent",
    show_default=True,
    type=click.Choice(["gevent", "gthread"]),
    help="gevent: one greenlet per connection, slow clients hold no thread; "
    "gthread: a thread pool per worker, for use behind a buffering proxy.",
)
@click.option(
    "--connections",
    default=1000,
    show_default=True,
    type=click.IntRange(10, 10000),
    help="Open connections per gevent worker.",
)
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Threads per gthread worker (they overlap database waits).",
)
@click.option("--no-migrate", is_flag=True, help="Do not apply database migrations first.")
def serve(
    host: str,
    port: int,
    workers: int,
    worker_class: str,
    connections: int,
    threads: int,
    no_migrate: bool,
) -> None:
    """Run the trainer with gunicorn (migrates the database first)."""
    from . import database

    app = make_app()
    click.echo(f"Instance folder: {app.instance_path}")
    _mention_earlier_folders(app)
    _shared_rate_limits(app, workers)
    outcome = "not migrated (--no-migrate)" if no_migrate else database.upgrade(app)
    click.echo(f"Database: {database.display_url(app)} ({outcome})")
    for hook in app.extensions.get("srm_serve_hooks", []):
        hook(app, host, port)
    from .server import run_gunicorn

    click.echo(
        f"Shared Responsibility Trainer on http://{host}:{port}/ ({workers} {worker_class} workers)"
    )
    run_gunicorn(host, port, workers, threads, worker_class, connections)


def _shared_rate_limits(app, workers: int) -> None:
    """Never count rate limits per process behind several workers: say so, use the database."""
    from .ratelimits import DATABASE_STORE, is_per_process

    uri = app.config["RATELIMIT_STORAGE_URI"]
    if workers > 1 and app.config.get("RATELIMIT_ENABLED", True) and is_per_process(uri):
        click.echo(
            f"warning: RATELIMIT_STORAGE_URI={uri} would count rate limits in each of "
            f"the {workers} workers alone; counting them in the database instead "
            "(set a redis:// URI, or use --workers 1 to keep it)",
            err=True,
        )
        os.environ["SRM_RATELIMIT_STORAGE_URI"] = DATABASE_STORE  # the workers' own create_app


@main.command("scenarios")
def list_scenarios() -> None:
    """List the built-in scenarios."""
    from .domain import load_library

    rules = load_rules_or_exit()
    library = load_library(resource_dir("scenarios"), rules)
    for s in library.scenarios.values():
        variants = ",".join(s.variant_ids) or "-"
        click.echo(f"{s.id}\t{len(s.tasks)} tasks\tvariants: {variants}\t{s.title}")
    for problem in library.problems:
        click.echo(f"skipped: {problem}", err=True)


@main.command("lint")
@click.argument("paths", nargs=-1, type=click.Path())
def lint_command(paths: tuple[str, ...]) -> None:
    """Check scenario files against the schema and the rule set (file:line: message)."""
    rules = load_rules_or_exit()
    targets = list(paths) or [str(resource_dir("scenarios"))]
    scenarios, problems = lint(targets, rules)
    compared = 0
    for folder in (Path(t) / "comparisons" for t in targets):
        if folder.is_dir():  # a scenario folder's provider comparisons are checked with it
            found, more = load_comparisons(folder, rules)
            compared += len(found)
            problems.extend(more)
    from .services.practice.cards import lint_cards

    cards = [
        problem
        for provider_rules in rules.providers.values()  # every provider's card file
        for problem in lint_cards(provider_rules, list_uncovered=not paths)
    ]
    found_all: list[Problem | str] = [*problems, *cards]
    for problem in found_all:
        click.echo(str(problem))
    if found_all:
        click.echo(f"{len(found_all)} problem(s) in {len(targets)} path(s)", err=True)
        sys.exit(1)
    tasks = sum(len(s.tasks) for s in scenarios)
    also = f", {compared} comparison(s)" if compared else ""
    click.echo(
        f"ok: {len(scenarios)} scenario(s), {tasks} task(s){also}, every task graded by a rule",
        err=True,
    )


@main.command("grade")
@click.argument("scenario_id")
@click.argument("answers_file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--variant", default=None, help="Variant to grade under.")
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
def grade_command(scenario_id: str, answers_file: str, variant: str | None, as_json: bool) -> None:
    """Grade ANSWERS_FILE ({"task id": "aws"|"customer"|"shared"}) against a scenario."""
    from .domain import load_library

    rules = load_rules_or_exit()
    library = load_library(resource_dir("scenarios"), rules)
    scenario = library.get(scenario_id)
    if scenario is None:
        click.echo(f"error: no scenario '{scenario_id}'", err=True)
        sys.exit(1)
    try:
        with click.open_file(answers_file) as fh:
            text = fh.read()
        answers = json.loads(text)
    except (OSError, ValueError) as exc:
        click.echo(f"error: {answers_file}: not valid JSON: {exc}", err=True)
        sys.exit(1)
    if isinstance(answers, dict) and isinstance(answers.get("answers"), dict):
        variant = variant or answers.get("variant")
        answers = answers["answers"]
    if not isinstance(answers, dict):
        click.echo(f"error: {answers_file}: expected an object of task id to party", err=True)
        sys.exit(1)
    try:
        report = grade(scenario, variant, rules, answers)
    except GradingError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    click.echo(f"{scenario.title}" + (f" ({report.variant})" if report.variant else ""))
    for r in report.results:
        mark = _MARKS[r.verdict]
        click.echo(f"{mark}{r.task_id}: given {r.given or '-'}, expected {r.expected}")
    click.echo(f"score: {report.correct}/{report.total} ({report.score:.0%})")


@main.command("who")
@click.argument("area")
@click.argument("service")
@click.option(
    "--provider",
    default=DEFAULT_PROVIDER,
    show_default=True,
    help="Whose rule set answers (see the providers in scenarios/rules/).",
)
def who_command(area: str, service: str, provider: str) -> None:
    """Who owns AREA on SERVICE, why, and the source."""
    try:
        rules = load_rules_or_exit().for_provider(provider)
    except UnknownProviderError as exc:
        click.echo(f"error: {exc.summary()}", err=True)
        sys.exit(1)
    problems = rules.unknown_ids(area, service)
    if problems:
        for p in problems:
            click.echo(f"error: {p}", err=True)
        sys.exit(1)
    rule = rules.lookup(area, service)
    if rule is None:
        click.echo(f"error: no rule decides who owns '{area}' on '{service}'", err=True)
        sys.exit(1)
    click.echo(rule.party)
    if rule.control:
        click.echo(f"control: {rule.control}")
    click.echo(rule.explanation)
    click.echo(f"source: {rule.source}")


@main.group("db")
def db_group() -> None:
    """Database commands."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations."""
    from . import database

    app = make_app()
    _mention_earlier_folders(app)
    outcome = database.upgrade(app)
    click.echo(f"database {outcome}: {database.display_url(app)}")


@db_group.command("checkpoint")
@click.option(
    "--every",
    type=click.FloatRange(min=0.1),
    help="Keep checkpointing every SECONDS until stopped (what `serve` runs on SQLite).",
)
def db_checkpoint(every: float | None) -> None:
    """Copy SQLite's write-ahead log into the database file (nothing to do on PostgreSQL)."""
    from . import database

    app = make_app()
    if not database.is_sqlite(app):
        click.echo("nothing to do: the database is not SQLite")
        return
    if every is not None:
        from .sidecar import keep_running

        keep_running(every, lambda: database.checkpoint(app), "sqlite checkpointer")
        return
    busy, frames, copied = database.checkpoint(app)
    state = "busy: readers hold older frames" if busy or copied < frames else "done"
    click.echo(f"checkpoint {state}: {copied} of {frames} log frames copied")


def _register_plugins() -> None:
    """Commands contributed by other modules (users, export, import, lti)."""
    import importlib

    for name in (
        "webapp.author.cli",
        "webapp.auth.cli",
        "webapp.lti.cli",
        "webapp.lti_services.cli",
    ):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        module.register(main)


_register_plugins()

if __name__ == "__main__":  # pragma: no cover
    main()

__all__ = ["main", "DomainError", "Path"]
