"""``GET /api/v1/reports/unexplained-loss/``: the report a farm publishes, over the API."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from tests import access
from tests.analysis.loss_farm import build_loss_farm

URL = "/api/v1/reports/unexplained-loss/"


@pytest.fixture
def farm(stages, user):
    """The loss farm, every site of it granted to the test's user."""
    access.grant(user, stations=["S01", "S02"], sea_areas=["Vestmanna", "Funningur"])
    return build_loss_farm(stages)


def test_rows_per_pen_and_per_site(api, farm):
    response = api.get(URL, {"batch": farm.first.id})
    assert response.status_code == 200, response.content
    body = response.json()
    pens = {
        row["container"]: (
            row["stocked"],
            row["mortality"],
            row["transferred_out"],
            row["harvested"],
            row["unexplained_fish"],
            row["unexplained_pct"],
        )
        for row in body["pens"]
    }
    assert pens == {
        "VM-01": (50_000, 1_500, 10_000, 37_900, 600, 1.2),
        "VM-02": (40_000, 800, 0, 38_700, 500, 1.25),
        "VM-03": (10_000, 200, 0, 9_850, -50, -0.5),
    }
    vm02 = body["pens"][1]
    assert vm02["harvested_from"] == "2025-04-02" and vm02["harvested_to"] == "2025-04-03"
    (site,) = body["sites"]
    assert (site["site"], site["site_kind"], site["batch"], site["pens"]) == (
        "Vestmanna",
        "sea_area",
        "FO-2024-01",
        3,
    )
    assert (site["stocked"], site["unexplained_fish"], site["unexplained_pct"]) == (
        90_000,
        1_050,
        1.17,
    )
    assert body["open_pens"] == 1  # FN-01, still at sea


def test_filter_by_site(api, farm):
    body = api.get(URL, {"site": "S02"}).json()
    assert [row["container"] for row in body["pens"]] == ["S02-B-01"]
    assert [(row["site_kind"], row["unexplained_fish"]) for row in body["sites"]] == [
        ("station", 20)
    ]


def test_unknown_batch_or_site_is_a_400(api, farm):
    assert api.get(URL, {"batch": 999_999}).status_code == 400
    response = api.get(URL, {"site": "Atlantis"})
    assert response.status_code == 400
    assert "Atlantis" in response.json()["site"][0]


def test_anonymous_is_refused(client, farm):
    assert client.get(URL).status_code in (401, 403)


def test_the_schema_declares_the_report(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"][URL]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"batch", "site"}
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    report = schema["components"]["schemas"][answer["$ref"].rsplit("/", 1)[1]]
    assert set(report["properties"]) == {"pens", "sites", "open_pens"}
    pen = schema["components"]["schemas"]["PenLoss"]["properties"]
    assert {
        "container",
        "site",
        "stocked",
        "mortality",
        "transferred_out",
        "harvested",
        "unexplained_fish",
        "unexplained_pct",
    } <= set(pen)
    assert pen["unexplained_pct"]["nullable"] is True
    site = schema["components"]["schemas"]["SiteLoss"]["properties"]
    assert {"pens", "open_pens", "unexplained_fish"} <= set(site)


def test_the_api_answers_what_the_command_prints(api, farm):
    out = io.StringIO()
    call_command("report", "unexplained-loss", "--batch", "FO-2024-02", "--json", stdout=out)
    assert api.get(URL, {"batch": farm.second.id}).json() == json.loads(out.getvalue())
