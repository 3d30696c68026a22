"""Closed sets are StrEnums equal to their stored strings; defaults and limits live once."""

from __future__ import annotations

import json
from dataclasses import replace

import yaml

from tests.conftest import RULES, SCENARIOS
from webapp.author import editor
from webapp.domain import (
    Feedback,
    Mode,
    Settings,
    Verdict,
    load_library,
    load_rules,
    to_document,
)
from webapp.domain.schema import DEFAULT_PASS_PERCENT, DEFAULT_SETTINGS, LIMITS


def test_enums_compare_equal_to_the_stored_strings():
    assert Mode.ASSESSMENT == "assessment"
    assert Feedback.AFTER_PASS == "after-pass"
    assert Verdict.UNANSWERED == "unanswered"
    assert json.dumps({"verdict": Verdict.CORRECT}) == '{"verdict": "correct"}'
    assert Settings("assessment", 3, "after-last", 0.5).assessment
    assert not Settings().assessment


def test_defaults_are_the_documented_ones():
    assert Settings("practice", None, "always", 0.8) == DEFAULT_SETTINGS
    percent = DEFAULT_PASS_PERCENT
    assert percent == 80


def test_editor_uses_the_domain_limits():
    assert editor.LIMITS is LIMITS


def test_documents_hold_plain_strings():
    rules = load_rules(RULES)
    scenario = next(iter(load_library(SCENARIOS, rules).scenarios.values()))
    assessed = replace(scenario, settings=Settings(Mode.ASSESSMENT, 2, Feedback.AFTER_PASS))
    doc = to_document(assessed)
    assert doc["settings"] == {"mode": "assessment", "max_attempts": 2, "feedback": "after-pass"}
    assert type(doc["settings"]["mode"]) is str
    assert yaml.safe_load(yaml.safe_dump(doc)) == doc
