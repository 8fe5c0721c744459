"""The growth page's period table by week and by month, in headless Chromium, on a desktop
and on a phone: the rows are the API's, the view is kept in the URL and in the export."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.analysis.browser_tools import wait_ready

pytestmark = pytest.mark.browser


def cells(tab, row: int) -> list[str]:
    return tab.locator("#periods tbody tr").nth(row).locator("td").all_inner_texts()


@pytest.mark.parametrize("viewport", ["page", "phone"])
def test_the_weekly_table(transactional_db, request, live_server, growth_batch, api, viewport):
    tab = request.getfixturevalue(viewport)
    weeks = api.get(f"/api/v1/batches/{growth_batch.id}/growth/").json()["periods"]["by_week"]
    tab.goto(f"{live_server.url}/batches/{growth_batch.id}/growth/")
    wait_ready(tab)
    button = tab.locator("#period-kind button[data-kind=by_week]")
    button.scroll_into_view_if_needed()
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    stage = tab.locator("#period-kind button[data-kind=by_stage]")
    assert stage.get_attribute("aria-pressed") == "false"
    assert "periods=by_week" in tab.url
    assert tab.locator("#periods tbody tr").count() == len(weeks) == 6
    headers = tab.locator("#periods thead th").all_inner_texts()
    second = dict(zip(headers, cells(tab, 1), strict=True))
    api_week = weeks[1]
    assert second["Week"].startswith(api_week["period"])  # 2024-W02
    assert second["TGC observed"] == f"{api_week['observed_tgc']:.2f}"
    assert second["SGR %/day"] == f"{api_week['sgr_pct_day']:.2f}"
    assert second["FCR observed (feed records)"] == f"{api_week['observed_fcr']:.2f}"
    assert second["Deaths"] == str(api_week["deaths"])
    assert second["Mortality"] == f"{api_week['mortality_pct']:.2f} %"
    assert second["Degree-days"] == f"{api_week['degree_days']:.0f}"
    last = dict(zip(headers, cells(tab, 5), strict=True))
    assert "partial: 5 of 7 days" in last["From \u2013 to"]
    # No sideways scroll: the table scrolls in its own box.
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    tab.reload()
    wait_ready(tab)
    assert button.get_attribute("aria-pressed") == "true"  # kept in the URL
    assert tab.locator("#periods tbody tr").count() == 6
    tab.locator("#period-kind button[data-kind=by_month]").click()
    assert tab.locator("#periods tbody tr").count() == 2
    assert "partial: 9 of 29 days" in cells(tab, 1)[1]
    tab.go_back()  # the weekly view again (Back redraws after the answer)
    tab.locator("#periods tbody tr").nth(5).wait_for()
    assert tab.locator("#periods tbody tr").count() == 6
    assert "periods=by_week" in tab.url

    with tab.expect_download() as download:
        tab.locator("#download-xlsx").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["Periods"] == "by week (chosen)"
    assert len(list(book["TGC and FCR periods"].iter_rows(values_only=True))) == 1 + 6
