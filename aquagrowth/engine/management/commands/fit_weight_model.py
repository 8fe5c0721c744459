"""``aquagrowth fit_weight_model``: fit the weight smoother's parameters from the records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from aquagrowth.engine.core import weight_fit
from aquagrowth.engine.weight_fit import fit_farm, store_fit


class Command(BaseCommand):
    help = (
        "Fit the weight smoother's parameters (sample CV, TGC drift, scenario TGC CV, the "
        "unsampled stages' TGC CV) from "
        "every batch's records and store them as the farm's newest fit "
        "(docs/engine.md, the smoother). Recompute afterwards (recompute --force) for the "
        "stored daily states to follow it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--end",
            type=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="Read the records up to this day (default today).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Print the fit, store nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        fit = fit_farm(end=options["end"])
        p = fit.params

        def rests(n: int, minimum: int, what: str) -> str:
            if n >= minimum:
                return f"from {n} {what}"
            return f"the default: only {n} {what}, fewer than {minimum}"

        unsampled = "unsampled stays, by likelihood"
        if fit.calibration_measurements:
            unsampled = (
                f"unsampled stays; its band holds 90 % of the {fit.calibration_measurements} "
                f"first measurements after them; by likelihood {fit.unsampled_by_likelihood:.4f}"
            )
        self.stdout.write(
            f"sample_cv           {p.sample_cv:.4f}  "
            f"({rests(fit.samples_with_sd, weight_fit.MIN_SAMPLES_WITH_SD, 'samples with SD')})\n"
            f"scenario_tgc_cv     {p.scenario_tgc_cv:.4f}  "
            f"({rests(fit.stays, weight_fit.MIN_STAYS, 'stays')})\n"
            f"transfer_weight_cv  {p.transfer_weight_cv:.4f}  "
            f"({rests(fit.triples, weight_fit.MIN_TRIPLES, 'observations, by likelihood')})\n"
            f"tgc_drift_sd        {p.tgc_drift_sd:.4f}  "
            f"({rests(fit.triples, weight_fit.MIN_TRIPLES, 'observations, by likelihood')})\n"
            f"unsampled_stages    {', '.join(p.unsampled_stages) or '(none)'}\n"
            f"unsampled_tgc_cv    "
            f"{p.unsampled_tgc_cv if p.unsampled_tgc_cv is not None else p.scenario_tgc_cv:.4f}  "
            f"({rests(fit.unsampled_stays, weight_fit.MIN_STAYS, unsampled)})"
        )
        if not options["dry_run"]:
            store_fit(fit)
            self.stdout.write("stored; run `aquagrowth recompute --force` to apply it")
