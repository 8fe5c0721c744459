"""Profiles: every number of a synthetic farm, read from a YAML file.

A profile names the farm's size (batches, stagger, layout), its calendar (first egg
input, the fixed as-of date) and its biology (stage lengths, target weights, mortality,
feeding, temperatures, sensor behaviour). The YAML files in ``profiles/`` set what
differs from :data:`DEFAULTS`; everything else keeps the default below.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"

STAGES: tuple[str, ...] = ("Egg&Alevin", "Fry", "Parr", "Smolt", "Post-Smolt", "Adult")
"""Lifecycle stages in order; the first five live in freshwater halls A..E."""

STAGE_WEIGHT_RANGES_G: dict[str, tuple[float, float]] = {
    "Egg&Alevin": (0.05, 0.5),
    "Fry": (0.2, 6.0),
    "Parr": (5.0, 60.0),
    "Smolt": (50.0, 180.0),
    "Post-Smolt": (150.0, 500.0),
    "Adult": (400.0, 7000.0),
}
HALL_NAMES: tuple[str, ...] = ("A", "B", "C", "D", "E")
HALL_VOLUMES_M3: tuple[float, ...] = (10.0, 100.0, 500.0, 1000.0, 2000.0)
RING_VOLUME_M3 = 50_000.0

GEOGRAPHIES: tuple[dict[str, Any], ...] = (
    # Sea temperature: seasonal mean and amplitude (degC), warmest on day of year 235.
    {"name": "Faroe Islands", "code": "FO", "sea_mean_c": 8.5, "sea_amplitude_c": 2.5},
    {"name": "Scotland", "code": "SC", "sea_mean_c": 10.5, "sea_amplitude_c": 3.5},
)

DEFAULTS: dict[str, Any] = {
    "name": "custom",
    "first_start": "2024-01-01",
    "as_of": "2026-06-30",
    "batches_per_geography": 3,
    "stagger_days": 91,
    "layout": {
        "stations_per_geography": 10,
        "sea_areas_per_geography": 20,
        "rings_per_area": 20,
        "containers_per_hall": 10,
    },
    # Containers filled per freshwater stage (all of a hall by default).
    "containers_per_stage": 10,
    # Days per freshwater stage (Egg&Alevin .. Post-Smolt), each +- fresh_stage_jitter_days.
    "fresh_stage_days": [90, 90, 90, 90, 90],
    "fresh_stage_jitter_days": 4,
    "sea_days": [400, 450],
    "rings": [4, 7],
    # Days a container stays empty between two batches (cleaning, fallowing).
    "container_rest_days": 7,
    "eggs": [3_000_000, 3_800_000],
    "egg_weight_g": 0.1,
    # Target mean weight (g) at the end of each freshwater stage; the true TGC of a
    # batch's stage is set to reach it at the stage's real temperatures (+- tgc_jitter).
    "stage_end_weight_g": [0.22, 5.0, 48.0, 150.0, 400.0],
    "harvest_weight_g": [4600.0, 6300.0],
    "tgc_jitter": 0.03,
    "container_tgc_jitter": 0.02,
    "mortality_rate_per_day": [0.0015, 0.0008, 0.0005, 0.0003, 0.0002, 0.0001],
    # Chance per assignment of a mortality episode, its length (days) and rate multiplier.
    "episode_probability": 0.08,
    "episode_days": [3, 10],
    "episode_multiplier": [5.0, 20.0],
    "transfer_mortality": [0.0005, 0.003],
    "measured_transfer_share": 0.3,
    "transfer_weight_noise": 0.015,
    # Feed per day as % of biomass: feed_percent_at_1g * W^feed_exponent, clipped.
    "feed_percent_at_1g": 3.0,
    "feed_exponent": -0.155,
    "feed_percent_range": [0.8, 3.0],
    "feedings_per_day": 2,
    "sample_every_days": 7,
    "sample_fish": 30,
    "sample_cv": 0.2,
    "egg_water_c": 8.0,
    "fresh_water_c": [12.0, 14.0],
    "readings_per_day": 6,
    # pH, CO2 and salinity are logged less often than temperature and oxygen.
    "chemistry_readings_per_day": 4,
    "reading_noise_c": 0.1,
    "diurnal_amplitude_c": 0.2,
    # Sensor faults: gaps per 100 days of a sensor, gap length (hours), spike chance per reading.
    "gaps_per_100_days": 1.5,
    "gap_hours": [4, 72],
    "spike_probability": 0.0005,
    "spike_value": 99.9,
    "scenario_tgc_error": [0.02, 0.10],
    "scenario_profile_every_days": 7,
    "scenario_fcr": [1.0, 0.9, 1.0, 1.05, 1.1, 1.15],
    # A real farm's records (docs/generator.md, "What the farm records"): true records
    # everything exactly and on time, as the generator did before the real farm's rules.
    "perfect_records": False,
    "records": {
        # Fish lost without any record (predation, escapes, dead fish never counted): a
        # share of a container's opening fish over its planned stay, drawn per container.
        # Sea: REAL_FARM.md's 1.3-2.3 % of a generation; freshwater: our assumption.
        "sea_hidden_loss": [0.013, 0.023],
        "fresh_hidden_loss": [0.001, 0.005],
        # Unreported events: chance per container stay, share of its opening fish lost,
        # over how many days (REAL_FARM.md: a few pens lose 0.5-3 % over a few days).
        "sea_event_probability": 0.1,
        "fresh_event_probability": 0.02,
        "event_loss": [0.005, 0.03],
        "event_days": [2, 5],
        # Counting error, one standard deviation as a fraction of the true count: egg
        # input (REAL_FARM.md's +-2-3 % read as two SD) and counters at transfers and
        # treatments (true x (1 + N(0, 1 %))). Harvest counts are exact.
        "stocking_count_sd": 0.0125,
        "counter_sd": 0.01,
        # Counted delousing rounds per sea cycle (one ring a day) and the share of a
        # ring's fish that die of a treatment (recorded, cause "treatment").
        "treatments_per_sea_cycle": [1, 3],
        "treatment_mortality": [0.001, 0.005],
        # Share of a container's fed days with no feeding record (drawn per container).
        "unrecorded_feed_days": [0.01, 0.02],
        # Share of mortality records entered late, and by how many days.
        "late_mortality_share": 0.1,
        "late_mortality_days": [1, 3],
        # Each batch's daily records end this many days before as-of (drawn per batch).
        "records_end_days": [1, 14],
        # Growth samples at sea every this many days (a multiple of sample_every_days).
        "sea_sample_every_days": 28,
    },
}

PERFECT_RECORDS: dict[str, Any] = {
    "sea_hidden_loss": [0.0, 0.0],
    "fresh_hidden_loss": [0.0, 0.0],
    "sea_event_probability": 0.0,
    "fresh_event_probability": 0.0,
    "event_loss": [0.0, 0.0],
    "event_days": [0, 0],
    "stocking_count_sd": 0.0,
    "counter_sd": 0.0,
    "treatments_per_sea_cycle": [0, 0],
    "treatment_mortality": [0.0, 0.0],
    "unrecorded_feed_days": [0.0, 0.0],
    "late_mortality_share": 0.0,
    "late_mortality_days": [0, 0],
    "records_end_days": [0, 0],
}
"""The records of a perfect farm: nothing lost unseen, every count exact, every record on
its day; growth samples at sea as often as in freshwater."""


@dataclass(frozen=True)
class Profile:
    """A loaded profile: the merged settings and a few parsed fields."""

    name: str
    settings: dict[str, Any]
    first_start: dt.date
    as_of: dt.date

    def __getitem__(self, key: str) -> Any:
        return self.settings[key]


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _as_date(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def profile_path(profile: str | Path) -> Path:
    """The YAML file of a named profile (``demo``) or the given path."""
    path = Path(profile)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return path
    named = PROFILE_DIR / f"{profile}.yaml"
    if not named.exists():
        known = ", ".join(sorted(p.stem for p in PROFILE_DIR.glob("*.yaml")))
        raise FileNotFoundError(f"no profile {profile!r} (known: {known})")
    return named


def from_settings(settings: dict[str, Any]) -> Profile:
    merged = _merge(DEFAULTS, settings)
    first_start, as_of = _as_date(merged["first_start"]), _as_date(merged["as_of"])
    if as_of < first_start:
        raise ValueError(f"as_of {as_of} is before first_start {first_start}")
    if int(merged["records"]["sea_sample_every_days"]) % int(merged["sample_every_days"]):
        # Sea samples are every n-th of the freshwater rhythm's, so the realistic farm's
        # samples are the perfect farm's, fewer.
        raise ValueError("records.sea_sample_every_days must be a multiple of sample_every_days")
    return Profile(name=str(merged["name"]), settings=merged, first_start=first_start, as_of=as_of)


def with_records(settings: dict[str, Any], perfect: bool | None) -> dict[str, Any]:
    """``settings`` whose ``records`` are the ones a build uses: the profile's, or
    :data:`PERFECT_RECORDS` when ``perfect`` (``None``: the profile's ``perfect_records``).
    """
    perfect = bool(settings["perfect_records"]) if perfect is None else perfect
    if not perfect:
        return {**settings, "perfect_records": False}
    records = {**PERFECT_RECORDS, "sea_sample_every_days": int(settings["sample_every_days"])}
    return {**settings, "perfect_records": True, "records": records}


def load_profile(profile: str | Path) -> Profile:
    """Read a profile by name or path, completed with :data:`DEFAULTS`."""
    with profile_path(profile).open() as handle:
        return from_settings(yaml.safe_load(handle) or {})
