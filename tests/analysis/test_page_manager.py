"""The Growth Analysis page as a production manager uses it, in headless Chromium at the
desktop (1440x900) and phone (390x844) sizes: what rests on records and what does not,
today, state in the URL, a bad range, the recompute button, no sideways scroll and an
automated accessibility check (axe-core, from the project's npm packages)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from aquagrowth.analysis.growth_data import utc_today
from aquagrowth.engine.core.outputs import ESTIMATED
from aquagrowth.engine.models import DailyState, StayClose, StaySummary, WeightSource
from tests.analysis.browser_tools import DESKTOP, OUTPUT, PHONE, day_text, signed_in, wait_ready
from tests.analysis.conftest import LAST, build_batch, store_bands

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def growth_url(live_server, batch, query: str = "") -> str:
    return f"{live_server.url}/batches/{batch.id}/growth/{query}"


def mark_past_records(batch, days: int = 10) -> list[str]:
    """The tank's last ``days`` days: weight estimated forward from its last sample."""
    tank = batch.assignments.get(container__name="S01-B-01")
    since = LAST - dt.timedelta(days=days - 1)
    DailyState.objects.filter(assignment=tank, date__gte=since).update(
        estimated=ESTIMATED.index("weight"), weight_source=WeightSource.SCENARIO_TGC
    )
    return [(since + dt.timedelta(days=i)).isoformat() for i in range(days)]


FORWARD_WORDS = {
    "anchored": "estimated forward from the last sample with the plan's growth rate",
    "smoothed": (
        "estimated forward from the last sample at the growth rate the pen's samples showed"
    ),
}
"""What a day past the last sample rests on, by weight model: the smoothed model (its days
carry a band) carries the TGC its samples showed forward, the anchored model the plan's."""


@pytest.mark.parametrize("model", ["anchored", "smoothed"])
def test_days_past_the_records_are_drawn_apart_and_said_in_words(
    transactional_db, page, live_server, growth_batch, model
):
    if model == "smoothed":
        store_bands(growth_batch)
    estimated = mark_past_records(growth_batch)
    # How far the tank's records reach, as a recompute writes it: its last sample.
    tank = growth_batch.assignments.get(container__name="S01-B-01")
    StaySummary.objects.create(
        assignment=tank,
        samples_through=LAST - dt.timedelta(days=10),
        stocked_fish=1460,
        fish_days=0,
        unexplained_fish=0,
        closed_by=StayClose.OPEN,
    )
    page.goto(growth_url(live_server, growth_batch))
    wait_ready(page)
    dash = page.evaluate(
        """() => { const ds = window.growthChart.data.datasets[2];
        return ds.data.map((p, i) => i === 0 ? null
            : ds.segment.borderDash({p1DataIndex: i}) || null); }"""
    )
    dates = page.evaluate("window.growthChart.data.datasets[2].data.map(p => p.date)")
    dashed = [d for d, style in zip(dates, dash, strict=True) if style]
    assert dashed == estimated  # exactly the days past the records, no other
    # The tooltip of the last day says why, in words, with how far the records reach.
    page.evaluate("window.scrollTo(0, document.querySelector('#growth-chart').offsetTop - 50)")
    point = page.evaluate(
        """() => { const c = window.growthChart; const el = c.getDatasetMeta(2).data.at(-1);
        const box = c.canvas.getBoundingClientRect(); return [box.left + el.x, box.top + el.y]; }"""
    )
    page.mouse.move(point[0], point[1])
    page.wait_for_function("window.growthChart.tooltip.getActiveElements().length > 0")
    lines = page.evaluate("window.growthChart.tooltip.body.flatMap(b => b.lines).join('\\n')")
    assert FORWARD_WORDS[model] in lines
    assert "estimated past the records: last sample 30 Jan 2024 (10 days before)" in lines
    assert "scenario_tgc" not in lines
    key = page.inner_text("#chart-key")
    assert "Actual, on records" in key and "Actual, estimated past the records" in key
    # The words behind the chart: the table says what each day rests on.
    page.click("#chart-table-box summary")
    # The table is drawn on the details' toggle event, a task after the click.
    page.wait_for_selector("#chart-table tbody tr")
    table = page.inner_text("#chart-table")
    assert "estimated forward from the last sample" in table
    assert "scenario_tgc" not in page.content()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(OUTPUT / f"growth-past-records-{model}.png"))


def test_a_today_line_and_data_as_of(
    transactional_db, page, live_server, species, stages, containers
):
    today = utc_today()
    batch = build_batch("FO-NOW", today - dt.timedelta(days=30), species, stages, containers)
    page.goto(growth_url(live_server, batch))
    wait_ready(page)
    assert page.evaluate("window.growthData.today") == today.isoformat()
    assert "Today" in page.inner_text("#chart-key")
    assert f"today {day_text(today.isoformat())}" in page.inner_text("#as-of")
    page.goto(f"{live_server.url}/")
    row = page.locator(f"tr[data-batch='{batch.id}']")
    last = DailyState.objects.filter(batch=batch).latest("date").date
    assert row.locator("[data-field=as_of]").inner_text() == day_text(last.isoformat())
    assert row.locator("[data-field=fish]").inner_text() == "1,420"
    assert row.locator("[data-field=avg_weight_g]").inner_text() == "0.80 g"


def test_state_lives_in_the_url(transactional_db, page, live_server, growth_batch):
    tank = growth_batch.assignments.get(container__name="S01-B-01")
    page.goto(growth_url(live_server, growth_batch))
    wait_ready(page)
    page.click("#metric button[data-metric=population]")
    assert page.get_attribute("#metric button[data-metric=population]", "aria-pressed") == "true"
    assert page.get_attribute("#metric button[data-metric=weight]", "aria-pressed") == "false"
    page.click(f"#containers button[data-assignment='{tank.id}']")
    wait_ready(page)
    page.fill("#start", "2024-01-25")
    page.dispatch_event("#start", "change")
    wait_ready(page)
    assert "metric=population" in page.url and f"container={tank.id}" in page.url
    assert "start=2024-01-25" in page.url
    asked: list[str] = []
    growth_api = f"/api/v1/batches/{growth_batch.id}/growth/"
    page.on("request", lambda r: asked.append(r.url) if growth_api in r.url else None)
    page.reload()
    wait_ready(page)
    # The answer preloaded with the page is the one the script uses: asked once (the
    # batch's plans are another, small, answer).
    assert len(asked) == 1, asked
    assert page.get_attribute("#metric button[data-metric=population]", "aria-pressed") == "true"
    assert "S01-B-01" in page.inner_text("#chart-scope")
    assert page.input_value("#start") == "2024-01-25"
    assert page.evaluate("window.growthData.actual.date[0]") == "2024-01-25"
    page.go_back()  # before the range was set
    wait_ready(page)
    assert page.input_value("#start") == ""
    assert page.evaluate("window.growthData.actual.date[0]") == "2024-01-21"


def test_a_bad_range_says_so_and_keeps_the_chart(transactional_db, page, live_server, growth_batch):
    page.goto(growth_url(live_server, growth_batch))
    wait_ready(page)
    drawn = page.evaluate("window.growthChart.data.datasets[2].data.length")
    page.fill("#start", "2024-02-05")
    page.dispatch_event("#start", "change")
    wait_ready(page)
    page.fill("#end", "2024-01-10")
    page.dispatch_event("#end", "change")
    wait_ready(page)
    error = page.inner_text("#range-error")
    assert "The end (10 Jan 2024) is before the start (5 Feb 2024)" in error
    assert page.evaluate("window.growthChart.data.datasets[2].data.length") > 0
    # A date the server refuses: its reason in words, never raw JSON; the chart stays.
    page.goto(growth_url(live_server, growth_batch))
    wait_ready(page)
    page.fill("#start", "1850-01-01")
    page.dispatch_event("#start", "change")
    wait_ready(page)
    error = page.inner_text("#range-error")
    assert "From: Give a date from 1900-01-01 to 2199-12-31." in error
    assert "{" not in error
    assert page.evaluate("window.growthChart.data.datasets[2].data.length") == drawn


def test_fcr_spikes_are_clipped_and_marked(transactional_db, page, live_server, growth_batch):
    tank = growth_batch.assignments.get(container__name="S01-B-01")
    # A sample day that moved the weight down: almost no growth, so a huge FCR.
    DailyState.objects.filter(assignment=tank, date=LAST - dt.timedelta(days=3)).update(
        growth_kg=0.0001
    )
    page.goto(growth_url(live_server, growth_batch, "?metric=fcr"))
    wait_ready(page)
    points = page.evaluate(
        "window.growthChart.data.datasets[2].data.filter(p => p.clipped).map(p => [p.y, p.value])"
    )
    top = page.evaluate("window.growthChart.scales.y.max")
    assert points and all(y == top and value > top for y, value in points)
    assert "drawn at the edge as ▲" in page.inner_text("#chart-note")
    api = page.evaluate("window.growthData.actual.fcr")
    assert max(v for v in api if v is not None) == max(value for _, value in points)


def test_a_manager_recomputes_from_the_page(transactional_db, browser, live_server, growth_batch):
    from tests import access

    access.person("planner", "manager", stations=["S01"], password="salmon-pass")
    tab = signed_in(browser, live_server, "planner", DESKTOP)
    tab.goto(growth_url(live_server, growth_batch))
    wait_ready(tab)
    tab.click("#recompute")
    # Without a broker the run is over by the first poll: the status reads done.
    tab.wait_for_selector("#recompute-status [data-state=done]")
    assert "Recompute done at" in tab.inner_text("#recompute-status")
    assert tab.errors == []
    tab.context.close()


def test_a_viewer_has_no_recompute_button(transactional_db, page, live_server, growth_batch):
    page.goto(growth_url(live_server, growth_batch))
    wait_ready(page)
    assert page.locator("#recompute").count() == 0


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_no_page_scrolls_sideways(transactional_db, browser, live_server, user, growth_batch, size):
    viewport = DESKTOP if size == "desktop" else PHONE
    tab = signed_in(browser, live_server, "biologist", viewport)
    mark_past_records(growth_batch)
    for url in (f"{live_server.url}/", growth_url(live_server, growth_batch)):
        tab.goto(url)
        if "growth" in url:
            wait_ready(tab)
            tab.click("#pens-more")
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url
    # Every metric button can be reached without scrolling sideways, and the pressed
    # one reads: its text is not the colour of its background.
    tab.click("#metric button[data-metric=biomass]")
    for button in tab.locator("#metric button").all():
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    colours = tab.eval_on_selector(
        "#metric button[aria-pressed=true]",
        "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]",
    )
    assert colours == ["rgb(255, 255, 255)", "rgb(29, 95, 138)"]
    tab.evaluate("window.scrollTo(0, 0)")
    tab.screenshot(path=str(OUTPUT / f"growth-{size}.png"), full_page=size == "phone")
    assert tab.errors == []
    tab.context.close()


def axe_violations(tab) -> list[dict]:
    tab.evaluate(AXE.read_text())
    result = tab.evaluate(
        "async () => { const r = await axe.run(document); return {passes: r.passes.length,"
        " violations: r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' '))}))}; }"
    )
    # The rules that held (colour contrast, labels, ARIA...): axe really looked.
    assert result["passes"] >= 10
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_accessibility(transactional_db, browser, live_server, user, growth_batch, size):
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (bin/setup does)")
    viewport = DESKTOP if size == "desktop" else PHONE
    tab = signed_in(browser, live_server, "biologist", viewport)
    tab.goto(f"{live_server.url}/")
    assert axe_violations(tab) == []
    tab.goto(growth_url(live_server, growth_batch))
    wait_ready(tab)
    tab.click("#pens-more")  # the status table, every row
    tab.click("#chart-table-box summary")  # the data table behind the chart
    tab.wait_for_selector("#chart-table tbody tr")  # drawn on the toggle, after the click
    found = axe_violations(tab)
    assert found == [], json.dumps(found, indent=1)
    tab.context.close()


def test_a_weight_band_is_drawn_only_when_the_answer_has_one(
    transactional_db, page, live_server, growth_batch
):
    """The engine's weight band (weight_low_g / weight_high_g, being added beside this
    page) is drawn when the answer carries it, and not otherwise."""
    page.goto(growth_url(live_server, growth_batch))
    wait_ready(page)
    lengths = page.evaluate(
        "Object.fromEntries(window.growthChart.data.datasets.map(d => [d.kind, d.data.length]))"
    )
    assert lengths["band"] == lengths["band-low"] == 0
    assert "90 % band" not in page.inner_text("#chart-key")

    def with_band(route):
        answer = route.fetch().json()
        weights = answer["actual"]["avg_weight_g"]
        answer["actual"]["weight_low_g"] = [w * 0.9 for w in weights]
        answer["actual"]["weight_high_g"] = [w * 1.1 for w in weights]
        route.fulfill(json=answer)

    page.route("**/api/v1/batches/*/growth/?*", with_band)
    page.reload()
    wait_ready(page)
    band = page.evaluate(
        "window.growthChart.data.datasets.find(d => d.kind === 'band').data.map(p => p.y)"
    )
    weights = page.evaluate("window.growthData.actual.avg_weight_g")
    assert band == pytest.approx([w * 1.1 for w in weights])
    assert "90 % band" in page.inner_text("#chart-key")
    page.click("#metric button[data-metric=population]")  # a band of weight only
    assert (
        page.evaluate("window.growthChart.data.datasets.find(d => d.kind === 'band').data.length")
        == 0
    )
