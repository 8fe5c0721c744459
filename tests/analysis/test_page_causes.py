"""Deaths by cause on the growth page: the pens table and the headline say them, as the
mortality records have them."""

from __future__ import annotations

import pytest

from aquagrowth.farm import models as m
from tests.analysis.browser_tools import wait_ready
from tests.analysis.conftest import TRANSFER

pytestmark = pytest.mark.browser


def test_the_pens_and_the_headline_name_the_causes(
    transactional_db, page, live_server, growth_batch
):
    tank = growth_batch.assignments.get(container__name="S01-B-01")
    for count, cause in ((7, "Winter ulcer"), (3, "")):
        m.MortalityEvent.objects.create(
            batch=growth_batch, assignment=tank, event_date=TRANSFER, count=count, cause=cause
        )
    page.goto(f"{live_server.url}/batches/{growth_batch.id}/growth/")
    wait_ready(page)
    headers = page.locator("#pens thead th").all_inner_texts()
    row = page.locator("#pens tbody tr").first.locator("td").all_inner_texts()
    tank_row = dict(zip(headers, row, strict=True))
    assert tank_row["Recorded deaths by cause"] == "Winter ulcer 7, no cause given 3"
    assert "recorded: Winter ulcer 7, no cause given 3" in page.inner_text("#headline")
