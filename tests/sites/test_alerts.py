"""Every alert rule on the hand-made sea site: raised once, not raised twice, kept open
when acknowledged, resolved when its condition clears; mailed to the site's subscribers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aquagrowth.engine.models import RecomputeRun, RecomputeStatus
from aquagrowth.farm import models as m
from aquagrowth.sites.alerts import evaluate
from aquagrowth.sites.models import Alert, AlertSubscription, Rule
from tests import access, farm_builder
from tests.sites.conftest import RECORDS_END, START, TEMP_C, cap_group, days, recompute

pytestmark = pytest.mark.django_db


def open_alerts(rule: str) -> list[Alert]:
    return list(Alert.objects.filter(rule=rule, resolved_at__isnull=True).order_by("key"))


def raised_once(rule: str, today: dt.date) -> list[Alert]:
    """Evaluate twice: the second finds the same conditions and raises nothing new."""
    first = evaluate(today=today)
    alerts = open_alerts(rule)
    assert alerts and {a.pk for a in alerts} <= set(first.raised)
    second = evaluate(today=today)
    assert not set(second.raised) & {a.pk for a in open_alerts(rule)}
    assert [a.pk for a in open_alerts(rule)] == [a.pk for a in alerts]
    return alerts


def resolved(alerts: list[Alert]) -> bool:
    return all(Alert.objects.get(pk=a.pk).resolved_at is not None for a in alerts)


def test_the_hand_made_site_has_no_alert_while_its_records_are_complete(sea_farm):
    evaluate(today=RECORDS_END)
    assert not Alert.objects.exists()


def test_feed_silence(sea_farm):
    today = RECORDS_END + dt.timedelta(days=5)  # 5 days without feed, 3 allowed
    alerts = raised_once(Rule.FEED_SILENCE, today)
    assert {a.container.name for a in alerts} == {"N-R1", "N-R2"}
    assert alerts[0].figures["days"] == 5
    for stay in sea_farm["stays"]:
        farm_builder.feeding(stay, days(RECORDS_END + dt.timedelta(days=1), today), kg=100.0)
    recompute(sea_farm["batch"], today)  # the hook evaluates after the recompute
    assert resolved(alerts)


def test_feed_silence_waits_for_the_threshold(sea_farm):
    evaluate(today=RECORDS_END + dt.timedelta(days=3))
    assert not open_alerts(Rule.FEED_SILENCE)


def test_mortality_silence(sea_farm):
    today = RECORDS_END + dt.timedelta(days=8)
    alerts = raised_once(Rule.MORTALITY_SILENCE, today)
    assert len(alerts) == 2 and alerts[0].figures["last_record"] == str(RECORDS_END)
    for stay in sea_farm["stays"]:
        for day in days(RECORDS_END + dt.timedelta(days=1), today):
            farm_builder.mortality(stay, day, 0)
    recompute(sea_farm["batch"], today)
    assert resolved(alerts)


def test_temperature_silence(sea_farm):
    today = RECORDS_END + dt.timedelta(days=2)  # last reading May 31 12:00, 60 h before
    alerts = raised_once(Rule.TEMPERATURE_SILENCE, today)
    assert len(alerts) == 2 and alerts[0].figures["hours"] == pytest.approx(60.0, abs=0.01)
    farm_builder.temperature_readings(sea_farm["pens"], START, [32], lambda day: TEMP_C, hour=12)
    evaluate(today=today)
    assert resolved(alerts)


def test_mortality_spike_by_share_of_the_fish(sea_farm):
    record = m.MortalityEvent.objects.get(
        assignment=sea_farm["stays"][0], event_date=dt.date(2025, 5, 30)
    )
    record.count = 1000  # 1 % of about 100,000 fish; 0.5 % allowed
    record.save()
    alerts = raised_once(Rule.MORTALITY_SPIKE, RECORDS_END)
    assert [a.figures["day"] for a in alerts] == ["2025-05-30"] and alerts[0].figures[
        "dead"
    ] == 1000
    record.count = 10
    record.save()
    evaluate(today=RECORDS_END)
    assert resolved(alerts)


def test_mortality_spike_by_factor_of_the_median(sea_farm):
    settings = m.FarmSettings.current()
    settings.mortality_spike_pct = 100  # only the factor: 60 > 5 x median 10, and >= 50
    m.save_settings(settings)
    record = m.MortalityEvent.objects.get(
        assignment=sea_farm["stays"][1], event_date=dt.date(2025, 5, 29)
    )
    record.count = 60
    record.save()
    alerts = raised_once(Rule.MORTALITY_SPIKE, RECORDS_END)
    assert alerts[0].container.name == "N-R2"
    # The day leaves the window: the alert is resolved.
    evaluate(today=dt.date(2025, 5, 29) + dt.timedelta(days=14))
    assert resolved(alerts)


def test_recompute_failed(sea_farm):
    RecomputeRun.objects.create(
        batch=sea_farm["batch"],
        trigger="cli",
        started_at=timezone.now(),
        status=RecomputeStatus.FAILED,
        error="OperationalError: the database went away",
    )
    alerts = raised_once(Rule.RECOMPUTE, RECORDS_END)
    assert "database went away" in alerts[0].message
    recompute(sea_farm["batch"])
    assert resolved(alerts)


def test_behind_plan(sea_farm, stages):
    batch = sea_farm["batch"]
    first_plan = batch.scenario_in_force()
    faster = farm_builder.scenario(
        batch,
        stages,
        {"Adult": (9.0, 1.1, 0.0)},
        [(1, TEMP_C)],
        name="fast",
        harvest_weight_g=100_000,
    )
    batch.pinned_scenario = faster
    batch.save()
    alerts = raised_once(Rule.BEHIND_PLAN, RECORDS_END)
    # The pens grew at TGC 3 for 30 days; the plan at TGC 9 got there about 20 days sooner.
    assert 18 <= alerts[0].figures["days_behind"] <= 22
    batch.pinned_scenario = first_plan
    batch.save()
    evaluate(today=RECORDS_END)
    assert resolved(alerts)


def test_biomass_cap(sea_farm):
    group = cap_group(sea_farm["area"], 1.0)
    alerts = raised_once(Rule.BIOMASS_CAP, RECORDS_END)
    assert alerts[0].licence_group == group and alerts[0].figures["days"] == 0
    group.licences.update(max_biomass_t=1_000_000)
    evaluate(today=RECORDS_END)
    assert resolved(alerts)


def test_acknowledged_by_whom_and_when_and_kept_open(sea_farm, client):
    cap_group(sea_farm["area"], 1.0)
    evaluate(today=RECORDS_END)
    alert = open_alerts(Rule.BIOMASS_CAP)[0]
    url = f"/api/v1/alerts/{alert.pk}/acknowledge/"
    client.force_login(access.person("viewer-n", "viewer", sea_areas=["North"]))
    assert client.get("/api/v1/alerts/").json()["results"][0]["id"] == alert.pk
    assert client.post(url).status_code == 403
    client.force_login(access.person("op-south", "operator", sea_areas=["South"]))
    assert client.post(url).status_code == 404
    assert client.get("/api/v1/alerts/").json()["results"] == []
    client.force_login(access.person("op-north", "operator", sea_areas=["North"]))
    answer = client.post(url).json()
    assert answer["state"] == "acknowledged" and answer["acknowledged_by_name"] == "op-north"
    evaluate(today=RECORDS_END)
    alert.refresh_from_db()
    assert alert.resolved_at is None and alert.acknowledged_at is not None


def test_a_new_alert_is_mailed_once_to_the_sites_subscribers(sea_farm, mailoutbox):
    north = access.person("keeper", "viewer", sea_areas=["North"], email="keeper@farm.example")
    south = access.person("other", "viewer", sea_areas=["South"], email="other@farm.example")
    AlertSubscription.objects.create(user=north, sea_area=sea_farm["area"])
    # Subscribed to North without a grant there: not told of North's alerts.
    AlertSubscription.objects.create(user=south, sea_area=sea_farm["area"])
    cap_group(sea_farm["area"], 1.0)
    evaluate(today=RECORDS_END)
    evaluate(today=RECORDS_END)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["keeper@farm.example"]
    assert "North licences" in mailoutbox[0].subject


def test_the_nightly_task_evaluates_the_whole_farm_and_is_scheduled(sea_farm):
    from django.conf import settings

    from aquagrowth.sites.tasks import evaluate_alerts

    cap_group(sea_farm["area"], 1.0)
    answer = evaluate_alerts()  # today is the clock's: the records stopped long ago
    assert open_alerts(Rule.BIOMASS_CAP)[0].pk in answer["raised"]
    assert open_alerts(Rule.FEED_SILENCE) and open_alerts(Rule.MORTALITY_SILENCE)
    scheduled = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "aquagrowth.evaluate_alerts" in scheduled
