"""Plausible physical ranges of the format's numbers and dates, as settings with defaults.

Each bound is read from Django's settings when a file is checked (so a test or a farm can
change it), falling back to the default here; docs/csv-format.md ("Plausible ranges")
gives each default's source. The per-species weight limit is a setting keyed by species
name rather than a field of ``Species``: it guards input against typing errors and
overflowing values, it is not biology the engine uses (stages carry that), and a setting
needs no migration nor a column in the shared ``species.csv``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "AQUAGROWTH_ERA_START": "1970-01-01",
    "AQUAGROWTH_ERA_AHEAD_DAYS": 3660,
    "AQUAGROWTH_MAX_FISH_WEIGHT_G": {"Atlantic salmon": 50_000.0, "*": 100_000.0},
    "AQUAGROWTH_MAX_FISH_LENGTH_CM": 200.0,
    "AQUAGROWTH_MAX_FISH_COUNT": 50_000_000,
    "AQUAGROWTH_MAX_CONTAINER_VOLUME_M3": 500_000.0,
    "AQUAGROWTH_MAX_DENSITY_KG_M3": 100.0,
    "AQUAGROWTH_MAX_FEED_RATION_PCT": 5.0,
    "AQUAGROWTH_READING_TEMPERATURE_C": (-50.0, 150.0),
    "AQUAGROWTH_MAX_READING_ABS": 1e9,
    "AQUAGROWTH_CSV_MAX_LINE_BYTES": 1 << 20,
    "AQUAGROWTH_XLSX_MAX_BYTES": 1 << 30,
    "AQUAGROWTH_XLSX_MAX_WHOLE_BYTES": 16 << 20,
}

DATABASE_INTEGER_MAX = 2**31 - 1
"""The largest value of the tables' integer columns (PostgreSQL ``integer``)."""


def setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


_ERA_HELD: ContextVar[tuple[dt.date, dt.date] | None] = ContextVar("era_held", default=None)


@contextmanager
def era_held() -> Iterator[None]:
    """:func:`era` read once for the block: a column of 10,000 distinct timestamps
    checked each against the settings took a tenth of a second."""
    token = _ERA_HELD.set(era())
    try:
        yield
    finally:
        _ERA_HELD.reset(token)


def era() -> tuple[dt.date, dt.date]:
    """The first and last day a date of the format may name."""
    held = _ERA_HELD.get()
    if held is not None:
        return held
    start = setting("AQUAGROWTH_ERA_START")
    if isinstance(start, str):
        start = dt.date.fromisoformat(start)
    ahead = dt.timedelta(days=int(setting("AQUAGROWTH_ERA_AHEAD_DAYS")))
    return start, dt.datetime.now(dt.UTC).date() + ahead


def max_fish_weight_g(species: str) -> float:
    """The heaviest plausible fish of ``species`` (the ``*`` entry for any other)."""
    limits = setting("AQUAGROWTH_MAX_FISH_WEIGHT_G")
    default = DEFAULTS["AQUAGROWTH_MAX_FISH_WEIGHT_G"]["*"]
    return float(limits.get(species, limits.get("*", default)))


def max_feed_kg(volume_m3: float) -> float:
    """The most feed one container can take in a day: the biomass it can hold at the
    highest density, times the highest daily ration."""
    density = float(setting("AQUAGROWTH_MAX_DENSITY_KG_M3"))
    ration = float(setting("AQUAGROWTH_MAX_FEED_RATION_PCT")) / 100
    return volume_m3 * density * ration
