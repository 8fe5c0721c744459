"""The monthly site report: its figures are the daily states' sums and the records',
and stock at start + stocked - moved out - dead - harvested - unexplained = stock at end."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from openpyxl import load_workbook

from aquagrowth.engine.models import DailyState
from aquagrowth.sites import monthly_output
from aquagrowth.sites.monthly import monthly_report, parse_month
from aquagrowth.sites.site import of_sea_area
from tests import farm_builder
from tests.sites.conftest import PEN_FISH, START, recompute

pytestmark = pytest.mark.django_db
HARVEST_DAY = dt.date(2025, 5, 20)


@pytest.fixture
def harvested_farm(sea_farm):
    farm_builder.harvest(sea_farm["stays"][0], HARVEST_DAY, 1000, weight_g=1500.0)
    recompute(sea_farm["batch"])
    return sea_farm


def test_month_figures_are_the_states_sums_and_balance(harvested_farm):
    report = monthly_report(of_sea_area(harvested_farm["area"]), parse_month("2025-05"))
    may = DailyState.objects.filter(date__range=(START, dt.date(2025, 5, 31)))
    sums = may.aggregate(
        dead=Sum("mortality_count"), lost=Sum("unexplained_fish"), feed=Sum("feed_kg")
    )
    end = DailyState.objects.filter(date=dt.date(2025, 5, 31)).aggregate(
        fish=Sum("population"), kg=Sum("biomass_kg")
    )
    assert report.stock_start_fish == 0
    assert report.stocked_fish == sum(PEN_FISH)  # the two egg inputs of May 1
    assert report.moved_out_fish == 0
    assert report.mortality_fish == sums["dead"] == 2 * 31 * 10
    assert report.mortality_by_cause == {"natural": 620}
    assert report.harvested_fish == 1000 and report.harvested_kg == 1500.0
    assert report.unexplained_fish == sums["lost"]
    assert report.feed_kg == pytest.approx(sums["feed"]) == 2 * 31 * 100.0
    assert report.stock_end_fish == end["fish"]
    assert report.stock_end_t == pytest.approx(end["kg"] / 1000.0, abs=5e-4)
    assert report.balance_fish == 0
    assert (
        report.stock_start_fish
        + report.stocked_fish
        - report.moved_out_fish
        - report.mortality_fish
        - report.harvested_fish
        - report.unexplained_fish
        == report.stock_end_fish
    )
    assert report.complete


def test_a_month_past_the_states_is_incomplete_not_emptied(harvested_farm):
    report = monthly_report(of_sea_area(harvested_farm["area"]), parse_month("2025-06"))
    assert not report.complete
    assert report.stock_end_fish == report.stock_start_fish > 0
    assert report.moved_out_fish == 0 and report.balance_fish == 0


def test_command_writes_csv_xlsx_and_json(harvested_farm, tmp_path):
    out = io.StringIO()
    csv_file, xlsx_file = tmp_path / "m.csv", tmp_path / "m.xlsx"
    call_command(
        "report",
        "monthly",
        "--site",
        "North",
        "--month",
        "2025-05",
        "--csv",
        str(csv_file),
        "--xlsx",
        str(xlsx_file),
        "--json",
        stdout=out,
    )
    answer = json.loads(out.getvalue())
    assert answer["harvested_fish"] == 1000 and answer["balance_fish"] == 0
    assert "mortality_natural" in csv_file.read_text().splitlines()[0]
    sheet = load_workbook(xlsx_file)["report"]
    header = [c.value for c in sheet[1]]
    assert sheet[2][header.index("stocked_fish")].value == sum(PEN_FISH)


def test_command_refuses_an_unknown_site_and_a_bad_month(harvested_farm):
    with pytest.raises(CommandError, match="Nowhere") as unknown:
        call_command("report", "monthly", "--site", "Nowhere", "--month", "2025-05")
    with pytest.raises(CommandError, match="YYYY-MM") as bad_month:
        call_command("report", "monthly", "--site", "North", "--month", "May")
    assert unknown.value.returncode == bad_month.value.returncode == 2


def test_api_answers_the_report_and_its_files(harvested_farm, admin_client):
    url = "/api/v1/reports/monthly/?site=North&month=2025-05"
    assert admin_client.get(url).json()["stocked_fish"] == sum(PEN_FISH)
    csv_answer = admin_client.get(url + "&file=csv")
    assert csv_answer["Content-Type"] == "text/csv"
    assert csv_answer.content.decode() == monthly_output.csv_text(
        monthly_report(of_sea_area(harvested_farm["area"]), parse_month("2025-05"))
    )
    assert (
        admin_client.get("/api/v1/reports/monthly/?site=Nowhere&month=2025-05").status_code == 400
    )
