"""Keep the daily mean temperature of each container in step with its readings.

``refresh`` recomputes the days of the given containers and period from the readings, in
two statements (delete, insert the grouped means), on SQLite and PostgreSQL alike.
Single saves and deletes of a temperature reading refresh their day by themselves (the
receivers below); bulk loaders, which send no signals, call ``refresh`` once at the end.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models.signals import post_delete, post_save, pre_save

from aquagrowth.farm.models import EnvironmentalReading
from aquagrowth.farm.models.environment import TEMPERATURE_CODE, VALID_TEMPERATURE_C


def _reading_date() -> str:
    if connection.vendor == "postgresql":
        return "(r.reading_time AT TIME ZONE 'UTC')::date"
    return "date(r.reading_time)"


def refresh(
    container_ids: list[int] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> None:
    """Recompute the daily means of ``container_ids`` (default all) from ``start`` through
    ``end`` (default every day)."""
    where, params = [], []
    if container_ids is not None:
        if not container_ids:
            return
        where.append(f"container_id IN ({', '.join(['%s'] * len(container_ids))})")
        params += list(container_ids)
    reading_where, reading_params = list(where), list(params)
    if start is not None:
        where.append("date >= %s")
        params.append(start)
        reading_where.append("reading_time >= %s")
        reading_params.append(dt.datetime.combine(start, dt.time(), dt.UTC))
    if end is not None:
        where.append("date <= %s")
        params.append(end)
        reading_where.append("reading_time < %s")
        reading_params.append(dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC))
    low, high = VALID_TEMPERATURE_C
    valid = f"r.value BETWEEN {low} AND {high}"
    reading_filter = "".join(f" AND r.{w}" for w in reading_where)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM farm_containerdaytemperature"
            + (" WHERE " + " AND ".join(where) if where else ""),
            params,
        )
        cursor.execute(
            "INSERT INTO farm_containerdaytemperature "
            "(container_id, date, mean_c, readings, rejected) "
            f"SELECT r.container_id, {_reading_date()}, AVG(CASE WHEN {valid} THEN r.value END), "
            f"SUM(CASE WHEN {valid} THEN 1 ELSE 0 END), SUM(CASE WHEN {valid} THEN 0 ELSE 1 END) "
            "FROM farm_environmentalreading r JOIN farm_environmentalparameter p "
            f"ON p.id = r.parameter_id AND p.code = %s WHERE 1 = 1{reading_filter} "
            # Stored in (container, date) order, a container's days share pages: the
            # engine reads them as ranges.
            "GROUP BY 1, 2 ORDER BY 1, 2",
            [TEMPERATURE_CODE, *reading_params],
        )


def _day(reading: EnvironmentalReading) -> tuple[int, dt.date] | None:
    if reading.reading_time is None:
        return None
    when = reading.reading_time
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    return reading.container_id, when.date()


def _is_temperature(reading: EnvironmentalReading) -> bool:
    return reading.parameter_id is not None and reading.parameter.code == TEMPERATURE_CODE


def _remember_old_day(sender, instance: EnvironmentalReading, **kwargs) -> None:
    instance._daily_temperature_old = None
    if instance.pk:
        old = EnvironmentalReading.objects.filter(pk=instance.pk).select_related("parameter")
        old = old.first()
        if old is not None and _is_temperature(old):
            instance._daily_temperature_old = _day(old)


def _refresh_days(days: set[tuple[int, dt.date]]) -> None:
    for container_id, day in days:
        refresh([container_id], day, day)


def _after_save(sender, instance: EnvironmentalReading, **kwargs) -> None:
    days = {getattr(instance, "_daily_temperature_old", None)}
    if _is_temperature(instance):
        days.add(_day(instance))
    _refresh_days({d for d in days if d is not None})


def _after_delete(sender, instance: EnvironmentalReading, **kwargs) -> None:
    if _is_temperature(instance) and (day := _day(instance)) is not None:
        _refresh_days({day})


def connect() -> None:
    """Connect the receivers (called once from the farm app's ``ready``)."""
    uid = "aquagrowth.daily_temperature"
    pre_save.connect(_remember_old_day, sender=EnvironmentalReading, dispatch_uid=uid + ".pre")
    post_save.connect(_after_save, sender=EnvironmentalReading, dispatch_uid=uid + ".save")
    post_delete.connect(_after_delete, sender=EnvironmentalReading, dispatch_uid=uid + ".del")
