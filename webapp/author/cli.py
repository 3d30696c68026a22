"""srm-trainer export / import: scenario files on the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("export")
@click.argument("scenario_id")
def export_command(scenario_id: str) -> None:
    """Print a scenario (built-in or authored) as YAML in the scenario file format."""
    from ..auth.cli import database_session
    from ..services.authoring import source_document
    from ..services.scenario_yaml import dump_yaml

    with database_session() as session:
        try:
            doc, _ = source_document(session, scenario_id)
        except LookupError:
            click.echo(f"error: no scenario '{scenario_id}'", err=True)
            sys.exit(1)
    click.echo(dump_yaml(doc), nl=False)


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--owner", metavar="EMAIL", help="The instructor who will own new scenarios.")
@click.option("--publish", is_flag=True, help="Publish them at once (learners see them).")
def import_command(files: tuple[str, ...], owner: str | None, publish: bool) -> None:
    """Import scenario files: every file must pass the check, or nothing is imported."""
    from ..auth.cli import database_session
    from ..domain import ScenarioError
    from ..services import accounts
    from ..services.content import rules
    from ..services.scenario_yaml import Upload, import_files

    uploads = []
    for name in files:
        try:
            uploads.append(Upload(name, Path(name).read_bytes()))
        except OSError as exc:
            click.echo(f"{name}: cannot read: {exc.strerror}", err=True)
            sys.exit(1)
    with database_session() as session:
        user = None
        if owner:
            user = accounts.find_user(session, owner)
            if user is None:
                click.echo(f"error: no account '{owner}'", err=True)
                sys.exit(1)
        try:
            records = import_files(session, uploads, user, rules(), publish=publish)
        except ScenarioError as exc:
            session.rollback()
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.echo(f"{len(exc.problems)} problem(s): nothing was imported", err=True)
            sys.exit(1)
        session.commit()
        for record in records:
            click.echo(f"imported {record.slug} ({record.status})")


def register(main: click.Group) -> None:
    """Add `export` and `import` to the srm-trainer command."""
    main.add_command(export_command)
    main.add_command(import_command)
