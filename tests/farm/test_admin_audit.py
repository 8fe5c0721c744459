"""Corrections and deletions of events in the admin leave an event change behind: who,
through the admin, the event's kind, id and identity, and its values before and after."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client, RequestFactory

from aquagrowth.farm import audit
from aquagrowth.farm import models as m
from aquagrowth.farm.admin import EventAdmin

# Each kind of event and a value a person corrects in it.
CORRECTIONS = {
    m.FeedingEvent: ("amount_kg", 2.75),
    m.MortalityEvent: ("count", 125),
    m.GrowthSample: ("avg_weight_g", 0.65),
    m.Weighing: ("avg_weight_g", 1.25),
    m.TransferAction: ("transferred_count", 97_500),
    m.Harvest: ("count", 11),
    m.PopulationCount: ("count", 185_000),
}


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_superuser("farm-admin", "admin@example.com", "pw")


@pytest.fixture
def browser(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def url(event, view: str) -> str:
    return f"/admin/farm/{event._meta.model_name}/{event.pk}/{view}/"


def change_form(event, staff: User, **changes) -> dict:
    """What the admin's change form posts for ``event``, with ``changes``: the form's own
    initial values, and empty inline forms (none added, none changed)."""
    model_admin = admin.site._registry[type(event)]
    request = RequestFactory().get("/")
    request.user = staff
    form = model_admin.get_form(request, event)(instance=event)
    data = {name: form[name].value() for name in form.fields}
    for formset, _ in model_admin.get_formsets_with_inlines(request, event):
        prefix = formset.get_default_prefix()
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    data |= changes
    return {name: "" if value is None else value for name, value in data.items()}


def test_every_event_kind_is_corrected_through_the_audited_admin():
    for model in CORRECTIONS:
        assert isinstance(admin.site._registry[model], EventAdmin), model


@pytest.mark.parametrize("model", list(CORRECTIONS), ids=lambda model: model.__name__)
def test_a_correction_and_a_deletion_are_recorded(farm, staff, browser, model):
    field, corrected = CORRECTIONS[model]
    event = model.objects.order_by("pk").first()
    old = getattr(event, field)
    m.EventChange.objects.all().delete()
    response = browser.post(url(event, "change"), change_form(event, staff, **{field: corrected}))
    assert response.status_code == 302, response.content.decode()[-3000:]

    change = m.EventChange.objects.get()
    assert (change.action, change.via, change.who, change.who_name) == (
        "update", "admin", staff, "farm-admin",
    )  # fmt: skip
    assert (change.model, change.event_id) == (f"farm.{model._meta.model_name}", event.pk)
    assert change.before[field] == old and change.after[field] == corrected
    assert audit.differences(change.before, change.after) == {field: (old, corrected)}
    assert change.before["batch"] == event.batch_id  # a foreign key by its id

    response = browser.post(url(event, "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert not model.objects.filter(pk=event.pk).exists()
    deleted = m.EventChange.objects.get(action="delete")
    assert deleted.event_id == event.pk and deleted.after is None
    assert deleted.before == change.after  # as it was stored when it went


def test_a_save_that_changes_nothing_records_nothing(farm, staff, browser):
    event = m.FeedingEvent.objects.exclude(feeding_time=None).get()
    response = browser.post(url(event, "change"), change_form(event, staff))
    assert response.status_code == 302
    assert not m.EventChange.objects.exists()


def test_deleting_selected_events_records_each(farm, staff, browser):
    doomed = list(m.MortalityEvent.objects.values_list("pk", flat=True))
    response = browser.post(
        "/admin/farm/mortalityevent/",
        {"action": "delete_selected", "_selected_action": doomed, "post": "yes"},
    )
    assert response.status_code == 302
    assert not m.MortalityEvent.objects.exists()
    changes = m.EventChange.objects.filter(action="delete", model="farm.mortalityevent")
    assert sorted(changes.values_list("event_id", flat=True)) == sorted(doomed)
    assert {c.before["cause"] for c in changes} == {"fungus", ""}


def test_the_identity_is_recorded_with_the_change(farm, staff, browser):
    event = m.Harvest.objects.order_by("pk").first()
    m.Harvest.objects.filter(pk=event.pk).update(source="slaughterhouse", external_id="H-17")
    event.refresh_from_db()
    browser.post(url(event, "change"), change_form(event, staff, count=12))
    change = m.EventChange.objects.get()
    assert (change.source, change.external_id) == ("slaughterhouse", "H-17")


def test_changes_and_import_runs_are_read_only_in_the_admin(farm, staff, browser):
    event = m.Weighing.objects.order_by("pk").first()
    browser.post(url(event, "change"), change_form(event, staff, fish_weighed=51))
    change = m.EventChange.objects.get()
    run = m.ImportRun.objects.create(via=m.Via.CSV, who_name="farmer", origin="/data/april")
    assert browser.get("/admin/farm/eventchange/").status_code == 200
    assert browser.get(f"/admin/farm/eventchange/{change.pk}/change/").status_code == 200
    assert browser.get("/admin/farm/eventchange/add/").status_code == 403
    assert (
        browser.post(f"/admin/farm/eventchange/{change.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert browser.get("/admin/farm/importrun/").status_code == 200
    assert browser.get(f"/admin/farm/importrun/{run.pk}/change/").status_code == 200
    assert browser.get("/admin/farm/importrun/add/").status_code == 403
    m.EventChange.objects.get(pk=change.pk)  # still there


def test_event_values_are_json_safe(farm):
    event = m.FeedingEvent.objects.exclude(feeding_time=None).get()
    values = audit.event_values(event)
    assert values["feeding_date"] == "2024-04-02"
    assert values["feeding_time"] == "08:00:00"
    assert values["container"] == event.container_id and values["import_run"] is None
    assert "id" not in values and "batch_id" not in values
    assert audit.json_value(math.nan) == "nan"
    assert audit.json_value(dt.datetime(2024, 1, 2, 3, 4, tzinfo=dt.UTC)) == (
        "2024-01-02T03:04:00+00:00"
    )


def test_record_change_takes_a_command_name_and_a_run(farm):
    event = m.MortalityEvent.objects.order_by("pk").first()
    run = m.ImportRun.objects.create(via=m.Via.CSV, who_name="farmer")
    before = audit.event_values(event)
    event.count += 1
    event.save()
    change = audit.record_change(
        event, m.ChangeAction.UPDATE, before, audit.event_values(event), "farmer", m.Via.CSV, run
    )
    assert (change.who, change.who_name, change.run) == (None, "farmer", run)
    unchanged = audit.event_values(event)
    assert audit.record_change(event, "update", unchanged, unchanged, None, "csv") is None
    with pytest.raises(ValueError):
        audit.record_change(event, "rename", before, None, None, "csv")


def test_many_changes_are_made_unsaved_and_stored_at_once(farm):
    events = list(m.PopulationCount.objects.order_by("pk"))
    befores = [audit.event_values(event) for event in events]
    for event in events:
        event.count -= 100
    m.PopulationCount.objects.bulk_update(events, ["count"])
    changes = [
        audit.change_of(event, "update", before, audit.event_values(event), "importer", "csv")
        for event, before in zip(events, befores, strict=True)
    ]
    m.EventChange.objects.bulk_create(changes)
    stored = m.EventChange.objects.order_by("event_id")
    assert [audit.differences(c.before, c.after) for c in stored] == [
        {"count": (before["count"], before["count"] - 100)} for before in befores
    ]
