"""`srm-trainer lti send-scores`: deliver the scores waiting in the outbox now."""

from __future__ import annotations

import sys

import click

from .delivery import BATCH


def lti_group(main: click.Group) -> click.Group:
    """The `lti` command group, made here unless another module made it first."""
    group = main.commands.get("lti")
    if not isinstance(group, click.Group):
        group = click.Group("lti", help="LTI 1.3: learning platforms and grade passback.")
        main.add_command(group)
    return group


@click.command("send-scores")
@click.option("--once", is_flag=True, help="One batch only, instead of everything that is due now.")
@click.option(
    "--every",
    type=click.FloatRange(min=0.5),
    help="Keep sending: look at the outbox every SECONDS until stopped.",
)
def send_scores(once: bool, every: float | None) -> None:
    """Send the scores that are due to their platforms, and say how it went."""
    if every is not None:
        _keep_sending(every)
        return
    from ..cli import make_app
    from ..extensions import db
    from . import client_resolver
    from .client import new_http
    from .delivery import deliver_due
    from .outbox import pending_counts

    app = make_app()
    resolve = client_resolver(app)
    if resolve is None or not _platforms_registered(app):
        click.echo("error: no LTI platform is registered with this trainer", err=True)
        sys.exit(2)
    http = new_http()
    totals = {"sent": 0, "retried": 0, "failed": 0, "superseded": 0}
    with app.app_context():
        while True:
            done = deliver_due(db.session, resolve, http)
            for name in totals:
                totals[name] += len(getattr(done, name))
            if once or done.handled < BATCH:
                break
        counts = pending_counts(db.session)
    click.echo(", ".join(f"{name} {n}" for name, n in totals.items()))
    click.echo(
        f"outbox: {counts.get('pending', 0)} waiting, {counts.get('sent', 0)} sent, "
        f"{counts.get('failed', 0)} refused by the platform"
    )


def _keep_sending(every: float) -> None:
    """The loop `serve` runs beside gunicorn: deliver what is due, wait, again."""
    from ..cli import make_app
    from ..sidecar import keep_running
    from .sender import Sender

    keep_running(every, Sender(make_app(), every).run_once, "lti score sender")


def _platforms_registered(app) -> bool:
    """Whether any platform is registered (with none, no score can have a destination)."""
    from sqlalchemy import func, select

    from ..extensions import db
    from ..models import LtiPlatform

    with app.app_context():
        return bool(db.session.execute(select(func.count()).select_from(LtiPlatform)).scalar())


def register(main: click.Group) -> None:
    """Add `lti send-scores` to the srm-trainer command."""
    lti_group(main).add_command(send_scores)
