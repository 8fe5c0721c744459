"""The Growth Analysis page in headless Chromium against a live server."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from django.db import connections

from aquagrowth.engine.models import DailyState
from aquagrowth.farm import models as m
from aquagrowth.farm.signals import bulk_load
from tests import farm_builder
from tests.analysis.conftest import START, build_batch

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


@pytest.fixture
def browser(monkeypatch):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM must still work.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # Inside Playwright's context the ORM opened connections of its own; left open,
        # they would keep PostgreSQL from dropping the test database.
        connections.close_all()


@pytest.fixture
def page(browser, live_server, user):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(f"{live_server.url}/accounts/login/")
    tab.fill("#id_username", "biologist")
    tab.fill("#id_password", "salmon-pass")
    tab.click("button[type=submit]")
    tab.wait_for_url(f"{live_server.url}/")
    yield tab
    assert errors == []
    context.close()


def wait_ready(tab):
    tab.wait_for_selector('#growth-app[data-ready="1"]', timeout=15_000)


def dataset_lengths(tab) -> dict[str, int]:
    return tab.evaluate(
        "Object.fromEntries(window.growthChart.data.datasets.map(d => [d.kind, d.data.length]))"
    )


def test_growth_page(transactional_db, page, live_server, growth_batch, api):
    expected = api.get(f"/api/v1/batches/{growth_batch.id}/growth/").json()
    page.goto(f"{live_server.url}/")
    assert page.locator(f"text={growth_batch.number}").count() == 1  # on the batch list
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "batch-list.png"))
    page.click(f"a[href='/batches/{growth_batch.id}/growth/']")
    wait_ready(page)

    lengths = dataset_lengths(page)
    assert lengths == {
        "samples": 2,
        "scenario": len(expected["scenario_projection"]["date"]),
        "actual": DailyState.objects.filter(batch=growth_batch).dates("date", "day").count(),
        "forward": len(expected["forward_projection"]["date"]),
    }
    assert lengths["actual"] == 40
    anchors = page.evaluate(
        "window.growthChart.data.datasets[2].pointRadius.filter(r => r > 0).length"
    )
    assert anchors == 1
    assert "Plan A" in page.inner_text("#scenario-name")
    assert expected["forward_projection"]["harvest_date"] in page.inner_text("#forward-card")
    assert "g" in page.inner_text("#variance-body")
    assert page.locator("#periods tbody tr").count() == 2  # Egg&Alevin, Fry
    page.screenshot(path=str(OUTPUT / "growth-page.png"), full_page=True)

    page.click("#metric button[data-metric=population]")
    assert page.inner_text("#chart-title") == "Population"
    lengths = dataset_lengths(page)
    assert lengths["samples"] == 0  # samples are weights
    drawn = page.evaluate("window.growthChart.data.datasets[2].data.map(p => p.y)")
    assert drawn == expected["actual"]["population"]

    page.click("#metric button[data-metric=weight]")
    tank = growth_batch.assignments.get(container__name="S01-B-01")
    page.click(f"#containers button[data-assignment='{tank.id}']")
    wait_ready(page)
    assert "S01-B-01" in page.inner_text("#chart-scope")
    lengths = dataset_lengths(page)
    assert lengths["actual"] == 20
    assert lengths["samples"] == 1

    with page.expect_download() as download:
        page.click("#download-csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) == sum(lengths.values())
    actual = [r for r in rows if r["series"] == "actual"]
    assert [r["date"] for r in actual][:2] == ["2024-01-21", "2024-01-22"]
    assert float(actual[0]["avg_weight_g (g)"]) == pytest.approx(
        tank.daily_states.get(date="2024-01-21").avg_weight_g, abs=1e-3
    )
    assert {r["series"] for r in rows} == {"samples", "scenario", "actual", "forward"}

    page.select_option("#granularity", "weekly")
    wait_ready(page)
    weeks = page.evaluate("window.growthData.actual.week")
    assert dataset_lengths(page)["actual"] == len(weeks) == len(set(weeks))
    page.screenshot(path=str(OUTPUT / "growth-page-tank-weekly.png"), full_page=True)


def test_empty_states_are_explained(
    transactional_db, page, live_server, species, stages, containers
):
    bare = m.Batch.objects.create(number="FO-NEW", species=species, start_date=START)
    # One stay at the user's station (a batch is seen through its stays), never computed.
    with bulk_load():
        farm_builder.stay(bare, containers[0], stages["Egg&Alevin"], START, fish=100, weight_g=0.2)
    page.goto(f"{live_server.url}/batches/{bare.id}/growth/")
    wait_ready(page)
    notices = page.inner_text("#notices")
    assert "aquagrowth recompute --batch FO-NEW" in notices
    assert "No scenario" in notices
    assert "No growth samples" in page.inner_text("#chart-note")
    assert sum(dataset_lengths(page).values()) == 0
    assert page.is_visible("#chart-empty")
    page.screenshot(path=str(OUTPUT / "growth-page-empty.png"), full_page=True)

    planless = build_batch("FO-NOPLAN", START, species, stages, containers, with_scenario=False)
    page.goto(f"{live_server.url}/batches/{planless.id}/growth/")
    wait_ready(page)
    assert "No scenario" in page.inner_text("#notices")
    lengths = dataset_lengths(page)
    assert lengths["actual"] == 40 and lengths["scenario"] == 0
    assert not page.is_visible("#chart-empty")
