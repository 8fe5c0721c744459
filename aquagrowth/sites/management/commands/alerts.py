"""``aquagrowth alerts``: evaluate every rule for the farm (nightly), list the alerts."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from aquagrowth.sites.alerts import evaluate
from aquagrowth.sites.models import Alert


class Command(BaseCommand):
    help = "Alerts (docs/sites.md): `evaluate` every rule for the farm, `list` them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        run = sub.add_parser("evaluate", help="every rule for the whole farm")
        run.add_argument("--today", help="YYYY-MM-DD taken as today (default: the clock's)")
        run.add_argument("--json", action="store_true")
        listing = sub.add_parser("list", help="the alerts, newest first")
        listing.add_argument("--open", action="store_true", help="only those not resolved")
        listing.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "evaluate":
            try:
                today = dt.date.fromisoformat(options["today"]) if options["today"] else None
            except ValueError as error:
                raise CommandError(f"--today: {error}", returncode=2) from error
            outcome = evaluate(today=today)
            if options["json"]:
                self.stdout.write(json.dumps(outcome.to_json()))
            else:
                self.stdout.write(
                    f"{len(outcome.raised)} raised, {len(outcome.kept)} still open, "
                    f"{len(outcome.resolved)} resolved, {outcome.mailed} mails, "
                    f"{outcome.seconds:.2f} s"
                )
            return
        alerts = Alert.objects.all()
        if options["open"]:
            alerts = alerts.filter(resolved_at__isnull=True)
        rows = [
            {
                "id": a.pk,
                "rule": a.rule,
                "state": a.state,
                "message": a.message,
                "raised_at": a.raised_at,
                "acknowledged_by": a.acknowledged_by_name or None,
                "resolved_at": a.resolved_at,
            }
            for a in alerts
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, cls=DjangoJSONEncoder))
            return
        for r in rows:
            self.stdout.write(f"{r['id']:>6} {r['state']:12} {r['rule']:20} {r['message']}")
