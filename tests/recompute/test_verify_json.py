"""``aquagrowth verify --json``: the documented keys, null where nothing can be scored,
and the exit code of the checks."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError

from aquagrowth.engine.models import DailyState
from aquagrowth.engine.runner import recompute_batches
from aquagrowth.farm import models as m
from aquagrowth.generator.service import build_farm
from tests.recompute.conftest import TODAY

ENGINE_DOC = Path(__file__).resolve().parents[2] / "docs" / "engine.md"
FIGURES = (
    "weight_error_median_pct",
    "weight_error_p95_pct",
    "population_error_median_pct",
    "population_error_p95_pct",
    "biomass_error_median_pct",
    "biomass_error_p95_pct",
    "by_stage",
    "harvest_biomass_error_mean_abs_pct",
    "harvest_pens_outside_3pct_share",
    "harvest_population_error_mean_abs_pct",
    "harvest_weight_error_mean_abs_pct",
)


def documented_keys() -> set[str]:
    """The keys of the table in docs/engine.md's Verification section."""
    section = ENGINE_DOC.read_text().split("## Verification")[1].split("\n## ")[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {key for row in rows for key in re.findall(r"`([a-z0-9_]+)`", row.split(" | ")[0])}


def verify_json(*args: str) -> tuple[dict, bool]:
    """The command's JSON and whether it exited 0 (a failed check raises, exit code 1)."""
    out = io.StringIO()
    try:
        call_command("verify", "--json", *args, stdout=out)
        passed = True
    except CommandError as error:
        assert error.returncode == 1
        passed = False
    return json.loads(out.getvalue()), passed


def test_no_truth_no_harvest_every_figure_null_and_a_failed_check_exits_1(small_batch):
    list(recompute_batches([small_batch.id], end=TODAY))
    result, passed = verify_json("--end", TODAY.isoformat())
    assert set(result) == documented_keys()
    assert passed and result["ok"] is True
    assert (result["batches"], result["states"]) == (1, DailyState.objects.count())
    assert result["missing_days"] == result["population_increases"] == []
    assert result["weight_spikes"] == []
    assert {key: result[key] for key in FIGURES} == dict.fromkeys(FIGURES)
    assert result["harvest_pens"] == 0

    fry = small_batch.assignments.order_by("assignment_date", "id")[1]
    DailyState.objects.filter(assignment=fry, date=fry.assignment_date).delete()
    result, passed = verify_json("--end", TODAY.isoformat())
    assert not passed and result["ok"] is False
    assert len(result["missing_days"]) == 1 and "59 rows for 60 days" in result["missing_days"][0]


def test_a_generated_farm_has_every_figure(db):
    """The tiny farm: its truth scores the daily rows, its four harvested pens the
    estimates before their harvests; on perfect records the fish number before a harvest
    is the harvest's count exactly."""
    summary = build_farm("tiny", seed=1, progress=False, perfect_records=True)
    end = dt.date.fromisoformat(summary.as_of)
    ids = list(m.Batch.objects.values_list("id", flat=True))
    assert all(r.ok for r in recompute_batches(ids, end=end))
    result, passed = verify_json("--end", end.isoformat())
    assert set(result) == documented_keys()
    assert passed == result["ok"]
    assert all(isinstance(result[key], float) for key in FIGURES if key != "by_stage")
    stages = list(m.LifecycleStage.objects.order_by("order").values_list("name", flat=True))
    assert list(result["by_stage"]) == [s for s in stages if s in result["by_stage"]]
    assert sum(s["rows"] for s in result["by_stage"].values()) > 0
    assert result["harvest_pens"] == m.Harvest.objects.values("assignment").distinct().count()
    assert result["harvest_pens"] == 4
    assert result["harvest_population_error_mean_abs_pct"] == 0.0
    assert 0.0 <= result["harvest_pens_outside_3pct_share"] <= 1.0
