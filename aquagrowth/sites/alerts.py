"""Raise, keep, resolve and acknowledge alerts; mail the new ones (docs/sites.md).

:func:`evaluate` runs every rule (:mod:`aquagrowth.sites.rules`) and compares what they
find with the open alerts: a condition without an open alert is raised (and mailed),
one with an open alert updates it, an open alert whose condition is gone is resolved.
Only the open alerts the evaluation looked at can be resolved: after one batch's
recompute those of that batch and of the licence groups of its sites.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from aquagrowth.accounts.roles import is_admin
from aquagrowth.accounts.sites import visible_batches
from aquagrowth.farm.models import Assignment, FarmSettings
from aquagrowth.sites.models import Alert, AlertSubscription, LicenceGroup
from aquagrowth.sites.rules import Condition, Scope, evaluate_rules, groups_in_scope
from aquagrowth.sites.site import Site, of_sea_area, of_station

log = logging.getLogger("aquagrowth.sites.alerts")


@dataclass
class Outcome:
    """What one evaluation did, alert ids by what happened to them."""

    raised: list[int] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    mailed: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {
            "raised": self.raised,
            "kept": self.kept,
            "resolved": self.resolved,
            "mailed": self.mailed,
            "seconds": round(self.seconds, 3),
        }


def make_scope(today: dt.date | None = None, batch_ids: set[int] | None = None) -> Scope:
    """The clock's day and time, or the end of ``today`` when given."""
    if today is None:
        now = timezone.now()
        today = timezone.localdate(now)
    else:
        now = timezone.make_aware(dt.datetime.combine(today, dt.time(23, 59, 59)))
    ids = None if batch_ids is None else frozenset(batch_ids)
    return Scope(today, now, FarmSettings.current(), ids)


def _in_scope(scope: Scope) -> QuerySet[Alert]:
    """The open alerts an evaluation of ``scope`` may resolve."""
    open_alerts = Alert.objects.filter(resolved_at__isnull=True)
    if scope.batch_ids is None:
        return open_alerts
    groups = groups_in_scope(scope).values("pk")
    return open_alerts.filter(Q(batch__in=scope.batch_ids) | Q(licence_group__in=groups))


def evaluate(today: dt.date | None = None, batch_ids: set[int] | None = None) -> Outcome:
    """Run every rule (for the whole farm, or ``batch_ids``) and bring the alerts in line."""
    started = timezone.now()
    scope = make_scope(today, batch_ids)
    found = {
        (c.rule, c.key): c for conditions in evaluate_rules(scope).values() for c in conditions
    }
    outcome = Outcome()
    with transaction.atomic():
        current = {(a.rule, a.key): a for a in _in_scope(scope).select_for_update()}
        changed = []
        for ident, alert in current.items():
            condition = found.get(ident)
            if condition is None:
                outcome.resolved.append(alert.pk)
                continue
            outcome.kept.append(alert.pk)
            if (alert.message, alert.figures) != (condition.message[:500], condition.figures):
                alert.message, alert.figures = condition.message[:500], condition.figures
                changed.append(alert)
        Alert.objects.bulk_update(changed, ["message", "figures"], batch_size=500)
        Alert.objects.filter(pk__in=outcome.kept).update(last_seen_at=scope.now)
        Alert.objects.filter(pk__in=outcome.resolved).update(resolved_at=scope.now)
        # The database gives the new rows their ids (PostgreSQL and SQLite alike).
        fresh = Alert.objects.bulk_create(
            Alert(**_alert_fields(c, scope.now))
            for ident, c in found.items()
            if ident not in current
        )
    outcome.raised = [a.pk for a in fresh]
    if fresh and AlertSubscription.objects.exists():
        for alert in fresh:
            outcome.mailed += mail_alert(alert)
    outcome.seconds = (timezone.now() - started).total_seconds()
    return outcome


def _alert_fields(condition: Condition, now: dt.datetime) -> dict:
    return {
        "rule": condition.rule,
        "key": condition.key,
        "batch_id": condition.batch_id,
        "container_id": condition.container_id,
        "licence_group_id": condition.group_id,
        "message": condition.message[:500],
        "figures": condition.figures,
        "raised_at": now,
        "last_seen_at": now,
    }


def alert_sites(alert: Alert) -> list[Site]:
    """The sites an alert is about: its container's, its group's, or its batch's open
    stays' sites."""
    if alert.licence_group_id:
        group = LicenceGroup.objects.get(pk=alert.licence_group_id)
        stations = [of_station(s) for s in group.stations.select_related("geography")]
        return stations + [of_sea_area(a) for a in group.sea_areas.select_related("geography")]
    stays = Assignment.objects.select_related(
        "container__hall__station__geography", "container__sea_area__geography"
    )
    if alert.container_id:
        stays = stays.filter(container_id=alert.container_id)[:1]
    else:
        stays = stays.filter(batch_id=alert.batch_id, departure_date__isnull=True)
    sites = set()
    for stay in stays:
        container = stay.container
        sites.add(
            of_sea_area(container.sea_area)
            if container.sea_area_id
            else of_station(container.hall.station)
        )
    return sorted(sites, key=lambda s: (s.kind, s.name))


def subscribers(alert: Alert) -> list[str]:
    """Addresses of the active subscribers of the alert's sites who may see it."""
    sites = alert_sites(alert)
    if not sites:
        return []
    where = Q(pk__in=[])
    for site in sites:
        where |= Q(**{f"{site.field}_id": site.id})
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            pk__in=AlertSubscription.objects.filter(where).values("user"),
        )
        .exclude(email="")
    )
    return sorted(u.email for u in users if may_see(u, alert))


def mail_alert(alert: Alert) -> int:
    """Mail a new alert to its sites' subscribers; the number of addresses mailed.

    A mail that cannot be sent is logged: the alert stays raised and on the pages."""
    to = subscribers(alert)
    if not to:
        return 0
    subject = f"[aquagrowth] {alert.get_rule_display()}: {alert.message}"[:200]
    body = (
        f"{alert.message}\n\nRule: {alert.get_rule_display()} ({alert.rule})\n"
        f"Raised: {alert.raised_at:%Y-%m-%d %H:%M} UTC\nFigures: {alert.figures}\n"
    )
    try:
        send_mail(subject, body, None, to)
    except Exception as error:  # a mail server down must not undo the alert
        log.error("alert %s not mailed: %s", alert.pk, error)
        return 0
    return len(to)


def visible_alerts(user, alerts: QuerySet[Alert] | None = None) -> QuerySet[Alert]:
    """The alerts ``user`` may see: of a batch it sees, or a group of one of its sites."""
    alerts = Alert.objects.all() if alerts is None else alerts
    if is_admin(user):
        return alerts
    batches = visible_batches(user).values("pk")
    grants = user.site_grants.all() if user.is_authenticated else None
    if grants is None:
        return alerts.none()
    groups = LicenceGroup.objects.filter(
        Q(sea_areas__in=grants.values("sea_area")) | Q(stations__in=grants.values("station"))
    ).values("pk")
    return alerts.filter(Q(batch__in=batches) | Q(licence_group__in=groups))


def may_see(user, alert: Alert) -> bool:
    return visible_alerts(user, Alert.objects.filter(pk=alert.pk)).exists()


def acknowledge(alert: Alert, user) -> Alert:
    """Mark ``alert`` acknowledged by ``user`` now (the first acknowledgement stands)."""
    if alert.acknowledged_at is None:
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = user
        alert.acknowledged_by_name = user.get_username()
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledged_by_name"])
    return alert


def alerts_of_site(site: Site) -> Q:
    """A condition on alerts: about a container of ``site``, a batch with an open stay
    there, or a licence group covering it."""
    return (
        site.containers("container__")
        | (
            site.containers("batch__assignments__container__")
            & Q(batch__assignments__departure_date__isnull=True)
        )
        | Q(**{f"licence_group__{site.field}s": site.id})
    )
