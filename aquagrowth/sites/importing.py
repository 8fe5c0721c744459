"""Licences and licence groups from a CSV file, all or nothing (docs/sites.md)."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.db import transaction

from aquagrowth.sites.models import Licence, LicenceGroup
from aquagrowth.sites.site import STATION, UnknownSite, find_site

COLUMNS = ("licence", "group", "max_biomass_t", "sites")


class BadLicenceRow(ValueError):
    """A row that cannot be stored; the message names its line."""


def import_licences(lines: Iterable[str]) -> int:
    """Store every row of a licence CSV, or none; the number of licences stored."""
    reader = csv.DictReader(lines)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise BadLicenceRow(f"line 1: missing columns {', '.join(missing)}")
    stored = 0
    seen: set[str] = set()
    with transaction.atomic():
        for row in reader:
            line = reader.line_num
            number = (row["licence"] or "").strip()
            if not number or number in seen or Licence.objects.filter(number=number).exists():
                raise BadLicenceRow(f"line {line}: licence {number!r} is empty or given twice")
            seen.add(number)
            try:
                tonnes = float(row["max_biomass_t"])
            except (TypeError, ValueError):
                tonnes = 0.0
            if not tonnes > 0:
                raise BadLicenceRow(
                    f"line {line}: max_biomass_t {row['max_biomass_t']!r} is not > 0"
                )
            names = [n.strip() for n in (row["sites"] or "").split(";") if n.strip()]
            if not names or not (row["group"] or "").strip():
                raise BadLicenceRow(f"line {line}: licence {number} needs a group and sites")
            group, _ = LicenceGroup.objects.get_or_create(name=row["group"].strip())
            for name in names:
                try:
                    site = find_site(name)
                except UnknownSite as error:
                    raise BadLicenceRow(f"line {line}: no station or sea area {error}") from error
                (group.stations if site.kind == STATION else group.sea_areas).add(site.id)
            Licence.objects.create(number=number, group=group, max_biomass_t=tonnes)
            stored += 1
    return stored
