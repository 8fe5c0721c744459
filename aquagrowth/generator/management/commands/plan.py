"""``plan``: write a schedule YAML placing batches in free halls and sea rings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aquagrowth.generator.planner import plan_schedule
from aquagrowth.generator.profile import from_settings, load_profile
from aquagrowth.generator.schedule import ScheduleError, to_yaml


class Command(BaseCommand):
    help = (
        "Write a schedule: N batches per geography started --stagger days apart, every "
        "stage placed in a hall or sea rings free for its whole stay (never two batches "
        "in one container at once). Defaults come from the profile; build it with "
        "'generate --schedule FILE'."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("output", type=Path, help="schedule YAML to write")
        parser.add_argument("--profile", default="demo", help="profile name or YAML path")
        parser.add_argument("--batches", type=int, help="batches per geography")
        parser.add_argument("--stagger", type=int, help="days between two batch starts")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        records = parser.add_mutually_exclusive_group()
        records.add_argument(
            "--perfect-records",
            dest="perfect_records",
            action="store_const",
            const=True,
            help="pin perfect records in the schedule (every count exact, every record there)",
        )
        records.add_argument(
            "--real-records",
            dest="perfect_records",
            action="store_const",
            const=False,
            help="pin a real farm's records in the schedule (default: the profile's choice)",
        )

    def handle(self, *args, **options) -> None:
        try:
            profile = load_profile(options["profile"])
            overrides = {}
            if options["batches"] is not None:
                overrides["batches_per_geography"] = options["batches"]
            if options["stagger"] is not None:
                overrides["stagger_days"] = options["stagger"]
            if overrides:
                profile = from_settings({**profile.settings, **overrides})
            schedule = plan_schedule(profile, options["seed"])
            schedule = dataclasses.replace(schedule, perfect_records=options["perfect_records"])
        except (ScheduleError, FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        to_yaml(schedule, options["output"])
        stays = sum(len(s.containers) for b in schedule.batches for s in b.stages)
        self.stdout.write(
            self.style.SUCCESS(
                f"{options['output']}: {len(schedule.batches)} batches, {stays} container stays"
            )
        )
