"""The unexplained loss of harvested pens and sites, as farms publish it for ASC.

The ASC salmon standard asks certified farms to publish, per site after harvest, the
fish stocked minus the recorded mortality minus the fish harvested, in fish and in % of
stocked (``../shared/spec/REAL_FARM.md``). Most of it is the counting machines' margin,
the rest fish nobody saw go (predation, escapes, dead fish never found). A pen that was
split before its harvest also sent fish on, so the balance here is

    unexplained = stocked - recorded mortality - transferred out - harvested

(negative: a gain, more fish came out than the records put in).

**From the records, not from the engine's summaries.** ``StaySummary`` also keeps each
stay's stocked fish and unexplained fish, but those are the engine's: its stocked fish
are the reconciled fish a departing pen sent on (not the counter's number the farm
recorded), and its unexplained fish are what is left after the model's expected deaths
on the days past the last mortality record. The published figure is the farm's own
arithmetic on its own counts, and a report must be true to the records the moment they
are entered, before any recompute (and on a farm never computed). So every number here
is a sum of records: egg inputs' opening counts, completed transfers' counts, mortality
records' counts and harvests' counts.

**Which stays.** A stay is in the report when a harvest emptied it, by the engine's rule
(``docs/engine.md``, "A count closes a stretch"): it has departed, its last day
(``departure_date - 1``) harvests fish, and no completed transfer leaves it on its
departure day (those would be what emptied it). A harvest over several days counts all
of them. Stays still holding fish (no departure date) are not in it: their loss is
known only when a harvest counts them, so the report counts them instead (``open``).
Stays that moved on by transfer are not in it either: their fish live on elsewhere.

**Sites.** A site is a freshwater station (container -> hall -> station) or a sea area
(container -> sea area). Its totals are per site and batch, a site's production cycle,
which is what farms publish after each cycle's harvest (two batches at one site are two
cycles). Fish moved between two pens of the same total are counted in neither its
stocked nor its transferred out: they were stocked into the site once.

A constant number of queries, however many pens.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum

from aquagrowth.farm.models import (
    Assignment,
    Batch,
    FreshwaterStation,
    Harvest,
    MortalityEvent,
    SeaArea,
    TransferAction,
    TransferStatus,
)

STATION, SEA_AREA = "station", "sea_area"
PCT_DECIMALS = 2


class UnknownSite(LookupError):
    """No freshwater station and no sea area has the name asked for."""


@dataclass(frozen=True)
class Site:
    """A freshwater station or a sea area, named as the farm names it."""

    kind: str
    id: int
    name: str
    geography: str


@dataclass(frozen=True)
class Balance:
    """The fish that went into a pen (or a site) and every way they left it."""

    stocked: int
    mortality: int
    transferred_out: int
    harvested: int

    @property
    def unexplained_fish(self) -> int:
        """Fish that left without a record (negative: found without one)."""
        return self.stocked - self.mortality - self.transferred_out - self.harvested

    @property
    def unexplained_pct(self) -> float | None:
        """The unexplained fish in % of stocked (``None`` when nothing was stocked)."""
        if self.stocked <= 0:
            return None
        return round(100.0 * self.unexplained_fish / self.stocked, PCT_DECIMALS)


@dataclass(frozen=True)
class PenLoss(Balance):
    """One stay a harvest emptied."""

    assignment_id: int
    batch_id: int
    batch: str
    site: Site
    container: str
    stage: str
    stocked_on: dt.date
    harvested_from: dt.date
    harvested_to: dt.date


@dataclass(frozen=True)
class SiteLoss(Balance):
    """A site's production cycle: the pens of one batch at one site a harvest emptied;
    ``open_pens`` of the batch's stays at the site still hold fish."""

    site: Site
    batch_id: int
    batch: str
    pens: int
    open_pens: int
    harvested_from: dt.date
    harvested_to: dt.date


@dataclass(frozen=True)
class LossReport:
    """Pens and sites, sorted by batch, site and container; ``open_pens``: the stays
    the filters chose that still hold fish, which no harvest has counted yet."""

    pens: list[PenLoss]
    sites: list[SiteLoss]
    open_pens: int


_SITE_FIELDS = (
    "container__hall__station_id",
    "container__hall__station__name",
    "container__hall__station__geography__name",
    "container__sea_area_id",
    "container__sea_area__name",
    "container__sea_area__geography__name",
)


def unexplained_loss(
    batch: Batch | None = None,
    site: str | None = None,
    batches: QuerySet[Batch] | None = None,
) -> LossReport:
    """The unexplained loss of every stay a harvest emptied, of ``batch`` and at the
    site named ``site`` when given (all otherwise), of the batches in ``batches`` only
    when given (a user's: ``aquagrowth.accounts.sites.visible_batches``); raises
    :class:`UnknownSite`."""
    if site is not None and not site_exists(site):
        raise UnknownSite(site)
    chosen = _chosen_stays(batch, site)
    if batches is not None:
        chosen = chosen.filter(batch__in=batches.values("pk"))
    departed = chosen.filter(departure_date__isnull=False).filter(
        Exists(Harvest.objects.filter(assignment=OuterRef("pk")))
    )
    stays = _emptied_by_harvest(departed)
    harvests = {
        row["assignment_id"]: row
        for row in Harvest.objects.filter(assignment__in=departed.values("pk"))
        .values("assignment_id")
        .annotate(fish=Sum("count"), first=Min("harvest_date"), last=Max("harvest_date"))
    }
    deaths = dict(
        MortalityEvent.objects.filter(assignment__in=departed.values("pk"))
        .values("assignment_id")
        .annotate(fish=Sum("count"))
        .values_list("assignment_id", "fish")
    )
    moves = _moves(departed)
    placed: dict[int, int] = defaultdict(int)
    moved_out: dict[int, int] = defaultdict(int)
    for source, dest, fish in moves:
        placed[dest] += fish
        moved_out[source] += fish
    pens = [
        _pen(stay, harvests[stay["id"]], deaths.get(stay["id"], 0), placed, moved_out)
        for stay in stays
    ]
    pens.sort(key=lambda p: (p.batch, p.site.name, p.container, p.assignment_id))
    open_by_cycle = _open_by_cycle(chosen)
    sites = _sites(pens, moves, open_by_cycle)
    return LossReport(pens=pens, sites=sites, open_pens=sum(open_by_cycle.values()))


def site_exists(name: str) -> bool:
    """Whether a station or a sea area has this name (one or two small queries)."""
    stations = FreshwaterStation.objects.filter(name=name).values("id")
    return SeaArea.objects.filter(name=name).exists() or stations.exists()


def _chosen_stays(batch: Batch | None, site: str | None) -> QuerySet:
    """The stays the filters choose, harvested or not."""
    stays = Assignment.objects.all()
    if batch is not None:
        stays = stays.filter(batch=batch)
    if site is not None:
        stays = stays.filter(
            Q(container__hall__station__name=site) | Q(container__sea_area__name=site)
        )
    return stays


def _emptied_by_harvest(departed: QuerySet) -> list[dict]:
    """The departed stays whose last day harvests fish and whose departure day moves no
    fish on (one query; the day arithmetic in Python, where both databases agree)."""
    last_harvest = (
        Harvest.objects.filter(assignment=OuterRef("pk"), count__gt=0)
        .order_by("-harvest_date")
        .values("harvest_date")[:1]
    )
    moved_on = TransferAction.objects.filter(
        source_assignment=OuterRef("pk"),
        execution_date=OuterRef("departure_date"),
        status=TransferStatus.COMPLETED,
    )
    rows = departed.annotate(last_harvest=Subquery(last_harvest), moved_on=Exists(moved_on)).values(
        "id",
        "batch_id",
        "batch__number",
        "container__name",
        "stage__name",
        "assignment_date",
        "departure_date",
        "population_count",
        "last_harvest",
        "moved_on",
        *_SITE_FIELDS,
    )
    one_day = dt.timedelta(days=1)
    return [
        row
        for row in rows
        if row["last_harvest"] == row["departure_date"] - one_day and not row["moved_on"]
    ]


def _moves(departed: QuerySet) -> list[tuple[int, int, int]]:
    """(source, destination, fish) of every completed transfer into or out of the
    departed stays (one query)."""
    ids = departed.values("pk")
    return list(
        TransferAction.objects.filter(status=TransferStatus.COMPLETED)
        .filter(Q(source_assignment__in=ids) | Q(dest_assignment__in=ids))
        .values_list("source_assignment_id", "dest_assignment_id", "transferred_count")
    )


def _site(row: dict) -> Site:
    """The site of a stay's container, from the values of :data:`_SITE_FIELDS`."""
    if row["container__hall__station_id"] is not None:
        return Site(
            STATION,
            row["container__hall__station_id"],
            row["container__hall__station__name"],
            row["container__hall__station__geography__name"],
        )
    return Site(
        SEA_AREA,
        row["container__sea_area_id"],
        row["container__sea_area__name"],
        row["container__sea_area__geography__name"],
    )


def _pen(
    stay: dict, harvest: dict, mortality: int, placed: dict[int, int], moved_out: dict[int, int]
) -> PenLoss:
    """One stay's balance: stocked = its opening count (an egg input, or fish bought in)
    and the fish moved in by transfers."""
    return PenLoss(
        stocked=stay["population_count"] + placed.get(stay["id"], 0),
        mortality=mortality,
        transferred_out=moved_out.get(stay["id"], 0),
        harvested=harvest["fish"],
        assignment_id=stay["id"],
        batch_id=stay["batch_id"],
        batch=stay["batch__number"],
        site=_site(stay),
        container=stay["container__name"],
        stage=stay["stage__name"],
        stocked_on=stay["assignment_date"],
        harvested_from=harvest["first"],
        harvested_to=harvest["last"],
    )


def _open_by_cycle(chosen: QuerySet) -> dict[tuple[str, int, int], int]:
    """(site kind, site id, batch id) -> the chosen stays there still holding fish."""
    rows = (
        chosen.filter(departure_date__isnull=True)
        .values("batch_id", *_SITE_FIELDS)
        .annotate(stays=Count("id"))
    )
    found: dict[tuple[str, int, int], int] = defaultdict(int)
    for row in rows:
        site = _site(row)
        found[(site.kind, site.id, row["batch_id"])] += row["stays"]
    return found


def _sites(
    pens: Iterable[PenLoss],
    moves: list[tuple[int, int, int]],
    open_by_cycle: dict[tuple[str, int, int], int],
) -> list[SiteLoss]:
    """Each site's production cycle: its pens summed, moves between them left out."""
    groups: dict[tuple[str, int, int], list[PenLoss]] = defaultdict(list)
    for pen in pens:
        groups[(pen.site.kind, pen.site.id, pen.batch_id)].append(pen)
    sites = []
    for key, members in groups.items():
        ids = {pen.assignment_id for pen in members}
        internal = sum(fish for source, dest, fish in moves if source in ids and dest in ids)
        first = members[0]
        sites.append(
            SiteLoss(
                stocked=sum(p.stocked for p in members) - internal,
                mortality=sum(p.mortality for p in members),
                transferred_out=sum(p.transferred_out for p in members) - internal,
                harvested=sum(p.harvested for p in members),
                site=first.site,
                batch_id=first.batch_id,
                batch=first.batch,
                pens=len(members),
                open_pens=open_by_cycle.get(key, 0),
                harvested_from=min(p.harvested_from for p in members),
                harvested_to=max(p.harvested_to for p in members),
            )
        )
    sites.sort(key=lambda s: (s.site.name, s.site.geography, s.batch))
    return sites


def _balance(row: Balance) -> dict:
    return {
        "stocked": row.stocked,
        "mortality": row.mortality,
        "transferred_out": row.transferred_out,
        "harvested": row.harvested,
        "unexplained_fish": row.unexplained_fish,
        "unexplained_pct": row.unexplained_pct,
    }


def pen_row(pen: PenLoss) -> dict:
    """A pen as a flat record (the CSV's, the JSON's and the API's fields)."""
    return {
        "batch": pen.batch,
        "site": pen.site.name,
        "site_kind": pen.site.kind,
        "geography": pen.site.geography,
        "container": pen.container,
        "stage": pen.stage,
        "stocked_on": pen.stocked_on,
        "harvested_from": pen.harvested_from,
        "harvested_to": pen.harvested_to,
        **_balance(pen),
    }


def site_row(site: SiteLoss) -> dict:
    """A site's production cycle as a flat record."""
    return {
        "batch": site.batch,
        "site": site.site.name,
        "site_kind": site.site.kind,
        "geography": site.site.geography,
        "pens": site.pens,
        "open_pens": site.open_pens,
        "harvested_from": site.harvested_from,
        "harvested_to": site.harvested_to,
        **_balance(site),
    }


def report_data(report: LossReport) -> dict:
    """The whole report as plain data: ``pens``, ``sites`` and ``open_pens``."""
    return {
        "pens": [pen_row(pen) for pen in report.pens],
        "sites": [site_row(site) for site in report.sites],
        "open_pens": report.open_pens,
    }
