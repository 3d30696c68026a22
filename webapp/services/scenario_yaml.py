"""Scenario files: export any scenario as YAML, import one or several files all-or-nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy.orm import Session

from ..domain import Problem, RuleSet, Scenario, ScenarioError, parse_scenario, to_document
from ..models import ScenarioRecord, User
from . import authoring

MAX_FILES = 50


class _Dumper(yaml.SafeDumper):
    """Block style like the shipped files; multi-line text as literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):  # noqa: ARG002 (named by PyYAML)
        return super().increase_indent(flow, False)  # "  - id: ..." as the files are written


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(doc: dict[str, Any]) -> str:
    """A scenario document as YAML in the shape of scenarios/*.yaml (keys in file order)."""
    return yaml.dump(
        doc,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1000,
    )


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its name and its bytes."""

    name: str
    data: bytes


def import_files(
    session: Session,
    uploads: list[Upload],
    owner: User | None,
    rules: RuleSet,
    *,
    publish: bool = False,
) -> list[ScenarioRecord]:
    """Import scenario files: every file must validate or nothing is stored.

    Raises ScenarioError listing every problem as file:line. A new id becomes a draft owned
    by `owner`; an id the owner already has replaces that scenario's working copy. Built-in
    ids and other people's ids are refused.
    """
    problems: list[Problem] = []
    if not uploads:
        raise ScenarioError([Problem("choose at least one .yaml file")])
    if len(uploads) > MAX_FILES:
        raise ScenarioError([Problem(f"at most {MAX_FILES} files at once")])
    parsed = []
    seen: dict[str, str] = {}
    for upload in uploads:
        scenario = _read_upload(upload, rules, problems)
        if scenario is None:
            continue
        if scenario.id in seen:
            also = f"scenario id '{scenario.id}' is also in {seen[scenario.id]}"
            problems.append(Problem(also, upload.name, 1))
            continue
        seen[scenario.id] = upload.name
        record = authoring.get_record(session, scenario.id)
        refusal = _refusal(scenario.id, record, owner)
        if refusal:
            problems.append(Problem(refusal, upload.name, 1))
            continue
        parsed.append((scenario, record))
    if problems:
        raise ScenarioError(problems)
    records = [_store(session, sc, record, owner, rules, publish) for sc, record in parsed]
    session.flush()
    return records


def _read_upload(upload: Upload, rules: RuleSet, problems: list[Problem]) -> Scenario | None:
    """The scenario in an uploaded file, or None with its problems added."""
    try:
        text = upload.data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem("not UTF-8 text", upload.name, None))
        return None
    try:
        return parse_scenario(text, rules, upload.name)
    except ScenarioError as exc:
        problems.extend(exc.problems)
        return None


def _refusal(sid: str, record: ScenarioRecord | None, owner: User | None) -> str | None:
    """Why a scenario id cannot be imported (None: it can): it is a built-in or someone
    else's. Without an owner (the command line, run by the operator) any authored id may be
    updated."""
    if sid in authoring.builtin_ids():
        return f"'{sid}' is a built-in scenario; give the copy another id"
    if record is not None and (
        record.origin != "authored" or (owner is not None and not authoring.can_edit(owner, record))
    ):
        return f"the id '{sid}' belongs to another scenario; choose another id"
    return None


def _store(
    session: Session,
    scenario: Scenario,
    record: ScenarioRecord | None,
    owner: User | None,
    rules: RuleSet,
    publish: bool,
) -> ScenarioRecord:
    """A checked scenario as a new draft or the working copy of its record, published if asked."""
    doc = to_document(scenario)
    if record is None:
        record = authoring.create_scenario(session, owner, scenario.id, scenario.title, doc)
    else:
        authoring.save_draft(session, record, doc, rules)
    if publish:
        authoring.publish(session, record, rules)
    return record
