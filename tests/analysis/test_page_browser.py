"""The Growth Analysis page in headless Chromium against a live server."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from aquagrowth.engine.models import DailyState
from aquagrowth.farm import models as m
from aquagrowth.farm.signals import bulk_load
from tests import farm_builder
from tests.analysis.browser_tools import OUTPUT, day_text, wait_ready
from tests.analysis.conftest import START, build_batch

pytestmark = pytest.mark.browser


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
        "band-low": 0,  # the anchored model's states carry no band: none drawn
        "band": 0,
        "forward-band-low": 0,
        "forward-band": 0,
    }
    assert lengths["actual"] == 40
    anchors = page.evaluate(
        "window.growthChart.data.datasets[2].pointRadius.filter(r => r > 0).length"
    )
    assert anchors == 1
    assert "Plan A" in page.inner_text("#scenario-name")
    assert day_text(expected["forward_projection"]["harvest_date"]) in page.inner_text(
        "#forward-card"
    )
    assert "Weight against plan" in page.inner_text("#plan-body")
    assert page.locator("#periods tbody tr").count() == 2  # Egg&Alevin, Fry
    # The headline is the API's status, in the page's units.
    head = expected["status"]["batch"]
    headline = page.inner_text("#headline")
    assert f"{head['fish']:,}" in headline  # 1,420
    assert f"{head['avg_weight_g']:.2f} g" in headline  # 0.80 g
    assert f"{head['mortality_pct']:.2f} %" in headline  # 4.00 %
    assert f"{head['fcr_biological']:.2f} / {head['fcr_economic']:.2f}" in headline
    assert f"Data as of {day_text(expected['batch']['last_state_date'])}" in page.inner_text(
        "#as-of"
    )
    # The pens: those holding fish first; the earlier stays one click away.
    assert page.locator("#pens tbody tr").count() == 1
    assert "S01-B-01" in page.inner_text("#pens tbody tr")
    page.click("#pens-more")
    pens = page.locator("#pens tbody tr")
    assert pens.count() == 3
    assert [pens.nth(i).get_attribute("data-assignment") for i in range(3)] == [
        str(p["assignment"]) for p in expected["status"]["pens"]
    ]
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
    text = Path(download.value.path()).read_text()
    assert text.startswith("# FO-2024-01, Average weight, daily, S01-B-01 (Fry); data as of")
    rows = list(csv.DictReader(io.StringIO(text.split("\n", 1)[1])))
    # Wide: one row per date, a column per series.
    assert len(rows) == len({r["date"] for r in rows})
    first = next(r for r in rows if r["Actual (g)"])
    assert first["date"] == "2024-01-21"
    assert float(first["Actual (g)"]) == pytest.approx(
        tank.daily_states.get(date="2024-01-21").avg_weight_g, abs=1e-3
    )
    assert {"Plan (g)", "Forward (g)", "Sample mean (g)", "Rests on"} <= set(rows[0])
    assert sum(1 for r in rows if r["Actual (g)"]) == lengths["actual"]

    # The workbook of what is shown (this tank), opened as a manager would.
    with page.expect_download() as download:
        page.click("#download-xlsx")
    assert download.value.suggested_filename == f"FO-2024-01-growth-daily-{tank.id}.xlsx"
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    assert book.sheetnames == [
        "About",
        "Batch by day",
        "Pens",
        "Pens by day",
        "TGC and FCR periods",
    ]
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["Scope"] == "S01-B-01"
    pens = list(book["Pens"].iter_rows(values_only=True))
    assert len(pens) == 2 and "FCR economic (kg/kg)" in pens[0]
    row = dict(zip(pens[0], pens[1], strict=True))
    assert row["Feed (kg)"] == pytest.approx(0.05 * 210)  # 0.05 kg x day, 20 days

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
    # A viewer is told who can help, in words: no command line for a manager's page.
    assert "No daily states computed yet" in notices
    assert "Ask a manager to recompute" in notices
    assert "aquagrowth recompute" not in page.content()
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
