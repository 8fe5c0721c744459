"""Numbers as a production manager reads them: grams for a fry, kilograms for a
harvest-size fish, tonnes at sea scale, with no more digits than the number means.

The page's script (growth.js, ``fmtWeight`` and ``fmtMass``) follows the same rules.
"""

from __future__ import annotations

import math

DASH = "—"
TONNES_FROM_KG = 10_000.0
"""Masses from 10 t on read in tonnes (a sea pen); below, in kilograms (a hatchery tank)."""


def _known(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def weight_text(grams: float | None) -> str:
    """A fish's mean weight: 0.42 g, 51.3 g, 512 g, 5.60 kg."""
    if not _known(grams):
        return DASH
    if grams >= 1000:
        return f"{grams / 1000:,.2f} kg"
    if grams >= 100:
        return f"{grams:,.0f} g"
    if grams >= 10:
        return f"{grams:,.1f} g"
    return f"{grams:,.2f} g"


def mass_text(kg: float | None) -> str:
    """Biomass or feed: 12.5 kg, 8,412 kg, 1,234.5 t."""
    if not _known(kg):
        return DASH
    if abs(kg) >= TONNES_FROM_KG:
        return f"{kg / 1000:,.1f} t"
    if abs(kg) >= 100:
        return f"{kg:,.0f} kg"
    return f"{kg:,.1f} kg"


def count_text(fish: int | None) -> str:
    return DASH if fish is None else f"{fish:,}"


def percent_text(pct: float | None) -> str:
    return DASH if not _known(pct) else f"{pct:,.2f} %"
