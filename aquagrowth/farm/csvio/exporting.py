"""Export a farm (or some of its batches) as a folder of CSV files in the import format.

Exporting and importing into an empty database gives the same farm: every stored record
except derived data (daily states, ground truth, recompute runs), which a recompute
rebuilds. Shared records (species, infrastructure, parameters, sensors) are always
exported whole, so a batch's files also import into a farm that lacks them.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

from django.db import connection, transaction

from aquagrowth.farm import models as m
from aquagrowth.farm.csvio.kinds.base import Kind
from aquagrowth.farm.csvio.progress import NoProgress, Progress
from aquagrowth.farm.csvio.registry import all_kinds
from aquagrowth.farm.models import FarmIdentity

log = logging.getLogger("aquagrowth.farm.csvio")

FETCH_ROWS = 5000


class UnknownBatches(LookupError):
    """Batch numbers asked for that the database does not have."""


def export_farm(
    folder: Path, batch_numbers: Sequence[str] | None = None, progress: Progress | None = None
) -> dict[str, int]:
    """Write every file of the format into ``folder``; return the rows written per file.

    With ``batch_numbers`` only those batches and their records are written (readings of
    their containers during their stays, with a week either side). Refuses to overwrite:
    raises ``FileExistsError`` when ``folder`` already holds a file of the format.
    """
    folder = Path(folder)
    progress = progress or NoProgress()
    kinds = all_kinds()
    targets = [folder / kind.spec.file_name for kind in kinds]
    existing = [path.name for path in targets if path.exists()]
    if existing:
        raise FileExistsError(f"{folder} already holds {', '.join(existing)}")
    folder.mkdir(parents=True, exist_ok=True)
    own_source = FarmIdentity.own_source()  # made before the read-only snapshot
    with _one_snapshot():
        batch_ids = _batch_ids(batch_numbers)
        written = {
            kind.name: _write(kind, path, batch_ids, progress, own_source)
            for kind, path in zip(kinds, targets, strict=True)
        }
    log.info("exported %s: %s", folder, written)
    return written


def _batch_ids(numbers: Sequence[str] | None) -> set[int] | None:
    if numbers is None:
        return None
    found = dict(m.Batch.objects.filter(number__in=numbers).values_list("number", "pk"))
    missing = sorted(set(numbers) - set(found))
    if missing:
        raise UnknownBatches(f"no batch {', '.join(missing)}")
    return set(found.values())


@contextmanager
def _one_snapshot():
    """On PostgreSQL all files are read in one repeatable-read transaction, so a farm that
    changes during a long export is still written as it was at one moment. SQLite's
    transactions here take the write lock, which would stall the farm's writers, so it
    reads file by file. Inside a caller's transaction the caller's isolation holds."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _write(
    kind: Kind, path: Path, batch_ids: set[int] | None, progress: Progress, own_source: str
) -> int:
    """One file; an event without an identity of its own is written with the one the
    export makes (this farm's source name, its id), so importing the folder into this
    farm again changes nothing (docs/data-in.md)."""
    spec = kind.spec
    cells = [column.cell for column in spec.columns]
    identity = None
    if kind.identified:
        names = spec.column_names
        identity = (names.index("source"), names.index("external_id"), own_source)
    rows = kind.stored(batch_ids)
    progress.start(f"export {spec.file_name}", rows.count())
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(spec.column_names)
        for pk, *values in rows.iterator(chunk_size=FETCH_ROWS):
            if identity is not None and not values[identity[1]]:
                values[identity[0]], values[identity[1]] = identity[2], str(pk)
            writer.writerow([cell.format(value) for cell, value in zip(cells, values, strict=True)])
            count += 1
            if count % FETCH_ROWS == 0:
                progress.advance(FETCH_ROWS)
        progress.advance(count % FETCH_ROWS)
    progress.finish()
    return count
