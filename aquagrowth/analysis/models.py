"""What the growth answer's cache key reads besides the records it hashes by content."""

from __future__ import annotations

from django.db import models


class RecordsVersion(models.Model):
    """A counter per batch that the database bumps on every write of the batch's mortality
    records and harvests (triggers: ``migrations/0001_records_version.py``).

    The growth answer reads those records directly (deaths by cause, harvested fish and
    live weight), not only through the daily states, so an edit in place that changes no
    daily state (a cause corrected, a harvest's weight) must change the answer's key.
    Hashing them by content would read every record of the batch on every request (6,000
    for the seed farm's largest); the triggers make it one row read by its key. Being
    database triggers, they count every way of writing: the admin, the API, an import, a
    bulk update, SQL by hand. ``batch_id`` is a plain number, not a foreign key, so a
    trigger firing while a batch is deleted never writes a row its deletion then misses.
    """

    batch_id = models.BigIntegerField(primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.version}"
