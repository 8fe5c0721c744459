"""Where records came from and how they changed: event identity, import runs, changes.

A farm's systems send the same event more than once (a retried request, overlapping
monthly exports). An event's identity, ``(source, external_id)``, makes a repeat a
no-op and a changed repeat an update with its history, never a second event
(docs/data-in.md).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

SOURCE_MAX = 50
EXTERNAL_ID_MAX = 100
OWN_SOURCE_PREFIX = "aquagrowth:"
"""The start of this farm's own source name, written by export for events without an
identity of their own: ``aquagrowth:<farm uuid>``, with the event's id as external id."""


class Via(models.TextChoices):
    CSV = "csv", "CSV or spreadsheet import"
    API = "api", "Event API"
    ADMIN = "admin", "Admin site"
    UNDO = "undo", "Undo of an import"


class FarmIdentity(models.Model):
    """This database's farm, once: the id its exports name their events by."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name_plural = "farm identity"

    @classmethod
    def own_source(cls, make: bool = True) -> str | None:
        """``aquagrowth:<uuid>``: the source name of this farm's own events. Made on
        first use (``make``); without ``make``, None while there is none yet (then no
        export has named an event by it)."""
        farm = cls.objects.get_or_create(pk=1)[0] if make else cls.objects.filter(pk=1).first()
        return None if farm is None else f"{OWN_SOURCE_PREFIX}{farm.uuid.hex}"


class ImportRunState(models.TextChoices):
    STORED = "stored", "Stored"
    UNDONE = "undone", "Undone"


class ImportRun(models.Model):
    """One import (a folder of files, or one API request) that stored something."""

    started_at = models.DateTimeField(auto_now_add=True)
    who = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    who_name = models.CharField(
        max_length=150, blank=True, help_text="The user, or the OS account of a command."
    )
    via = models.CharField(max_length=8, choices=Via.choices)
    origin = models.CharField(max_length=500, blank=True, help_text="Folder or API client.")
    counts = models.JSONField(
        default=dict,
        help_text="Per kind: rows stored, updated, unchanged, repeats skipped.",
    )
    state = models.CharField(
        max_length=8, choices=ImportRunState.choices, default=ImportRunState.STORED
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.via}, {self.started_at:%Y-%m-%d %H:%M}, {self.state})"


class ImportedRecord(models.Model):
    """A keyed record (batch, assignment, container, ...) that an import run created: an
    undo removes it. Events carry their run themselves (``import_run``)."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="records")
    model = models.CharField(max_length=100, help_text="app_label.model")
    record_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["run", "model"], name="imported_run_model")]


class ChangeAction(models.TextChoices):
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"


class EventChange(models.Model):
    """A stored event changed or deleted after it was first stored: who, when, how, and
    its values before and after (JSON by field name; ``after`` is empty for a delete)."""

    at = models.DateTimeField(auto_now_add=True)
    who = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    who_name = models.CharField(max_length=150, blank=True)
    via = models.CharField(max_length=8, choices=Via.choices)
    run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    model = models.CharField(max_length=100, help_text="app_label.model of the event")
    event_id = models.BigIntegerField()
    source = models.CharField(max_length=SOURCE_MAX, blank=True)
    external_id = models.CharField(max_length=EXTERNAL_ID_MAX, blank=True)
    action = models.CharField(max_length=8, choices=ChangeAction.choices)
    before = models.JSONField()
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["model", "event_id"], name="change_event")]

    def __str__(self) -> str:
        return f"{self.action} {self.model} {self.event_id} at {self.at:%Y-%m-%d %H:%M}"


class Imported(models.Model):
    """The import run that stored a record (no index: only an undo looks it up)."""

    import_run = models.ForeignKey(
        ImportRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        related_name="+",
    )

    class Meta:
        abstract = True


class Identified(Imported):
    """What every event carries besides its values: its identity in the system it came
    from (readings are keyed by sensor and time instead) and its import run."""

    source = models.CharField(max_length=SOURCE_MAX, blank=True, default="", db_default="")
    external_id = models.CharField(
        max_length=EXTERNAL_ID_MAX, blank=True, default="", db_default=""
    )

    class Meta:
        abstract = True


def identity_constraint(prefix: str) -> models.UniqueConstraint:
    """One event per ``(source, external_id)`` of a kind; events without an external id
    have no identity and are not constrained."""
    return models.UniqueConstraint(
        fields=["source", "external_id"],
        condition=~models.Q(external_id=""),
        name=f"{prefix}_identity",
    )
