"""Standing biomass of sites and licence groups from the daily states, the forecast from
the pens' forward projections, and the cap (docs/sites.md, "Biomass against the cap")."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property, reduce
from operator import or_

import numpy as np
from django.db.models import Count, ExpressionWrapper, F, FloatField, OuterRef, Q, Subquery, Sum

from aquagrowth.analysis.projections import PenPath, pen_paths
from aquagrowth.engine.models import DailyState
from aquagrowth.engine.scenario import ScenarioInForce, StageTable, read_scenario, read_stages
from aquagrowth.engine.weight_fit import current_smoother_params
from aquagrowth.farm.models import Assignment, Batch, BatchStatus, Container
from aquagrowth.sites import core
from aquagrowth.sites.models import LicenceGroup
from aquagrowth.sites.site import Site, of_sea_area, of_station

FORECAST_DAYS = 730
"""How far the forecast looks (days after the latest actual day): two years, a sea
cycle's length, so a crossing at the peak of the stock now at sea is seen."""


def group_sites(group: LicenceGroup) -> list[Site]:
    """The stations and sea areas a licence group covers."""
    stations = [of_station(s) for s in group.stations.select_related("geography")]
    return stations + [of_sea_area(a) for a in group.sea_areas.select_related("geography")]


def containers_of(sites: list[Site]) -> Q:
    """A condition on containers: in any of ``sites`` (none when the list is empty)."""
    return reduce(or_, (site.containers() for site in sites), Q(pk__in=[]))


_UNKNOWN = Q(biomass_kg__isnull=True, population__gt=0)
"""A pen holding fish of unknown weight: its biomass is not in a day's sum."""

_UNBANDED = Q(biomass_kg__isnull=False, biomass_high_kg__isnull=True, population__gt=0)
"""A pen in a day's sum without a biomass band (the anchored model): no band that day."""

_SPREAD = F("biomass_high_kg") - F("biomass_kg")
_BAND_SQUARED = Sum(ExpressionWrapper(_SPREAD * _SPREAD, output_field=FloatField()))
"""The sum of (high - biomass)^2 of the day's pens: Z90^2 times the sum of their
variances (``core.standing_band``), added in the one aggregate query."""


@dataclass
class Series:
    """Daily standing biomass: one value per date with states."""

    dates: list[dt.date]
    biomass_kg: np.ndarray
    pens_unknown: np.ndarray
    """Pens holding fish of unknown weight that day (their biomass is not in the sum)."""
    variance_kg2: np.ndarray | None = None
    """The sum of the day's pens' biomass variances (kg^2), their errors independent."""
    pens_unbanded: np.ndarray | None = None
    """Pens in the day's sum without a band: the day has none (``core.standing_band``)."""

    def band_kg(self) -> tuple[np.ndarray, np.ndarray]:
        """The 90 % band (kg) per day, NaN where there is none."""
        if self.variance_kg2 is None or self.pens_unbanded is None:
            nothing = np.full(len(self.dates), np.nan)
            return nothing, nothing
        return core.standing_band(self.biomass_kg, self.variance_kg2, self.pens_unbanded)

    @property
    def latest(self) -> dt.date | None:
        return self.dates[-1] if self.dates else None

    def to_json(self) -> list[dict]:
        low, high = self.band_kg()
        return [
            {
                "date": d,
                "biomass_t": round(float(b) / 1000.0, 3),
                "biomass_low_t": _tonnes(lo),
                "biomass_high_t": _tonnes(hi),
                "pens_unknown": int(u),
            }
            for d, b, lo, hi, u in zip(
                self.dates, self.biomass_kg, low, high, self.pens_unknown, strict=True
            )
        ]


def _tonnes(kg: float) -> float | None:
    return round(float(kg) / 1000.0, 3) if np.isfinite(kg) else None


def daily_biomass(containers: Q, since: dt.date | None = None) -> Series:
    """The sum of the daily states' biomass per date of the stays in ``containers``.

    One aggregate query; a stay is found through its assignment (the states' one index).
    """
    stays = Assignment.objects.filter(
        container__in=Container.objects.filter(containers).values("pk")
    ).values("pk")
    states = DailyState.objects.filter(assignment__in=stays)
    if since is not None:
        states = states.filter(date__gte=since)
    rows = list(
        states.values("date")
        .annotate(
            kg=Sum("biomass_kg"),
            unknown=Count("pk", filter=_UNKNOWN),
            band=_BAND_SQUARED,
            unbanded=Count("pk", filter=_UNBANDED),
        )
        .order_by("date")
        .values_list("date", "kg", "unknown", "band", "unbanded")
    )
    return Series(
        dates=[r[0] for r in rows],
        biomass_kg=np.array([r[1] or 0.0 for r in rows], dtype=float),
        pens_unknown=np.array([r[2] for r in rows], dtype=np.int64),
        variance_kg2=np.array([(r[3] or 0.0) / core.Z90**2 for r in rows], dtype=float),
        pens_unbanded=np.array([r[4] for r in rows], dtype=np.int64),
    )


@dataclass
class PathCache:
    """Plans and forward paths per batch, read once per evaluation however many groups
    and rules use them."""

    paths: dict[int, list[PenPath] | None] = field(default_factory=dict)
    plans: dict[int, ScenarioInForce] = field(default_factory=dict)
    stages: dict[int, StageTable] = field(default_factory=dict)

    def plan(self, batch: Batch) -> ScenarioInForce:
        """The batch's scenario in force (its species' stages read once)."""
        if batch.pk not in self.plans:
            if batch.species_id not in self.stages:
                self.stages[batch.species_id] = read_stages(batch.species_id)
            self.plans[batch.pk] = read_scenario(batch, self.stages[batch.species_id])
        return self.plans[batch.pk]

    def of(self, batch: Batch) -> list[PenPath] | None:
        """The batch's pen paths; None when it has no scenario to project with."""
        if batch.pk not in self.paths:
            planned = self.plan(batch)
            self.paths[batch.pk] = (
                None
                if planned.scenario is None
                else pen_paths(batch, planned, own_tgc=self.own_tgc)
            )
        return self.paths[batch.pk]

    @cached_property
    def own_tgc(self) -> bool:
        """Whether pens grow at their own TGC ahead: the farm's weight model is fitted
        (one read, whatever the number of batches)."""
        return current_smoother_params() is not None


@dataclass
class Forecast:
    """A group's (or a site's) biomass against its cap, now and forecast."""

    cap_kg: float | None
    actual: Series
    from_date: dt.date | None
    forecast_kg: np.ndarray
    not_projected: list[str]
    crossing: core.Crossing | None = None

    @property
    def latest_kg(self) -> float | None:
        return float(self.actual.biomass_kg[-1]) if self.actual.dates else None

    @property
    def headroom_kg(self) -> float | None:
        if self.cap_kg is None or self.latest_kg is None:
            return None
        return self.cap_kg - self.latest_kg

    @property
    def first_over(self) -> dt.date | None:
        """The first day over the cap: the latest actual day when over already."""
        if self.crossing is None or self.from_date is None:
            return None
        return self.from_date + dt.timedelta(days=self.crossing.index)

    def days_to_cap(self) -> int | None:
        return None if self.crossing is None else self.crossing.index

    def against(self, cap_kg: float | None) -> Forecast:
        """The same biomass and forecast against another cap."""
        crossing = None if cap_kg is None else core.first_over(self.forecast_kg, cap_kg)
        return Forecast(
            cap_kg, self.actual, self.from_date, self.forecast_kg, self.not_projected, crossing
        )

    def to_json(self, series: bool = True) -> dict:
        peak = int(np.argmax(self.forecast_kg)) if self.forecast_kg.size else None
        out = {
            "cap_t": None if self.cap_kg is None else round(self.cap_kg / 1000.0, 3),
            "actual_through": self.from_date,
            "latest_t": None if self.latest_kg is None else round(self.latest_kg / 1000.0, 3),
            "headroom_t": None if self.headroom_kg is None else round(self.headroom_kg / 1000, 3),
            "first_over": self.first_over,
            "excess_t": None if self.crossing is None else round(self.crossing.excess_kg / 1000, 3),
            "peak_t": None if peak is None else round(float(self.forecast_kg[peak]) / 1000.0, 3),
            "peak_date": None
            if peak is None or self.from_date is None
            else self.from_date + dt.timedelta(days=peak),
            "not_projected": self.not_projected,
        }
        if series:
            out["actual"] = self.actual.to_json()
            out["forecast"] = [
                {"date": self.from_date + dt.timedelta(days=i), "biomass_t": round(v / 1000.0, 3)}
                for i, v in enumerate(self.forecast_kg.tolist())
            ]
        return out


def forecast(
    sites: list[Site], cap_kg: float | None, cache: PathCache | None = None, since=None
) -> Forecast:
    """Biomass of ``sites`` against ``cap_kg``: the actual series, and from its latest
    day the sum of every pen's forward path (index 0 = the latest actual day, its value
    the actual biomass, so a site over its cap already crosses at index 0)."""
    where = containers_of(sites)
    actual = daily_biomass(where, since)
    container_ids = set(Container.objects.filter(where).values_list("pk", flat=True))
    batches = Batch.objects.filter(
        status=BatchStatus.ACTIVE,
        assignments__container_id__in=container_ids,
        assignments__departure_date__isnull=True,
    ).distinct()
    return _projected(actual, cap_kg, container_ids, list(batches), cache or PathCache())


def _projected(
    actual: Series, cap_kg: float | None, container_ids: set[int], batches: list, cache
) -> Forecast:
    """The forecast of the pens in ``container_ids`` of ``batches`` after ``actual``."""
    if actual.latest is None:
        return Forecast(cap_kg, actual, None, np.zeros(0), [])
    from_date = actual.latest
    starts, paths, not_projected = [], [], []
    for batch in batches:
        found = cache.of(batch)
        if found is None:
            not_projected.append(batch)
            continue
        for pen in found:
            if pen.container_id in container_ids:
                starts.append((pen.from_date - from_date).days + 1)
                paths.append(pen.biomass_kg)
    projected = core.sum_paths(np.array(starts, dtype=np.int64), paths, FORECAST_DAYS + 1)
    projected[0] = actual.biomass_kg[-1]
    if not_projected:
        # A batch without a scenario is held at its latest biomass: there, not growing.
        held = DailyState.objects.filter(
            assignment__in=Assignment.objects.filter(
                batch__in=not_projected, container_id__in=container_ids
            ).values("pk"),
            date=from_date,
        ).aggregate(kg=Sum("biomass_kg"))["kg"]
        projected[1:] += held or 0.0
    crossing = None if cap_kg is None else core.first_over(projected, cap_kg)
    names = [b.number for b in not_projected]
    return Forecast(cap_kg, actual, from_date, projected, names, crossing)


def group_forecasts(groups, cache: PathCache, since: dt.date) -> dict[int, Forecast]:
    """Every group's forecast from ``since`` on, its reads shared: one aggregate of the
    daily biomass per site and date, one of the open stays, then the pens' paths."""
    groups = list(groups.prefetch_related("licences", "stations", "sea_areas"))
    containers = Container.objects.filter(
        Q(sea_area__licence_groups__in=groups) | Q(hall__station__licence_groups__in=groups)
    ).values_list("pk", "sea_area_id", "hall__station_id")
    site_of = {pk: ("a", area) if area else ("s", station) for pk, area, station in containers}
    per_site: dict[tuple, dict[dt.date, list]] = defaultdict(dict)
    for area, station, day, *sums in (
        DailyState.objects.filter(
            assignment__in=Assignment.objects.filter(container__in=list(site_of)).values("pk"),
            date__gte=since,
        )
        .values("container__sea_area", "container__hall__station", "date")
        .annotate(
            kg=Sum("biomass_kg"),
            unknown=Count("pk", filter=_UNKNOWN),
            band=_BAND_SQUARED,
            unbanded=Count("pk", filter=_UNBANDED),
        )
        .values_list(
            "container__sea_area",
            "container__hall__station",
            "date",
            "kg",
            "unknown",
            "band",
            "unbanded",
        )
    ):
        kg, unknown, band, unbanded = sums
        per_site[("a", area) if area else ("s", station)][day] = [
            kg or 0.0,
            unknown,
            (band or 0.0) / core.Z90**2,
            unbanded,
        ]
    batches_in: dict[int, set[int]] = defaultdict(set)
    for container_id, batch_id in Assignment.objects.filter(
        container__in=list(site_of), departure_date__isnull=True, batch__status=BatchStatus.ACTIVE
    ).values_list("container_id", "batch_id"):
        batches_in[container_id].add(batch_id)
    batch_of = Batch.objects.in_bulk({b for ids in batches_in.values() for b in ids})
    found = {}
    for group in groups:
        sites = {("a", a.pk) for a in group.sea_areas.all()} | {
            ("s", s.pk) for s in group.stations.all()
        }
        ids = {pk for pk, site in site_of.items() if site in sites}
        summed: dict[dt.date, list] = defaultdict(lambda: [0.0, 0, 0.0, 0])
        for site in sites:
            for day, values in per_site[site].items():
                summed[day] = [a + b for a, b in zip(summed[day], values, strict=True)]
        dates = sorted(summed)
        actual = Series(
            dates,
            np.array([summed[d][0] for d in dates], dtype=float),
            np.array([summed[d][1] for d in dates], dtype=np.int64),
            np.array([summed[d][2] for d in dates], dtype=float),
            np.array([summed[d][3] for d in dates], dtype=np.int64),
        )
        batches = [batch_of[b] for b in sorted({b for c in ids for b in batches_in[c]})]
        cap_t = group.cap_t()
        cap_kg = None if cap_t is None else cap_t * 1000
        if actual.latest is None and batches:
            # Fish whose states end before ``since``: read the whole history for them.
            found[group.pk] = forecast(group_sites(group), cap_kg, cache)
        else:
            found[group.pk] = _projected(actual, cap_kg, ids, batches, cache)
    return found


def group_forecast(group: LicenceGroup, cache: PathCache | None = None, since=None) -> Forecast:
    cap_t = group.cap_t()
    return forecast(group_sites(group), None if cap_t is None else cap_t * 1000.0, cache, since)


def open_pens(site: Site) -> list[dict]:
    """The pens of ``site`` holding fish on their stay's latest day: what the page lists
    (one query: each stay's latest state is one probe of the states' index)."""
    latest = DailyState.objects.filter(assignment=OuterRef("pk")).order_by("-date")
    stays = (
        Assignment.objects.filter(site.containers("container__"), departure_date__isnull=True)
        .annotate(
            day=Subquery(latest.values("date")[:1]),
            fish=Subquery(latest.values("population")[:1]),
            weight_g=Subquery(latest.values("avg_weight_g")[:1]),
            kg=Subquery(latest.values("biomass_kg")[:1]),
        )
        .filter(fish__gt=0)
        .order_by("container__name")
        .values_list(
            "container__name", "batch__number", "batch_id", "day", "fish", "weight_g", "kg"
        )
    )
    return [
        {
            "container": container,
            "batch": number,
            "batch_id": batch_id,
            "date": day,
            "fish": fish,
            "avg_weight_g": None if weight_g is None else round(weight_g, 1),
            "biomass_t": None if kg is None else round(kg / 1000.0, 3),
        }
        for container, number, batch_id, day, fish, weight_g, kg in stays
    ]
