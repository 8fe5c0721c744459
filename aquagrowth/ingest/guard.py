"""Rows a user may not write: containers outside its sites, batches it cannot see.

docs/data-in.md ("Sites"): a write to a container outside one's sites is refused (403)
and names the row; a batch of sites one cannot see is answered as one that does not
exist, with the very finding the import gives an unknown batch, so that its existence
is not told (a batch without any stay is no site's yet: anyone who writes may give it
its first stay). Three queries per request, whatever its length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aquagrowth.farm.csvio.cells import CellError
from aquagrowth.farm.csvio.errors import RowError
from aquagrowth.farm.csvio.format import FileSpec
from aquagrowth.farm.models import Batch, Container
from aquagrowth.ingest.access import visible_batches, writable_container_ids
from aquagrowth.ingest.payload import Record

CONTAINER_FIELDS: dict[str, tuple[str, ...]] = {
    "transfers": ("source_container", "dest_container"),
}
"""The fields naming a container, where not ``container``."""


@dataclass
class Refusal:
    """``forbidden``: rows naming a container outside the user's sites (403);
    ``hidden``: rows naming a batch the user cannot see (400, as an unknown batch)."""

    forbidden: list[RowError] = field(default_factory=list)
    hidden: list[RowError] = field(default_factory=list)


def refusal(kind: str, spec: FileSpec, records: Sequence[Record], user) -> Refusal:
    """What of ``records`` (of ``kind``, under ``spec``) ``user`` may not write."""
    found = Refusal()
    writable = writable_container_ids(user)
    if writable is not None:
        fields = CONTAINER_FIELDS.get(kind, ("container",))
        named = _values(spec, records, fields)
        ids = dict(
            Container.objects.filter(name__in={v for _, _, v in named}).values_list("name", "pk")
        )
        for index, name, value in named:
            if value in ids and ids[value] not in writable:
                found.forbidden.append(
                    RowError("", index, name, f"container {value} is not at one of your sites")
                )
    if "batch" in spec.column_names:
        named = _values(spec, records, ("batch",))
        numbers = {v for _, _, v in named}
        # A batch without any stay is nobody's site's yet: its first stay may be added.
        placed = Batch.objects.filter(number__in=numbers, assignments__isnull=False)
        stored = set(placed.values_list("number", flat=True).distinct())
        seen = visible_batches(user, Batch.objects.filter(number__in=stored))
        hidden = stored - set(seen.values_list("number", flat=True))
        for index, name, value in named:
            if value in hidden:
                reason = f"no batch {value!r} in the files or the database"
                found.hidden.append(RowError("", index, name, reason))
    return found


def _values(
    spec: FileSpec, records: Sequence[Record], fields: tuple[str, ...]
) -> list[tuple[int, str, str]]:
    """(index, field, parsed value) of every named field that parses (the import
    reports the others)."""
    cells = {column.name: column.cell for column in spec.columns}
    values = []
    for name in fields:
        # A request names a few containers and batches many times: each text parsed once.
        parsed: dict[str, object] = {}
        for text in {record.get(name, "") for record in records}:
            try:
                parsed[text] = cells[name].parse(text)
            except CellError:
                parsed[text] = None
        for index, record in enumerate(records):
            value = parsed[record.get(name, "")]
            if value:
                values.append((index, name, value))
    values.sort(key=lambda found: found[0])
    return values
