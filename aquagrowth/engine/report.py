"""Print a verification as tables a farm's biologist can read."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from aquagrowth.engine.verify import Verification


def print_verification(result: Verification, console: Console) -> None:
    console.print(f"{result.batches} batches, {result.states:,} daily states")
    for title, problems in (
        ("assignment days without a row", result.missing_days),
        ("batch population increases (fish doubled)", result.population_increases),
        ("weight jumps without an anchor", result.weight_spikes),
    ):
        mark = "[green]none[/]" if not problems else f"[red]{len(problems)}[/]"
        console.print(f"{title}: {mark}")
        for line in problems[:10]:
            console.print(f"  {line}")
    if result.missing_days:
        console.print(
            "  rows missing where nothing changed since they were computed are restored by "
            "`aquagrowth recompute --force --batch NUMBER`"
        )
    if not result.accuracy:
        console.print("no ground truth to compare with")
        return
    table = Table(title="error against the generator's ground truth (%)")
    for column in (
        "stage",
        "rows",
        "weight median",
        "weight p95",
        "population median",
        "population p95",
        "biomass median",
        "biomass p95",
    ):
        table.add_column(column, justify="right")
    for acc in [*result.accuracy, result.overall]:
        table.add_row(
            acc.stage,
            f"{acc.rows:,}",
            f"{acc.weight_median_pct:.2f}",
            f"{acc.weight_p95_pct:.2f}",
            f"{acc.population_median_pct:.2f}",
            f"{acc.population_p95_pct:.2f}",
            f"{acc.biomass_median_pct:.2f}",
            f"{acc.biomass_p95_pct:.2f}",
        )
    console.print(table)
