"""The growth answer's cache: never a stale or a forbidden answer, and never slower than
computing when the cache is down.

Each change below is one a farm makes every day (a recompute, a new plan, a sample
corrected) or one a user makes (another range, another day): the cached answer must
follow it at once. The batches are the analysis tests' hand-written one and, where a
real recompute matters, the recompute tests' small farm run through the engine.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import os
import socket
import time
import uuid

import pytest
import redis
from django.contrib.auth.models import User
from django.db import connection

from aquagrowth.analysis import answer_cache
from aquagrowth.analysis.answer_key import answer_key
from aquagrowth.engine.core.weight_fit import FitSums, fit
from aquagrowth.engine.runner import recompute_batch
from aquagrowth.engine.weight_fit import store_fit
from aquagrowth.farm import models as m
from tests import access, farm_builder
from tests.analysis.conftest import LAST, TRANSFER
from tests.recompute.conftest import TODAY
from tests.recompute.conftest import build_batch as build_recompute_batch

REDIS_URL = os.environ.get("AQUAGROWTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


def local_cache() -> dict:
    return {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": f"answers-{uuid.uuid4()}",
    }


def redis_cache(url: str, timeout_s: float = 0.2) -> dict:
    return {
        "BACKEND": "aquagrowth.analysis.redis_cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": f"test-{uuid.uuid4()}",
        "TIMEOUT": 60,
        "OPTIONS": {"socket_connect_timeout": timeout_s, "socket_timeout": timeout_s},
    }


@pytest.fixture
def use_cache(settings):
    """Switch the answers' cache to ``config`` for this test; failures forgotten after."""

    def use(config: dict) -> None:
        settings.CACHES = {**settings.CACHES, "answers": config}

    answer_cache.reset_failures()
    use(local_cache())
    yield use
    answer_cache.reset_failures()


def url_of(batch: m.Batch) -> str:
    return f"/api/v1/batches/{batch.id}/growth/"


def get(client, batch, params=None, **meta):
    """GET the batch's growth answer as the page does; ``meta``: more request headers."""
    return client.get(url_of(batch), params or {}, HTTP_ACCEPT="application/json", **meta)


def body(response) -> dict:
    raw = response.content
    if response.get("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    return json.loads(raw)


def twice(client, batch, params=None) -> tuple:
    """Two requests in a row: the first computes (or hits), the second must hit."""
    first = get(client, batch, params)
    second = get(client, batch, params)
    assert second["X-Answer-Cache"] == "hit"
    assert body(second) == body(first)
    return first, second


# --- What the key covers -------------------------------------------------------------


@pytest.fixture
def fry_containers(stages):
    tanks = [(f"S02-B-{i:02d}", "tank", 100) for i in range(1, 7)]
    return farm_builder.hall("S02", "B", tanks, geography="Scotland", stage=stages["Fry"])


@pytest.fixture
def computed_batch(stages, fry_containers, user):
    """A batch whose daily states the engine computed and stored (with fingerprints), at
    a station in Scotland the test's user is granted too."""
    access.grant(user, stations=["S02"], geography="Scotland")
    batch = build_recompute_batch("SC-2024-01", stages, fry_containers)
    assert recompute_batch(batch.id, today=TODAY).error is None
    return batch


def test_a_recompute_that_writes_rows_changes_the_answer_one_that_writes_none_does_not(
    api, use_cache, computed_batch
):
    first, _ = twice(api, computed_batch)
    # Nothing changed: the recompute writes no row, the cached answer stands.
    assert recompute_batch(computed_batch.id, today=TODAY).written == 0
    assert get(api, computed_batch)["X-Answer-Cache"] == "hit"
    # A heavier sample changes the fry's curve: the recompute writes rows ...
    sample = m.GrowthSample.objects.filter(batch=computed_batch).order_by("sample_date").last()
    m.GrowthSample.objects.filter(pk=sample.pk).update(avg_weight_g=sample.avg_weight_g * 1.5)
    assert recompute_batch(computed_batch.id, today=TODAY).written > 0
    # ... and the next answer is the new one, not the cached one.
    after = get(api, computed_batch)
    assert after["X-Answer-Cache"] == "miss"
    last_day = body(first)["actual"]["date"].index(sample.sample_date.isoformat())
    assert (
        body(after)["actual"]["avg_weight_g"][last_day]
        > (body(first)["actual"]["avg_weight_g"][last_day])
    )


def test_states_rewritten_by_a_forced_recompute_keep_the_cached_answer(
    api, use_cache, computed_batch
):
    twice(api, computed_batch)
    result = recompute_batch(computed_batch.id, today=TODAY, force=True)
    assert result.written > 0  # every row rewritten, with the same values
    assert get(api, computed_batch)["X-Answer-Cache"] == "hit"


@pytest.mark.parametrize(
    "change",
    ["pin another", "newer scenario", "edit a stage's TGC", "edit the profile", "rename"],
)
def test_the_scenario_in_force_and_its_edits_change_the_answer(
    api, use_cache, growth_batch, stages, change
):
    first, _ = twice(api, growth_batch)
    plan = growth_batch.scenario_in_force()
    if change == "pin another":
        other = farm_builder.scenario(
            growth_batch, stages, {"Fry": (3.3, 1.1, 0.001)}, [(1, 9.0)], name="Plan B"
        )
        m.Batch.objects.filter(pk=growth_batch.pk).update(pinned_scenario=other)
    elif change == "newer scenario":
        farm_builder.scenario(
            growth_batch, stages, {"Fry": (3.3, 1.1, 0.001)}, [(1, 9.0)], name="Plan B"
        )
    elif change == "edit a stage's TGC":
        m.ScenarioStage.objects.filter(scenario=plan, stage=stages["Fry"]).update(tgc=3.7)
    elif change == "edit the profile":
        m.TemperatureProfilePoint.objects.filter(scenario=plan, day_number=1).update(temp_c=4.0)
    else:
        m.Scenario.objects.filter(pk=plan.pk).update(name="Plan A, revised")
    after = get(api, growth_batch)
    assert after["X-Answer-Cache"] == "miss"
    old, new = body(first), body(after)
    assert (old["scenario"], old["scenario_projection"]) != (
        new["scenario"],
        new["scenario_projection"],
    )


def test_records_shown_as_they_are_change_the_answer_without_a_recompute(
    api, use_cache, growth_batch
):
    """Samples and container names are in the answer itself: a corrected SD or a renamed
    tank shows at once, though no daily state changed."""
    twice(api, growth_batch)
    m.GrowthSample.objects.filter(batch=growth_batch).update(std_weight_g=0.05)
    corrected = get(api, growth_batch)
    assert corrected["X-Answer-Cache"] == "miss"
    assert set(body(corrected)["samples"]["std_weight_g"]) == {0.05}
    tank = m.Container.objects.get(name="S01-B-01")
    m.Container.objects.filter(pk=tank.pk).update(name="S01-B-01 (new net)")
    renamed = get(api, growth_batch)
    assert renamed["X-Answer-Cache"] == "miss"
    assert "S01-B-01 (new net)" in [a["container"] for a in body(renamed)["assignments"]]


def tank_deaths(data) -> list[dict]:
    tank = next(p for p in data["status"]["pens"] if p["container"] == "S01-B-01")
    return tank["deaths_by_cause"]


@pytest.mark.parametrize("how", ["save", "bulk update", "sql by hand"])
def test_a_cause_edited_in_place_changes_the_next_answer(api, use_cache, growth_batch, how):
    """Deaths by cause are read from the mortality records, not the daily states: a
    corrected cause changes no daily state, and still shows at once, however written."""
    tank = growth_batch.assignments.get(container__name="S01-B-01")
    death = m.MortalityEvent.objects.create(
        batch=growth_batch, assignment=tank, event_date=TRANSFER, count=7, cause="Winter ulcer"
    )
    first, _ = twice(api, growth_batch)
    assert tank_deaths(body(first)) == [{"cause": "Winter ulcer", "fish": 7}]
    assert body(first)["status"]["batch"]["deaths_by_cause"] == tank_deaths(body(first))
    if how == "save":
        death.cause = "Wound"
        death.save()
    elif how == "bulk update":
        m.MortalityEvent.objects.filter(pk=death.pk).update(cause="Wound")
    else:
        with connection.cursor() as cursor:
            table = m.MortalityEvent._meta.db_table
            cursor.execute(f"UPDATE {table} SET cause = %s WHERE id = %s", ["Wound", death.pk])
    after = get(api, growth_batch)
    assert after["X-Answer-Cache"] == "miss"
    assert tank_deaths(body(after)) == [{"cause": "Wound", "fish": 7}]
    assert get(api, growth_batch)["X-Answer-Cache"] == "hit"
    death.delete()
    gone = get(api, growth_batch)
    assert gone["X-Answer-Cache"] == "miss" and tank_deaths(body(gone)) == []


def test_a_harvest_edited_in_place_changes_the_next_answer(api, use_cache, growth_batch):
    tank = growth_batch.assignments.get(container__name="S01-B-01")
    harvest = m.Harvest.objects.create(
        batch=growth_batch, assignment=tank, harvest_date=LAST, count=10, live_weight_kg=8.0
    )
    twice(api, growth_batch)
    m.Harvest.objects.filter(pk=harvest.pk).update(live_weight_kg=9.5)
    after = get(api, growth_batch)
    assert after["X-Answer-Cache"] == "miss"
    pen = next(p for p in body(after)["status"]["pens"] if p["container"] == "S01-B-01")
    assert pen["harvested_kg"] == 9.5


def test_each_query_has_its_own_answer(api, use_cache, growth_batch):
    tank = m.Assignment.objects.get(batch=growth_batch, container__name="S01-B-01")
    queries = [
        {},
        {"granularity": "weekly"},
        {"start": "2024-01-10"},
        {"end": "2024-01-30"},
        {"assignment": tank.id},
        {"period": "week"},
    ]
    answers = []
    for params in queries:
        response = get(api, growth_batch, params)
        assert response["X-Answer-Cache"] == "miss", params
        answers.append(body(response))
        assert get(api, growth_batch, params)["X-Answer-Cache"] == "hit"
    plain = {"start": None, "end": None, "assignment": None, "granularity": "daily"}
    plain["period"] = None
    assert [a["query"] for a in answers] == [
        plain,
        {**plain, "granularity": "weekly"},
        {**plain, "start": "2024-01-10"},
        {**plain, "end": "2024-01-30"},
        {**plain, "assignment": tank.id},
        {**plain, "period": "week"},
    ]
    assert answers[-1]["periods"]["by_stage"] is None and answers[-1]["periods"]["by_week"]


def test_the_key_changes_with_the_day_and_with_each_part(growth_batch, stages):
    query = ("2024-01-01", None, None, "daily")
    monday = answer_key(growth_batch.id, query, today=dt.date(2026, 3, 9))
    assert monday == answer_key(growth_batch.id, query, today=dt.date(2026, 3, 9))
    assert monday != answer_key(growth_batch.id, query, today=dt.date(2026, 3, 10))
    assert monday != answer_key(growth_batch.id, (*query[:3], "weekly"), today=dt.date(2026, 3, 9))
    m.Batch.objects.filter(pk=growth_batch.pk).update(status=m.BatchStatus.HARVESTED)
    assert monday != answer_key(growth_batch.id, query, today=dt.date(2026, 3, 9))
    assert answer_key(999_999, query) is None


def test_a_new_weight_model_fit_changes_the_answer(api, use_cache, computed_batch):
    # The forward projection grows pens at their own TGC once the farm is fitted, and its
    # band widens by the fitted drift: a fit changes the answer with no state rewritten.
    first, _ = twice(api, computed_batch)
    store_fit(fit(FitSums()))
    after = get(api, computed_batch)
    assert after["X-Answer-Cache"] == "miss"
    assert body(after)["actual"] == body(first)["actual"]
    assert get(api, computed_batch)["X-Answer-Cache"] == "hit"


# --- ETag and 304 --------------------------------------------------------------------


def test_a_matching_if_none_match_gets_304_and_no_body(api, use_cache, growth_batch):
    first = get(api, growth_batch)
    etag = first["ETag"]
    assert etag.startswith('W/"')
    assert first["Cache-Control"] == "private, no-cache"
    for header in (etag, etag.removeprefix("W/"), f'"other", {etag}', "*"):
        again = get(api, growth_batch, HTTP_IF_NONE_MATCH=header)
        assert again.status_code == 304, header
        assert again.content == b""
        assert again["ETag"] == etag
    assert get(api, growth_batch, HTTP_IF_NONE_MATCH='W/"stale"').status_code == 200
    # Another query is another answer: the first's ETag does not match it.
    weekly = get(api, growth_batch, {"granularity": "weekly"}, HTTP_IF_NONE_MATCH=etag)
    assert weekly.status_code == 200


def test_an_etag_stops_matching_when_the_answer_changes(api, use_cache, growth_batch):
    """No daily state changes here: a new sample alone is enough."""
    etag = get(api, growth_batch)["ETag"]
    tank = m.Assignment.objects.get(batch=growth_batch, container__name="S01-B-01")
    m.GrowthSample.objects.create(
        batch=growth_batch,
        assignment=tank,
        sample_date=dt.date(2024, 2, 1),
        sample_size=25,
        avg_weight_g=1.0,
    )
    changed = get(api, growth_batch, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert "2024-02-01" in body(changed)["samples"]["date"]


def test_works_without_the_server_side_cache(api, settings, growth_batch):
    """The dummy cache of the other tests: ETag and 304 need no cache at all."""
    first = get(api, growth_batch)
    assert first["X-Answer-Cache"] == "miss"
    assert get(api, growth_batch, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


# --- Who may see it --------------------------------------------------------------------


def test_the_cache_never_answers_who_may_not_ask(client, api, use_cache, growth_batch):
    etag = get(api, growth_batch)["ETag"]
    assert get(api, growth_batch)["X-Answer-Cache"] == "hit"
    api.logout()
    # Anonymous: refused, with or without the ETag of the cached answer.
    assert get(client, growth_batch).status_code in (401, 403)
    assert get(client, growth_batch, HTTP_IF_NONE_MATCH=etag).status_code in (401, 403)
    # A wrong password over Basic auth: refused too.
    basic = "Basic " + base64.b64encode(b"biologist:wrong").decode()
    assert get(client, growth_batch, HTTP_AUTHORIZATION=basic).status_code in (401, 403)
    # An account switched off after the answer was cached: refused.
    former = access.person("former", "viewer", stations=["S01"])
    client.force_login(former)
    assert get(client, growth_batch)["X-Answer-Cache"] == "hit"
    User.objects.filter(pk=former.pk).update(is_active=False)
    assert get(client, growth_batch).status_code in (401, 403)
    assert get(client, growth_batch, HTTP_IF_NONE_MATCH=etag).status_code in (401, 403)


def test_another_sites_user_gets_404_though_the_answer_was_cached(
    client, api, use_cache, growth_batch
):
    etag = get(api, growth_batch)["ETag"]
    assert get(api, growth_batch)["X-Answer-Cache"] == "hit"
    # A viewer of a sea area only: the batch (in station S01) is not theirs. Not the
    # cached answer, not a 304 for its ETag, not even a 403: a 404, as for no batch.
    client.force_login(access.person("skipper", "viewer", sea_areas=["Vestmanna"]))
    assert get(client, growth_batch).status_code == 404
    assert get(client, growth_batch, HTTP_IF_NONE_MATCH=etag).status_code == 404
    # Granted the station, the same user gets the cached answer.
    access.grant(User.objects.get(username="skipper"), stations=["S01"])
    assert get(client, growth_batch)["X-Answer-Cache"] == "hit"


def test_a_deleted_batch_is_404_though_its_answer_was_cached(api, use_cache, growth_batch):
    etag = get(api, growth_batch)["ETag"]
    batch_id = growth_batch.id
    growth_batch.delete()
    assert api.get(f"/api/v1/batches/{batch_id}/growth/").status_code == 404
    gone = api.get(f"/api/v1/batches/{batch_id}/growth/", headers={"if-none-match": etag})
    assert gone.status_code == 404


def test_a_bad_query_is_400_before_any_cache(api, use_cache, growth_batch):
    get(api, growth_batch)
    bad = get(api, growth_batch, {"granularity": "hourly"})
    assert bad.status_code == 400


# --- gzip and the JSON itself ----------------------------------------------------------


def test_gzip_for_who_accepts_it_and_the_same_json_as_without_the_cache(
    api, settings, use_cache, growth_batch
):
    zipped = get(api, growth_batch, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    plain = get(api, growth_batch)
    assert plain["X-Answer-Cache"] == "hit"
    assert not plain.has_header("Content-Encoding")
    assert gzip.decompress(zipped.content) == plain.content
    settings.AQUAGROWTH_ANSWER_CACHE = False
    uncached = get(api, growth_batch)
    assert not uncached.has_header("ETag")
    assert uncached.content == plain.content  # byte for byte: the same renderer


def test_the_browsable_api_still_renders(api, use_cache, growth_batch):
    page = api.get(url_of(growth_batch), headers={"accept": "text/html"})
    assert page.status_code == 200
    assert b"scenario_projection" in page.content


# --- A cache that is down --------------------------------------------------------------


def _refused_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # closed again: connections are refused


@pytest.fixture
def frozen_url():
    """A server that accepts connections and never answers (a hung Redis)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield f"redis://127.0.0.1:{s.getsockname()[1]}/0"


@pytest.mark.parametrize("down", ["refused", "frozen"])
def test_a_cache_that_is_down_costs_no_answer_and_little_time(
    api, use_cache, growth_batch, frozen_url, down, caplog
):
    use_cache(redis_cache(_refused_url() if down == "refused" else frozen_url, timeout_s=0.2))
    get(api, growth_batch, {"granularity": "weekly"})  # imports and the like, off the clock
    answer_cache.reset_failures()
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        response = get(api, growth_batch)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
        assert body(response)["batch"]["number"] == "FO-2024-01"
    # At most one wait for the dead server (0.2 s), then it is left alone for a while.
    assert timings[0] < 1.0, timings
    assert max(timings[1:]) < 0.5, timings
    assert "answer cache unavailable" in caplog.text


def test_the_cache_is_tried_again_after_the_retry_period(
    api, settings, use_cache, growth_batch, monkeypatch
):
    # The pause is measured on a clock the test moves, so a slow machine cannot end
    # it early (the requests themselves may take longer than any short pause).
    now = [1000.0]
    monkeypatch.setattr(answer_cache.time, "monotonic", lambda: now[0])
    settings.AQUAGROWTH_CACHE_RETRY_SECONDS = 30
    use_cache(redis_cache(_refused_url()))
    assert get(api, growth_batch).status_code == 200  # fails over, and pauses the cache
    use_cache(local_cache())  # repaired
    get(api, growth_batch)
    now[0] += 29
    assert get(api, growth_batch)["X-Answer-Cache"] == "miss"  # still paused: not stored
    now[0] += 2
    get(api, growth_batch)
    assert get(api, growth_batch)["X-Answer-Cache"] == "hit"


def test_a_real_redis_serves_the_second_request(api, use_cache, growth_batch):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"needs Redis at {REDIS_URL}: {exc}")
    use_cache(redis_cache(REDIS_URL))
    first = get(api, growth_batch, HTTP_ACCEPT_ENCODING="gzip")
    assert first["X-Answer-Cache"] == "miss"
    second = get(api, growth_batch, HTTP_ACCEPT_ENCODING="gzip")
    assert second["X-Answer-Cache"] == "hit"
    assert second.content == first.content


@pytest.mark.django_db(transaction=True)
def test_the_key_survives_a_new_database_connection(growth_batch):
    """On PostgreSQL the statement is prepared once per connection: a new connection
    (after CONN_MAX_AGE, a restarted server) prepares it again and reads the same."""
    from django.db import connection

    from aquagrowth.analysis.answer_key import inputs_version

    before = inputs_version(growth_batch.id)
    assert inputs_version(growth_batch.id) == before
    connection.close()
    assert inputs_version(growth_batch.id) == before
    m.GrowthSample.objects.filter(batch=growth_batch).update(sample_size=31)
    assert inputs_version(growth_batch.id) != before
