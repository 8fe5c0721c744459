"""Bad paths and parameters answer 404 or 400 with a message naming what is wrong, never
500: every parameter the API takes, each with values a client might send by mistake
(words for ids, numbers past 64 bits, dates outside any farm's records, unknown choices).
"""

from __future__ import annotations

import pytest

HUGE = "9" * 25  # past 64 bits: SQLite cannot bind it, PostgreSQL has no such id
GROWTH = "/api/v1/batches/{id}/growth/"
STATES = "/api/v1/daily-states/"

NOT_FOUND = [
    "/api/v1/batches/abc/growth/",
    "/api/v1/batches/abc/",
    "/api/v1/batches/-1/growth/",
    f"/api/v1/batches/{HUGE}/growth/",
    f"/api/v1/batches/{HUGE}/",
    "/api/v1/daily-states/abc/",
    f"/api/v1/daily-states/{HUGE}/",
    f"/batches/{HUGE}/growth/",
    "/api/v1/daily-states/?page=abc",
    f"/api/v1/daily-states/?page={HUGE}",
    f"/api/v1/batches/?page={HUGE}",
]


@pytest.mark.parametrize("url", NOT_FOUND)
def test_a_path_that_names_nothing_is_404(api, growth_batch, url):
    assert api.get(url).status_code == 404


def test_a_word_for_a_batch_id_is_a_json_404(api, growth_batch):
    response = api.get("/api/v1/batches/abc/growth/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_empty_parameter_counts_as_absent(api, growth_batch):
    """A form that sends every field (``?start=&granularity=``) gets the defaults."""
    url = GROWTH.format(id=growth_batch.id)
    params = {"start": "", "end": "", "granularity": "", "assignment": "", "period": ""}
    response = api.get(url, params)
    assert response.status_code == 200
    assert response.json()["query"] == {
        "start": None,
        "end": None,
        "assignment": None,
        "granularity": "daily",
        "period": None,
    }


BAD_GROWTH = [
    ("start", "0001-01-01", "from 1900-01-01 to 2199-12-31"),
    ("start", "9999-12-31", "from 1900-01-01 to 2199-12-31"),
    ("end", "0001-01-01", "from 1900-01-01 to 2199-12-31"),
    ("end", "9999-12-31", "from 1900-01-01 to 2199-12-31"),
    ("start", "1899-12-31", "from 1900-01-01 to 2199-12-31"),
    ("start", "2024-13-01", "wrong format"),
    ("start", "yesterday", "wrong format"),
    ("assignment", HUGE, "less than or equal to 9223372036854775807"),
    ("assignment", "-5", "greater than or equal to 1"),
    ("assignment", "0", "greater than or equal to 1"),
    ("assignment", "abc", "valid integer"),
    ("assignment", "999999", "has no assignment 999999"),
    ("granularity", "monthly", "not a valid choice"),
    ("period", "quarter", "not a valid choice"),
    ("period", "by_week", "not a valid choice"),
]


@pytest.mark.parametrize(("name", "value", "says"), BAD_GROWTH)
def test_bad_growth_parameter_is_400_naming_it(api, growth_batch, name, value, says):
    response = api.get(GROWTH.format(id=growth_batch.id), {name: value})
    assert response.status_code == 400, response.content
    assert says in " ".join(response.json()[name])


def test_growth_end_before_start_is_400(api, growth_batch):
    response = api.get(
        GROWTH.format(id=growth_batch.id), {"start": "2024-02-01", "end": "2024-01-01"}
    )
    assert response.status_code == 400
    assert response.json() == {"end": ["The end is before the start."]}


def test_growth_at_the_edges_of_the_calendar_answers(api, growth_batch):
    """The bounds themselves are fine: the FCR's lead-in days reach before the first."""
    body = {"start": "1900-01-01", "end": "2199-12-31"}
    response = api.get(GROWTH.format(id=growth_batch.id), body)
    assert response.status_code == 200
    assert len(response.json()["actual"]["date"]) == 40


BAD_STATES = [
    ("batch", HUGE, "less than or equal to"),
    ("container", HUGE, "less than or equal to"),
    ("assignment", HUGE, "less than or equal to"),
    ("batch", "0", "greater than or equal to 1"),
    ("batch", "1\x00", "valid integer"),
    ("container", "x", "valid integer"),
    ("start", "0001-01-01", "from 1900-01-01 to 2199-12-31"),
    ("end", "9999-12-31", "from 1900-01-01 to 2199-12-31"),
]


@pytest.mark.parametrize(("name", "value", "says"), BAD_STATES)
def test_bad_daily_state_filter_is_400_naming_it(api, growth_batch, name, value, says):
    response = api.get(STATES, {name: value})
    assert response.status_code == 400, response.content
    assert says in " ".join(response.json()[name])


@pytest.mark.parametrize("size", [HUGE, "-1", "0", "abc"])
def test_odd_page_size_falls_back_to_a_page(api, growth_batch, size):
    """DRF reads a page size that is no positive number as the default, past the
    largest as the largest: an answer, never an error."""
    response = api.get(STATES, {"page_size": size})
    assert response.status_code == 200
    assert response.json()["count"] == 60


BAD_RECOMPUTE = [
    ({"batch": HUGE}, "batch", "object does not exist"),
    ({"assignment": HUGE}, "assignment", "object does not exist"),
    ({"batch": "abc"}, "batch", "Expected pk value"),
    ({"batch": "{id}", "start": "0001-01-01"}, "start", "from 1900-01-01 to 2199-12-31"),
    ({"batch": "{id}", "start": "9999-12-31"}, "start", "from 1900-01-01 to 2199-12-31"),
    ({}, "non_field_errors", "exactly one of batch and assignment"),
]


@pytest.mark.parametrize(("body", "name", "says"), BAD_RECOMPUTE)
def test_bad_recompute_request_is_400_naming_it(client, manager, growth_batch, body, name, says):
    client.force_login(manager)
    body = {key: value.replace("{id}", str(growth_batch.id)) for key, value in body.items()}
    response = client.post("/api/v1/recompute/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert says in " ".join(response.json()[name])
