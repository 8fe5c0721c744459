"""The page draws how sure a weight is: the 90 % band of the stored curve (weight, and
biomass on the biomass metric), the forward projection's band widening with time, and the
samples with the standard error of their mean (SD / sqrt(n)), each labelled in words.
Headless Chromium at the desktop (1440x900) and phone (390x844) sizes, against the real
API answering bands stored in the daily states."""

from __future__ import annotations

import math

import pytest

from tests.analysis.browser_tools import DESKTOP, OUTPUT, PHONE, signed_in, wait_ready
from tests.analysis.conftest import store_bands

pytestmark = pytest.mark.browser


def datasets(tab) -> dict[str, list]:
    return tab.evaluate(
        "Object.fromEntries(window.growthChart.data.datasets.map(d => [d.kind, d.data]))"
    )


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_bands_and_the_samples_error_are_drawn_and_said_in_words(
    transactional_db, browser, live_server, user, growth_batch, size
):
    store_bands(growth_batch)
    tab = signed_in(browser, live_server, "biologist", {"desktop": DESKTOP, "phone": PHONE}[size])
    tab.goto(f"{live_server.url}/batches/{growth_batch.id}/growth/")
    wait_ready(tab)
    answer = tab.evaluate("window.growthData")
    drawn = datasets(tab)

    # The stored curve's band, as the answer gives it, around the curve.
    high = [p["y"] for p in drawn["band"]]
    assert high == pytest.approx(answer["actual"]["weight_high_g"])
    assert all(
        lo <= w <= hi
        for lo, w, hi in zip(
            answer["actual"]["weight_low_g"],
            answer["actual"]["avg_weight_g"],
            answer["actual"]["weight_high_g"],
            strict=True,
        )
    )
    # The forward band starts at the last state's and widens with time.
    forward = drawn["forward-band"]
    low = drawn["forward-band-low"]
    assert len(forward) == len(answer["forward_projection"]["date"]) > 10
    width = [h["y"] - lo["y"] for h, lo in zip(forward, low, strict=True)]
    assert width[-1] > 2 * width[0]
    assert width[0] == pytest.approx(
        answer["actual"]["weight_high_g"][-1] - answer["actual"]["weight_low_g"][-1], abs=2e-4
    )
    # Each sample's bar is the standard error of its mean: SD / sqrt(fish weighed).
    samples = drawn["samples"]
    expected = [
        sd / math.sqrt(n)
        for sd, n in zip(
            answer["samples"]["std_weight_g"], answer["samples"]["fish_weighed"], strict=True
        )
    ]
    assert [p["sem"] for p in samples] == pytest.approx(expected)
    key = tab.inner_text("#chart-key")
    assert "90 % band" in key
    assert "widens with time" in key
    assert "standard error of the mean, SD / √n" in key
    assert "true value lies inside it on 9 days in 10" in tab.inner_text("#chart-note")
    # The tooltip of a sample says the same in words.
    tab.evaluate(
        "(() => { const c = window.growthChart;"
        " c.tooltip.setActiveElements([{datasetIndex: 0, index: 1}], {x: 0, y: 0});"
        " c.update(); })()"
    )
    lines = tab.evaluate("window.growthChart.tooltip.body.flatMap(b => b.lines)")
    assert any("standard error of the mean (SD" in line for line in lines)
    OUTPUT.mkdir(exist_ok=True)
    tab.locator("#chart-key").scroll_into_view_if_needed()
    tab.screenshot(path=str(OUTPUT / f"growth-bands-{size}.png"), full_page=False)

    # The biomass metric draws the biomass band; a metric without one draws none.
    tab.click("#metric button[data-metric=biomass]")
    drawn = datasets(tab)
    scale = tab.evaluate("window.growthChart.options.scales.y.title.text")
    factor = 1 / 1000 if "(t)" in scale else 1
    assert [p["y"] for p in drawn["band"]] == pytest.approx(
        [v * factor for v in answer["actual"]["biomass_high_kg"]]
    )
    assert len(drawn["forward-band"]) > 10
    assert "90 % band" in tab.inner_text("#chart-key")
    tab.locator("#chart-key").scroll_into_view_if_needed()
    tab.screenshot(path=str(OUTPUT / f"growth-bands-biomass-{size}.png"), full_page=False)
    tab.click("#metric button[data-metric=population]")
    drawn = datasets(tab)
    assert drawn["band"] == [] and drawn["forward-band"] == []
    assert "90 % band" not in tab.inner_text("#chart-key")
    assert tab.errors == []
    tab.context.close()
