"""``aquagrowth sites``: licences in, the sites against their caps, alert subscribers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from aquagrowth.sites.biomass import PathCache, group_forecast
from aquagrowth.sites.importing import BadLicenceRow, import_licences
from aquagrowth.sites.models import AlertSubscription, LicenceGroup
from aquagrowth.sites.site import UnknownSite, find_site

BAD_ARGUMENTS = 2


class Command(BaseCommand):
    help = "Licences and sites (docs/sites.md): import, list against the caps, subscribe."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        load = sub.add_parser("import", help="licences from a CSV file, all or nothing")
        load.add_argument("file", type=Path)
        listing = sub.add_parser("list", help="licence groups: cap, biomass, headroom, forecast")
        listing.add_argument("--json", action="store_true")
        subscribe = sub.add_parser("subscribe", help="mail a site's new alerts to a user")
        subscribe.add_argument("user")
        subscribe.add_argument("--site", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["action"])(options)

    def _import(self, options: dict) -> None:
        try:
            with options["file"].open(encoding="utf-8-sig", newline="") as lines:
                stored = import_licences(lines)
        except OSError as error:
            raise CommandError(f"cannot read {options['file']}: {error}", returncode=2) from error
        except BadLicenceRow as error:
            raise CommandError(f"{options['file']}: {error}", returncode=BAD_ARGUMENTS) from error
        self.stdout.write(f"{stored} licences stored")

    def _list(self, options: dict) -> None:
        cache = PathCache()
        rows = []
        for group in LicenceGroup.objects.prefetch_related("licences"):
            rows.append({"group": group.name, **group_forecast(group, cache).to_json(series=False)})
        if options["json"]:
            self.stdout.write(json.dumps(rows, cls=DjangoJSONEncoder))
            return
        for r in rows:
            self.stdout.write(
                f"{r['group']:30} cap {r['cap_t']} t, biomass {r['latest_t']} t on "
                f"{r['actual_through']}, headroom {r['headroom_t']} t, first over "
                f"{r['first_over'] or '-'} (by {r['excess_t'] or 0} t)"
            )

    def _subscribe(self, options: dict) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']}", returncode=BAD_ARGUMENTS)
        try:
            site = find_site(options["site"])
        except UnknownSite as error:
            raise CommandError(
                f"no station or sea area {error}", returncode=BAD_ARGUMENTS
            ) from error
        AlertSubscription.objects.get_or_create(user=user, **{f"{site.field}_id": site.id})
        self.stdout.write(f"{user.username} is mailed the new alerts of {site.name}")
