"""YAML export and import, in the browser and on the command line: all-or-nothing, round trip."""

from __future__ import annotations

import copy
import io

import yaml
from sqlalchemy import select

from tests.author_helpers import THREE_PART, create_scenario, save, signed_in
from tests.conftest import ROOT, count_rows, make_user
from webapp.cli import main
from webapp.domain import load_rules, parse_scenario
from webapp.extensions import db
from webapp.models import ScenarioRecord


def _upload(client, auth, files):
    data = {
        "csrf_token": auth.csrf("/author/"),
        "files": [(io.BytesIO(body.encode()), name) for name, body in files],
    }
    return client.post("/author/import", data=data, content_type="multipart/form-data")


def _shop_yaml(slug="shop-two", **changes) -> str:
    doc = {"id": slug, **copy.deepcopy(THREE_PART), **changes}
    return yaml.safe_dump(doc, sort_keys=False)


def test_export_builtin_is_the_file_format(app):
    client, _ = signed_in(app)
    response = client.get("/author/scenarios/s3-vpc-ec2-oracle/export.yaml")
    assert response.status_code == 200
    assert 'filename="s3-vpc-ec2-oracle.yaml"' in response.headers["Content-Disposition"]
    rules = load_rules(ROOT / "scenarios" / "rules" / "aws.yaml")
    exported = parse_scenario(response.get_data(as_text=True), rules, "export.yaml")
    shipped = parse_scenario(
        (ROOT / "scenarios" / "s3-vpc-ec2-oracle.yaml").read_text(), rules, "file.yaml"
    )
    assert exported == shipped
    assert response.get_data(as_text=True).startswith("id: s3-vpc-ec2-oracle\ntitle:")


def test_export_then_import_round_trips(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth, slug="shop")
    save(client, auth, slug, THREE_PART)
    exported = client.get(f"/author/scenarios/{slug}/export.yaml").get_data(as_text=True)
    renamed = exported.replace("id: shop\n", "id: shop-again\n", 1)
    response = _upload(client, auth, [("shop-again.yaml", renamed)])
    assert response.status_code == 302
    again = client.get("/author/scenarios/shop-again/export.yaml").get_data(as_text=True)
    assert again == renamed
    # importing the same file over your own scenario keeps it identical too
    assert _upload(client, auth, [("shop.yaml", exported)]).status_code == 302
    assert client.get(f"/author/scenarios/{slug}/export.yaml").get_data(as_text=True) == exported


def test_import_several_files(app):
    client, auth = signed_in(app)
    response = _upload(
        client, auth, [("a.yaml", _shop_yaml("shop-a")), ("b.yaml", _shop_yaml("shop-b"))]
    )
    assert response.status_code == 302
    with app.app_context():
        records = db.session.execute(select(ScenarioRecord)).scalars().all()
        assert sorted(r.slug for r in records) == ["shop-a", "shop-b"]
        assert {r.status for r in records} == {"draft"}


def test_import_is_all_or_nothing_with_file_and_line(app):
    client, auth = signed_in(app)
    bad = _shop_yaml("shop-bad").replace("area: iam-access", "area: no-such-area")
    response = _upload(
        client,
        auth,
        [
            ("good.yaml", _shop_yaml("shop-good")),
            ("bad.yaml", bad),
            ("broken.yaml", "id: [unclosed\n"),
        ],
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was imported" in html
    line = bad.splitlines().index("  area: no-such-area") + 1
    assert (
        f"bad.yaml:{line}: task &#39;photo-access&#39;: unknown area &#39;no-such-area&#39;" in html
    )
    assert "broken.yaml:" in html
    assert "invalid YAML" in html
    assert count_rows(app, ScenarioRecord) == 0


def test_import_refuses_builtin_ids_and_other_peoples_ids(app):
    owner, owner_auth = signed_in(app, "owner@example.org")
    create_scenario(owner, owner_auth, slug="taken")
    client, auth = signed_in(app, "other@example.org")
    builtin = (ROOT / "scenarios" / "ec2-web-server.yaml").read_text()
    response = _upload(
        client, auth, [("ec2-web-server.yaml", builtin), ("taken.yaml", _shop_yaml("taken"))]
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "ec2-web-server.yaml:1: &#39;ec2-web-server&#39; is a built-in scenario" in html
    assert "taken.yaml:1: the id &#39;taken&#39; belongs to another scenario" in html
    assert count_rows(app, ScenarioRecord) == 1


def test_import_refuses_duplicate_ids_and_empty_uploads(app):
    client, auth = signed_in(app)
    response = _upload(
        client, auth, [("a.yaml", _shop_yaml("same")), ("b.yaml", _shop_yaml("same"))]
    )
    assert response.status_code == 400
    assert "scenario id &#39;same&#39; is also in a.yaml" in response.get_data(as_text=True)
    response = _upload(client, auth, [])
    assert response.status_code == 400
    assert "choose at least one .yaml file" in response.get_data(as_text=True)
    response = _upload(client, auth, [("x.yaml", "\xff")])
    assert response.status_code == 400
    assert count_rows(app, ScenarioRecord) == 0


def test_cli_export_and_import_round_trip(app, runner, tmp_path):
    result = runner.invoke(main, ["export", "s3-vpc-ec2-oracle"])
    assert result.exit_code == 0, result.output
    copy_text = result.output.replace("id: s3-vpc-ec2-oracle\n", "id: oracle-copy\n", 1)
    path = tmp_path / "oracle-copy.yaml"
    path.write_text(copy_text)
    result = runner.invoke(main, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported oracle-copy (draft)" in result.output
    again = runner.invoke(main, ["export", "oracle-copy"])
    assert again.output == copy_text


def test_cli_import_publish_and_owner(app, runner, tmp_path):
    make_user(app, "prof@example.org")
    path = tmp_path / "shop.yaml"
    path.write_text(_shop_yaml("shop-cli"))
    result = runner.invoke(main, ["import", "--publish", "--owner", "prof@example.org", str(path)])
    assert result.exit_code == 0, result.output
    assert app.test_client().get("/api/v1/scenarios/shop-cli").status_code == 200


def test_cli_import_errors_change_nothing(app, runner, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(_shop_yaml("good-one"))
    bad = tmp_path / "bad.yaml"
    bad.write_text(_shop_yaml("bad-one").replace("service: s3", "service: floppy"))
    result = runner.invoke(main, ["import", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:" in result.output
    assert "unknown service 'floppy'" in result.output
    assert "nothing was imported" in result.output
    assert count_rows(app, ScenarioRecord) == 0


def test_cli_export_unknown_id(app, runner):
    result = runner.invoke(main, ["export", "nope"])
    assert result.exit_code == 1
    assert "no scenario 'nope'" in result.output
