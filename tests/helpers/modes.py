"""Scenarios in assessment mode from the test side: a copy of the course with other settings,
and an attempt sent through the board's plain form."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import SCENARIOS
from tests.learn_helpers import filled_form

__all__ = ["COURSE_FILE", "EXAMS", "_scenario", "attempt", "exam_folder"]

COURSE_FILE = SCENARIOS / "s3-vpc-ec2-oracle.yaml"
# the assessment copies of the course the tests play, by id: their settings block
EXAMS = {
    "exam-after-last": "settings:\n  mode: assessment\n  max_attempts: 2\n  feedback: after-last\n",
    "exam-after-pass": "settings:\n  mode: assessment\n  feedback: after-pass\n  pass_score: 0.9\n",
    "exam-always": "settings:\n  mode: assessment\n  max_attempts: 2\n  feedback: always\n",
}


def _scenario(folder, slug, settings):
    text = COURSE_FILE.read_text(encoding="utf-8")
    text = text.replace("id: s3-vpc-ec2-oracle", f"id: {slug}")
    text = text.replace("settings:\n  mode: practice\n", settings)
    assert settings in text
    (folder / f"{slug}.yaml").write_text(text, encoding="utf-8")


def attempt(client, app, slug, wrong=0):
    return client.post(f"/scenarios/{slug}", data=filled_form(client, app, slug, wrong=wrong))


def exam_folder(folder: Path, *slugs: str, course: bool = False) -> Path:
    """A scenario folder holding the assessment copies named (see EXAMS), and the course
    itself too with ``course``."""
    if course:
        shutil.copy(COURSE_FILE, folder)
    for slug in slugs:
        _scenario(folder, slug, EXAMS[slug])
    return folder
