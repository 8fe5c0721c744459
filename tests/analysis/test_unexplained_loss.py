"""The unexplained-loss report and its command, on a farm whose losses are hand-computed
(``tests/analysis/loss_farm.py``): what a farm would publish for ASC."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aquagrowth.analysis.unexplained_loss import UnknownSite, report_data, unexplained_loss
from aquagrowth.engine.core.outputs import STAY_CLOSES
from aquagrowth.engine.models import StaySummary
from aquagrowth.engine.runner import recompute_batch
from aquagrowth.farm import models as m
from aquagrowth.farm.signals import bulk_load
from tests import farm_builder
from tests.analysis.loss_farm import build_loss_farm
from tests.farm.test_csv_commands import console

BALANCE = ("stocked", "mortality", "transferred_out", "harvested", "unexplained_fish")
PENS = {
    # container: (stocked, mortality, transferred out, harvested, unexplained), %
    "VM-01": ((50_000, 1_500, 10_000, 37_900, 600), 1.2),
    "VM-02": ((40_000, 800, 0, 38_700, 500), 1.25),
    "VM-03": ((10_000, 200, 0, 9_850, -50), -0.5),
    "S02-B-01": ((5_000, 100, 0, 4_880, 20), 0.4),
    "VM-04": ((20_000, 300, 0, 19_000, 700), 3.5),
}
SITES = {
    # (site, batch): balance, %, pens
    ("S02", "FO-2024-02"): ((5_000, 100, 0, 4_880, 20), 0.4, 1),
    ("Vestmanna", "FO-2024-01"): ((90_000, 2_500, 0, 86_450, 1_050), 1.17, 3),
    ("Vestmanna", "FO-2024-02"): ((20_000, 300, 0, 19_000, 700), 3.5, 1),
}


@pytest.fixture
def farm(stages):
    return build_loss_farm(stages)


def balance(row: dict) -> tuple[int, ...]:
    return tuple(row[name] for name in BALANCE)


def run(*argv: str) -> tuple[int, str]:
    """``aquagrowth report ARGV``: its exit status and what it printed."""
    out = io.StringIO()
    try:
        call_command("report", *argv, stdout=out, stderr=io.StringIO())
    except CommandError as error:
        return error.returncode, str(error)
    return 0, out.getvalue()


def test_each_harvested_pen_balances_to_its_hand_computed_loss(farm):
    data = report_data(unexplained_loss())
    got = {row["container"]: (balance(row), row["unexplained_pct"]) for row in data["pens"]}
    assert got == PENS
    # Sorted by batch, site and pen; the smolt tank moved on and VM-05 was left by a
    # departure, not emptied by its harvest: neither is in the report.
    assert [row["container"] for row in data["pens"]] == [
        "VM-01",
        "VM-02",
        "VM-03",
        "S02-B-01",
        "VM-04",
    ]
    vm02 = data["pens"][1]
    assert (vm02["harvested_from"], vm02["harvested_to"]) == (
        dt.date(2025, 4, 2),
        dt.date(2025, 4, 3),
    )
    assert (vm02["site"], vm02["site_kind"], vm02["geography"]) == (
        "Vestmanna",
        "sea_area",
        "Faroe Islands",
    )
    assert data["pens"][3]["site_kind"] == "station"


def test_a_site_cycle_counts_fish_moved_between_its_pens_once(farm):
    data = report_data(unexplained_loss())
    got = {
        (row["site"], row["batch"]): (balance(row), row["unexplained_pct"], row["pens"])
        for row in data["sites"]
    }
    assert got == SITES
    assert [(row["site"], row["batch"]) for row in data["sites"]] == list(SITES)
    # FN-01 is still at sea: not in the report, but counted.
    assert data["open_pens"] == 1
    assert all(row["open_pens"] == 0 for row in data["sites"])


def test_a_pen_still_at_sea_is_counted_open_beside_its_site_cycle(farm):
    # A second Vestmanna pen of the first batch still holds fish: the cycle is not over.
    (pen,) = farm_builder.sea_area("Vestmanna", ["VM-06"])
    farm_builder.stay(farm.first, pen, farm.stays["VM-01"].stage, dt.date(2024, 6, 1))
    report = unexplained_loss(batch=farm.first)
    (vestmanna,) = [s for s in report.sites if s.site.name == "Vestmanna"]
    assert (vestmanna.pens, vestmanna.open_pens) == (3, 1)
    assert report.open_pens == 2  # VM-06 and FN-01


def test_filters_by_batch_and_site(farm):
    second = report_data(unexplained_loss(batch=farm.second))
    assert [row["container"] for row in second["pens"]] == ["S02-B-01", "VM-04"]
    assert second["open_pens"] == 0
    vestmanna = report_data(unexplained_loss(site="Vestmanna"))
    assert [row["container"] for row in vestmanna["pens"]] == ["VM-01", "VM-02", "VM-03", "VM-04"]
    funningur = report_data(unexplained_loss(site="Funningur"))
    assert (funningur["pens"], funningur["sites"], funningur["open_pens"]) == ([], [], 1)
    with pytest.raises(UnknownSite):
        unexplained_loss(site="Atlantis")


def test_true_to_the_records_before_any_recompute(farm):
    # Nothing was computed: the report reads the records alone, so a record entered now
    # shows at once (a late mortality record of VM-04 raises its recorded deaths).
    farm_builder.mortality(farm.stays["VM-04"], dt.date(2025, 5, 30), 200)
    (vm04,) = [p for p in unexplained_loss(batch=farm.second).pens if p.container == "VM-04"]
    assert (vm04.mortality, vm04.unexplained_fish, vm04.unexplained_pct) == (500, 500, 2.5)


def test_queries_do_not_grow_with_pens(farm, stages):
    with CaptureQueriesContext(connection) as before:
        unexplained_loss()
    more = farm_builder.sea_area("Vestmanna", [f"VM-{i}" for i in range(10, 16)])
    for pen in more:
        first, departure = dt.date(2024, 7, 1), dt.date(2025, 7, 1)
        stay = farm_builder.stay(
            farm.second, pen, stages["Adult"], first, departure, fish=1_000, weight_g=150
        )
        farm_builder.mortality(stay, dt.date(2024, 9, 1), 10)
        farm_builder.harvest(stay, dt.date(2025, 6, 30), 980)
    with CaptureQueriesContext(connection) as after:
        report = unexplained_loss()
    assert len(report.pens) == 5 + len(more)
    assert len(after.captured_queries) == len(before.captured_queries) <= 6


def test_the_command_prints_both_tables_and_what_is_left_out(farm):
    status, out = run("unexplained-loss")
    assert status == 0
    assert "Unexplained loss per pen" in out and "per site and batch" in out
    vm01 = next(line for line in out.splitlines() if "VM-01" in line)
    assert all(cell in vm01 for cell in ("50,000", "1,500", "10,000", "37,900", "600", "1.20"))
    vm03 = next(line for line in out.splitlines() if "VM-03" in line)
    assert "-50" in vm03 and "-0.50" in vm03
    assert "negative = gain" in out
    assert "1 stay still holds fish" in out


def test_the_command_writes_the_csv_file(farm, tmp_path):
    path = tmp_path / "loss.csv"
    status, _ = run("unexplained-loss", "--batch", "FO-2024-02", "--csv", str(path), "--json")
    assert status == 0
    assert path.read_text(encoding="utf-8").splitlines() == [
        "level,batch,site,site_kind,geography,container,stage,stocked_on,harvested_from,"
        "harvested_to,pens,open_pens,stocked,mortality,transferred_out,harvested,"
        "unexplained_fish,unexplained_pct",
        "pen,FO-2024-02,S02,station,Faroe Islands,S02-B-01,Smolt,2024-01-01,2024-03-31,"
        "2024-03-31,,,5000,100,0,4880,20,0.4",
        "pen,FO-2024-02,Vestmanna,sea_area,Faroe Islands,VM-04,Adult,2024-07-01,2025-05-31,"
        "2025-05-31,,,20000,300,0,19000,700,3.5",
        "site,FO-2024-02,S02,station,Faroe Islands,,,,2024-03-31,2024-03-31,1,0,"
        "5000,100,0,4880,20,0.4",
        "site,FO-2024-02,Vestmanna,sea_area,Faroe Islands,,,,2025-05-31,2025-05-31,1,0,"
        "20000,300,0,19000,700,3.5",
    ]


def test_the_command_prints_json(farm):
    status, out = run("unexplained-loss", "--site", "Vestmanna", "--json")
    assert status == 0
    data = json.loads(out)
    assert set(data) == {"pens", "sites", "open_pens"}
    pens = {
        row["container"]: (tuple(row[n] for n in BALANCE), row["unexplained_pct"])
        for row in data["pens"]
    }
    assert pens == {name: (tuple(b), pct) for name, (b, pct) in PENS.items() if name != "S02-B-01"}
    assert data["pens"][0]["stocked_on"] == "2024-06-01"
    assert [(row["batch"], row["unexplained_fish"]) for row in data["sites"]] == [
        ("FO-2024-01", 1_050),
        ("FO-2024-02", 700),
    ]


def test_bad_arguments_exit_2(farm):
    assert run("unexplained-loss", "--batch", "NO-SUCH-BATCH") == (
        2,
        "no batch numbered NO-SUCH-BATCH",
    )
    assert run("unexplained-loss", "--site", "Atlantis") == (
        2,
        "no freshwater station or sea area named Atlantis",
    )


def test_a_farm_without_harvests_reports_nothing_and_succeeds(stages):
    # The species and its stages exist; no batch was ever harvested.
    status, out = run("unexplained-loss")
    assert status == 0
    assert "nothing to report" in out
    assert not m.Harvest.objects.exists()


def test_the_console_command_exits_2_on_an_unknown_batch(tmp_path):
    assert console(tmp_path, "migrate", "-v0").returncode == 0
    done = console(tmp_path, "report", "unexplained-loss", "--batch", "NO-SUCH-BATCH")
    assert done.returncode == 2
    assert "no batch numbered NO-SUCH-BATCH" in done.stderr
    empty = console(tmp_path, "report", "unexplained-loss", "--json")
    assert empty.returncode == 0, empty.stderr
    assert json.loads(empty.stdout) == {"pens": [], "sites": [], "open_pens": 0}


def test_the_stays_reported_are_those_the_engine_closes_by_their_harvest(farm, stages):
    # The same rule in both places: after a recompute, the engine's summaries name the
    # stays whose last stretch a harvest closed, and those are the report's pens. A
    # harvest record of no fish on the last day empties nothing: the fish left on the
    # book went unrecorded at the departure, and the pen is not reported.
    (pen,) = farm_builder.sea_area("Vestmanna", ["VM-07"])
    with bulk_load():
        stay = farm_builder.stay(
            farm.second,
            pen,
            stages["Adult"],
            dt.date(2024, 7, 1),
            dt.date(2025, 6, 1),
            fish=1_000,
            weight_g=150,
        )
        farm_builder.harvest(stay, dt.date(2025, 5, 1), 500)
        farm_builder.harvest(stay, dt.date(2025, 5, 31), 0)
    for batch in (farm.first, farm.second):
        assert recompute_batch(batch.id, today=dt.date(2025, 7, 1)).ok
    closed = set(
        StaySummary.objects.filter(closed_by=STAY_CLOSES.index("harvest")).values_list(
            "assignment_id", flat=True
        )
    )
    assert {pen.assignment_id for pen in unexplained_loss().pens} == closed
    assert len(closed) == 5
