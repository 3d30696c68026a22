"""Scenarios in assessment mode from the test side: a copy of the course with other settings,
and an attempt sent through the board's plain form."""

from __future__ import annotations

from tests.conftest import SCENARIOS
from tests.learn_helpers import filled_form

__all__ = ["COURSE_FILE", "_scenario", "attempt"]

COURSE_FILE = SCENARIOS / "s3-vpc-ec2-oracle.yaml"


def _scenario(folder, slug, settings):
    text = COURSE_FILE.read_text(encoding="utf-8")
    text = text.replace("id: s3-vpc-ec2-oracle", f"id: {slug}")
    text = text.replace("settings:\n  mode: practice\n", settings)
    assert settings in text
    (folder / f"{slug}.yaml").write_text(text, encoding="utf-8")


def attempt(client, app, slug, wrong=0):
    return client.post(f"/scenarios/{slug}", data=filled_form(client, app, slug, wrong=wrong))
