"""The growth data's export: the workbook a manager sends on, and the same tables as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from aquagrowth.farm import models as m
from tests.analysis.conftest import LAST, START, TRANSFER


def export(api, batch, **params):
    response = api.get(f"/api/v1/batches/{batch.id}/growth-export/", params)
    assert response.status_code == 200, response.content
    return response


def test_the_workbook_holds_every_table_with_units_and_data_as_of(api, growth_batch):
    response = export(api, growth_batch)
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="FO-2024-01-growth-daily.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == [
        "About",
        "Batch by day",
        "Pens",
        "Pens by day",
        "TGC and FCR periods",
    ]
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["Batch"] == "FO-2024-01"
    assert about["Data as of (last computed day)"].date() == LAST
    assert "Records of feed end" in about
    daily = list(book["Batch by day"].iter_rows(values_only=True))
    header = daily[0]
    assert "Mean weight (g)" in header and "Biomass (kg)" in header and "FCR (kg/kg)" in header
    assert len(daily) == 1 + 40  # a row per day
    first = dict(zip(header, daily[1], strict=True))
    assert first["Date"].date() == START
    # Two trays of 999 and 499 fish at 0.21 g at the end of the first day.
    assert first["Fish"] == 1498
    assert first["Mean weight (g)"] == pytest.approx(0.21)
    pens = list(book["Pens"].iter_rows(values_only=True))
    tank = dict(zip(pens[0], pens[1], strict=True))  # pens holding fish first
    assert tank["Pen"] == "S01-B-01"
    assert tank["FCR biological (kg/kg)"] == pytest.approx(0.05 * 210 / 0.6, abs=1e-3)
    pen_days = list(book["Pens by day"].iter_rows(values_only=True))
    assert len(pen_days) == 1 + 20 + 20 + 20  # two trays and the tank, 20 days each


def test_a_table_as_csv_is_wide_with_units(api, growth_batch):
    tank = growth_batch.assignments.get(container__name="S01-B-01")
    text = export(api, growth_batch, kind="csv", table="pens").content.decode()
    assert text.startswith("# FO-2024-01, Pens, data as of 2024-02-09\n")
    rows = list(csv.DictReader(io.StringIO(text.split("\n", 1)[1])))
    assert [r["Pen"] for r in rows] == ["S01-B-01", "S01-A-01", "S01-A-02"]
    # The tank's fish in are known only once a recompute counted them: empty, not 0.
    assert rows[0]["Fish in"] == "" and rows[0]["Mortality (% of fish in)"] == ""
    assert float(rows[1]["Mortality (% of fish in)"]) == 2.0  # 20 of the tray's 1000
    one = export(api, growth_batch, kind="csv", table="daily", assignment=tank.id)
    assert f"-{tank.id}-daily.csv" in one["Content-Disposition"]
    lines = one.content.decode().splitlines()
    assert len(lines) == 2 + 20
    assert lines[2].startswith(f"{(LAST - dt.timedelta(days=19)).isoformat()},1458,")


def test_the_pens_deaths_by_cause_follow_an_edited_record(api, growth_batch):
    tank = growth_batch.assignments.get(container__name="S01-B-01")
    death = m.MortalityEvent.objects.create(
        batch=growth_batch, assignment=tank, event_date=TRANSFER, count=7, cause="Winter ulcer"
    )
    rows = list(
        csv.DictReader(
            io.StringIO(
                export(api, growth_batch, kind="csv", table="pens")
                .content.decode()
                .split("\n", 1)[1]
            )
        )
    )
    assert rows[0]["Deaths by cause"] == "Winter ulcer: 7"
    death.cause = "Wound"
    death.save()
    rows = list(
        csv.DictReader(
            io.StringIO(
                export(api, growth_batch, kind="csv", table="pens")
                .content.decode()
                .split("\n", 1)[1]
            )
        )
    )
    assert rows[0]["Deaths by cause"] == "Wound: 7"


def test_a_bad_export_request_is_a_clear_400(api, growth_batch):
    response = api.get(f"/api/v1/batches/{growth_batch.id}/growth-export/", {"kind": "pdf"})
    assert response.status_code == 400
    assert "kind" in response.json()
