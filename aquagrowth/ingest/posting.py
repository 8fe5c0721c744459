"""A request's events checked and stored as one import run, all or nothing.

The events go through :func:`~aquagrowth.farm.csvio.importing.import_sources`, the CSV
import's own checks and load: what a file may not hold, a request may not either, and
an event sent again by its identity is unchanged (a no-op) or an update (recorded as
an event change), never a second event. After the commit, each touched batch is
queued for recompute from its first changed day (:mod:`.recompute`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aquagrowth.farm.csvio.errors import ErrorLog, RowError
from aquagrowth.farm.csvio.format import FileSpec
from aquagrowth.farm.csvio.identity import RepeatPolicy
from aquagrowth.farm.csvio.importing import ImportOptions, ImportResult, import_sources
from aquagrowth.farm.csvio.registry import KIND_CLASSES
from aquagrowth.farm.csvio.sources import RecordSource
from aquagrowth.farm.models import Via
from aquagrowth.ingest import departures, payload
from aquagrowth.ingest import recompute as rq
from aquagrowth.ingest.guard import refusal

EVENT_KINDS = (
    "feeding",
    "mortality",
    "samples",
    "weighings",
    "transfers",
    "harvests",
    "readings",
    "population_counts",
)
"""The kinds of event the API takes, named as their CSV files."""
KINDS = (*EVENT_KINDS, "assignments", departures.KIND)
"""Every kind the API's URL may name."""
SPECS: dict[str, FileSpec] = {
    **{cls.spec.name: cls.spec for cls in KIND_CLASSES if cls.spec.name in KINDS},
    departures.KIND: departures.SPEC,
}
FINDINGS_SHOWN = 1000
"""Findings an answer lists; ``total`` counts them all."""

REPEAT_ADVICE = "?repeats=skip leaves such events out, ?repeats=allow stores them as new events"
REPEATS = {
    "report": RepeatPolicy(advice=REPEAT_ADVICE),
    "skip": RepeatPolicy(skip=True, advice=REPEAT_ADVICE),
    "allow": RepeatPolicy(allow=True, advice=REPEAT_ADVICE),
}
"""``?repeats=``: what to do with an event equal to a stored one it does not name."""


@dataclass(frozen=True)
class Answer:
    """An HTTP status and its JSON body."""

    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Request:
    """Who sends what: the kind, the parsed body, the user, ``?repeats=`` and the client
    (its User-Agent, for the import run's origin)."""

    kind: str
    events: Any
    user: Any
    repeats: str = "report"
    client: str = ""


def findings_answer(
    status: int, found: Sequence[RowError], total: int | None = None, **extra: Any
) -> Answer:
    """``{"findings": ["[3].amount_kg: ...", ...], "total": n}`` (``total`` counts the
    findings not listed too)."""
    shown = [str(error) for error in found[:FINDINGS_SHOWN]]
    return Answer(status, {**extra, "findings": shown, "total": total or len(found)})


def post(request: Request) -> Answer:
    """Check and store ``request``'s events; the answer (raises :class:`payload.BadBody`
    for a body that is no list of at most :data:`payload.MAX_EVENTS` items)."""
    events = payload.check_list(request.events)
    spec = SPECS[request.kind]
    errors = ErrorLog(limit=FINDINGS_SHOWN)
    records = payload.records_of(
        request.kind, spec, events, errors, with_fish=request.kind == "samples"
    )
    refused = refusal(request.kind, spec, records.by_kind[request.kind], request.user)
    if refused.forbidden:
        return findings_answer(403, refused.forbidden, detail="Not at one of your sites.")
    for error in refused.hidden:
        errors.add(error.file, error.line, error.column, error.reason)
    records.leave_out({error.line for error in refused.hidden})
    options = ImportOptions(
        repeats=REPEATS[request.repeats],
        who=request.user,
        who_name=request.user.get_username(),
        via=Via.API,
        origin=f"api {request.kind}: {len(events)} events; {request.client}".strip("; "),
        error_limit=FINDINGS_SHOWN,
    )
    if request.kind == departures.KIND:
        result = departures.record(records.by_kind[request.kind], options, errors)
    else:
        result = _import(records, options, errors)
    if not result.ok:
        mapped = [records.finding(error) for error in result.errors]
        return findings_answer(400, mapped, result.errors.total)
    windows = rq.with_learning(result.recompute_since, request.kind == "harvests")
    return Answer(
        201 if any(result.stored.values()) else 200, _counts(request.kind, result, windows)
    )


def _import(records: payload.Records, options: ImportOptions, errors: ErrorLog) -> ImportResult:
    sources = {}
    for name, rows in records.by_kind.items():
        header = list(SPECS.get(name, payload.FISH_SPEC).column_names)
        cells = [[row.get(c, "") for c in header] for row in rows]
        # Fish findings are renamed by their sample (Records.finding); the sample's own
        # rows are named by their index.
        sources[name] = RecordSource(
            header, cells, name=payload.FISH if name == payload.FISH else ""
        )
    return import_sources(sources, options, errors=errors)


def _counts(kind: str, result: ImportResult, windows: rq.Windows) -> dict[str, Any]:
    """The success answer: counts of the kind, the updates said, the run, the recompute."""
    body: dict[str, Any] = {
        "stored": result.stored.get(kind, 0),
        "updated": result.updated.get(kind, 0),
        "unchanged": result.already_stored.get(kind, 0),
        "repeats_skipped": result.repeats_skipped.get(kind, 0),
        "updates": result.updates_said,
        "import_run": result.run_id,
    }
    if payload.FISH in result.stored:
        body["fish"] = {
            "stored": result.stored[payload.FISH],
            "unchanged": result.already_stored.get(payload.FISH, 0),
        }
    body["recompute"] = rq.answer(rq.queue(windows))
    return body
