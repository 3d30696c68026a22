"""srm-trainer lti ...: register learning platforms from the shell."""

from __future__ import annotations

import sys

import click

from ..auth.cli import database_session


@click.group("lti")
def lti_group() -> None:
    """LTI 1.3 platforms (LMSs) that may launch the trainer."""


@lti_group.command("add-platform")
@click.option("--issuer", required=True, help="The platform's issuer (iss), e.g. its URL.")
@click.option("--client-id", required=True, help="The client id the platform gave the tool.")
@click.option("--deployment-id", required=True, help="The deployment id on the platform.")
@click.option("--auth-login-url", required=True, help="The platform's OIDC auth endpoint.")
@click.option("--auth-token-url", required=True, help="The platform's OAuth2 token endpoint.")
@click.option("--keyset-url", required=True, help="The platform's public keys (JWKS URL).")
@click.option(
    "--frame-origin",
    multiple=True,
    help="Another origin that frames the tool (Canvas: the school's own domain).",
)
def add_platform_command(
    issuer: str,
    client_id: str,
    deployment_id: str,
    auth_login_url: str,
    auth_token_url: str,
    keyset_url: str,
    frame_origin: tuple[str, ...],
) -> None:
    """Register a platform, or a further deployment of one registered already."""
    from .registry import Registration, RegistrationError, add_platform

    reg = Registration(
        issuer,
        client_id,
        deployment_id,
        auth_login_url,
        auth_token_url,
        keyset_url,
        " ".join(frame_origin),
    )
    with database_session() as session:
        try:
            platform, new = add_platform(session, reg)
        except RegistrationError as exc:
            click.echo(f"error: --{exc.field.replace('_', '-')}: {exc}", err=True)
            sys.exit(1)
        session.commit()
        done = "registered" if new else "updated"
        click.echo(f"{done} platform {platform.id}: {platform.issuer} ({platform.client_id})")


@lti_group.command("list")
def list_command() -> None:
    """List the platforms: id, issuer, client id, deployments."""
    from .registry import list_platforms

    with database_session() as session:
        for p in list_platforms(session):
            deployments = ",".join(d.deployment_id for d in p.deployments)
            click.echo(f"{p.id}\t{p.issuer}\t{p.client_id}\t{deployments}")


@lti_group.command("remove")
@click.argument("platform_id", type=int)
def remove_command(platform_id: int) -> None:
    """Remove a platform, with its deployments, launched identities and links."""
    from .registry import remove_platform

    with database_session() as session:
        platform = remove_platform(session, platform_id)
        if platform is None:
            click.echo(f"error: no platform {platform_id}", err=True)
            sys.exit(1)
        session.commit()
        click.echo(f"removed platform {platform_id}: {platform.issuer}")


def register(main: click.Group) -> None:
    main.add_command(lti_group)
