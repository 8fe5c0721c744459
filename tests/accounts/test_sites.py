"""Sites: a user sees the batches of its sites only, and another site's batch is not told.

Two sites: station S01 holds batch FO-2024-01 (the analysis tests' hand-written batch,
with its daily states), sea area Vestmanna holds batch VM-2024-01 (a pen, a few daily
states, a harvested stay). A viewer of S01, by token, must not learn anything of the
Vestmanna batch: not in the list, 404 for it everywhere (never 403), no daily state of
it, and the same 400 as an unknown id where a report names it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from aquagrowth.accounts.sites import (
    visible_batches,
    writable_container_ids,
)
from aquagrowth.engine.models import DailyState
from aquagrowth.farm import models as m
from aquagrowth.farm.signals import bulk_load
from tests import access, farm_builder
from tests.analysis.conftest import (  # noqa: F401 (fixtures)
    build_batch,
    containers,
    growth_batch,
    state,
)

SEA_START = dt.date(2024, 6, 1)
LOSS_URL = "/api/v1/reports/unexplained-loss/"


@pytest.fixture
def sea_batch(species, stages) -> m.Batch:
    """VM-2024-01 in pen VM-01 (Vestmanna): 10 days of states, then harvested."""
    with bulk_load():
        (pen,) = farm_builder.sea_area("Vestmanna", ["VM-01"])
        batch = m.Batch.objects.create(number="VM-2024-01", species=species, start_date=SEA_START)
        stay = farm_builder.stay(
            batch, pen, stages["Adult"], SEA_START, SEA_START + dt.timedelta(days=10),
            fish=1000, weight_g=4000,
        )  # fmt: skip
        DailyState.objects.bulk_create(
            state(stay, SEA_START + dt.timedelta(days=d), 1000, 4000.0 + d) for d in range(10)
        )
        farm_builder.harvest(stay, SEA_START + dt.timedelta(days=9), 990)
    return batch


@pytest.fixture
def two_sites(growth_batch, sea_batch) -> tuple[m.Batch, m.Batch]:  # noqa: F811
    return growth_batch, sea_batch


def token_client(user: User) -> Client:
    """A client that signs every request with the user's token, as a machine does."""
    key = Token.objects.get_or_create(user=user)[0].key
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
def station_token(two_sites) -> Client:
    return token_client(access.person("s01-reader", "viewer", stations=["S01"]))


# --- Reads --------------------------------------------------------------------------


def test_the_batch_list_holds_only_the_sites_batches(station_token, two_sites):
    mine, _ = two_sites
    numbers = [b["number"] for b in station_token.get("/api/v1/batches/").json()["results"]]
    assert numbers == [mine.number]


def test_another_sites_batch_is_404_never_403(station_token, two_sites):
    mine, theirs = two_sites
    assert station_token.get(f"/api/v1/batches/{mine.id}/growth/").status_code == 200
    for url in (f"/api/v1/batches/{theirs.id}/", f"/api/v1/batches/{theirs.id}/growth/"):
        response = station_token.get(url)
        assert response.status_code == 404
        # Word for word what a batch that does not exist answers.
        missing = station_token.get(url.replace(str(theirs.id), "999999"))
        assert response.json() == missing.json()


def test_daily_states_of_another_site_are_absent(station_token, two_sites):
    mine, theirs = two_sites
    everything = station_token.get("/api/v1/daily-states/", {"page_size": 5000}).json()
    assert {row["batch"] for row in everything["results"]} == {mine.id}
    assert everything["count"] == DailyState.objects.filter(batch=mine).count()
    assert station_token.get("/api/v1/daily-states/", {"batch": theirs.id}).json()["count"] == 0
    pen = theirs.assignments.get()
    by_container = station_token.get("/api/v1/daily-states/", {"container": pen.container_id})
    assert by_container.json()["count"] == 0
    one = DailyState.objects.filter(batch=theirs).first()
    assert station_token.get(f"/api/v1/daily-states/{one.id}/").status_code == 404


def test_the_loss_report_names_no_batch_or_site_of_another_site(station_token, two_sites):
    _, theirs = two_sites
    body = station_token.get(LOSS_URL).json()
    assert body["pens"] == [] and body["sites"] == []  # the harvested pen is Vestmanna's
    # The batch and the site answer as unknown ones do.
    theirs_answer = station_token.get(LOSS_URL, {"batch": theirs.id})
    unknown = station_token.get(LOSS_URL, {"batch": 999_999})
    assert theirs_answer.status_code == unknown.status_code == 400
    assert theirs_answer.json()["batch"][0].replace(str(theirs.id), "N") == unknown.json()["batch"][
        0
    ].replace("999999", "N")
    assert station_token.get(LOSS_URL, {"site": "Vestmanna"}).status_code == 400
    # Its own station's name is known (nothing harvested there yet).
    assert station_token.get(LOSS_URL, {"site": "S01"}).status_code == 200


def test_the_sea_areas_reader_gets_the_harvested_pen(two_sites):
    mine, theirs = two_sites
    reader = token_client(access.person("skipper", "viewer", sea_areas=["Vestmanna"]))
    body = reader.get(LOSS_URL, {"site": "Vestmanna"}).json()
    assert [(p["batch"], p["container"], p["harvested"]) for p in body["pens"]] == [
        (theirs.number, "VM-01", 990)
    ]
    assert reader.get(f"/api/v1/batches/{mine.id}/growth/").status_code == 404


def test_the_pages_show_only_the_sites_batches(two_sites):
    mine, theirs = two_sites
    client = Client()
    client.force_login(access.person("s01-person", "viewer", stations=["S01"]))
    page = client.get("/").content.decode()
    assert mine.number in page and theirs.number not in page
    assert client.get(f"/batches/{mine.id}/growth/").status_code == 200
    assert client.get(f"/batches/{theirs.id}/growth/").status_code == 404


def test_a_batch_is_seen_from_every_site_it_stayed_at(two_sites, stages):
    mine, theirs = two_sites
    # FO-2024-01 goes to sea: a stay in Vestmanna after its freshwater stays.
    (pen,) = farm_builder.sea_area("Vestmanna", ["VM-02"])
    farm_builder.stay(mine, pen, stages["Smolt"], dt.date(2024, 3, 1))
    skipper = access.person("skipper", "viewer", sea_areas=["Vestmanna"])
    assert {b.number for b in visible_batches(skipper)} == {mine.number, theirs.number}
    station = access.person("s01-person", "viewer", stations=["S01"])
    assert {b.number for b in visible_batches(station)} == {mine.number}


def test_staff_see_every_site_without_grants(two_sites):
    staff = User.objects.create_user("ops", password="x", is_staff=True)
    numbers = {b["number"] for b in token_client(staff).get("/api/v1/batches/").json()["results"]}
    assert numbers == {b.number for b in two_sites}


def test_no_role_no_reading_and_no_grant_no_batches(two_sites):
    mine, _ = two_sites
    nobody = access.person("nobody", role=None, stations=["S01"])
    response = token_client(nobody).get("/api/v1/batches/")
    assert response.status_code == 403
    assert "no role" in response.json()["detail"]
    assert token_client(nobody).get(f"/api/v1/batches/{mine.id}/growth/").status_code == 403
    client = Client()
    client.force_login(nobody)
    assert "no role yet" in client.get("/").content.decode()
    assert client.get(f"/batches/{mine.id}/growth/").status_code == 404

    ungranted = access.person("ungranted", "viewer")
    assert token_client(ungranted).get("/api/v1/batches/").json()["results"] == []
    client.force_login(ungranted)
    assert "no sites yet" in client.get("/").content.decode()


def test_the_batch_list_costs_the_same_queries_for_more_batches_and_grants(
    two_sites,
    species,
    stages,
    containers,  # noqa: F811
):
    reader = access.person("reader", "viewer", stations=["S01"])
    api = token_client(reader)
    with CaptureQueriesContext(connection) as few:
        assert len(api.get("/api/v1/batches/").json()["results"]) == 1
    build_batch("FO-2024-02", dt.date(2024, 5, 1), species, stages, containers)
    build_batch("FO-2024-03", dt.date(2024, 9, 1), species, stages, containers)
    access.grant(reader, stations=["S02", "S03"], sea_areas=["Vestmanna", "Funningur"])
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/api/v1/batches/").json()["results"]) == 4
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Writes and recomputes ----------------------------------------------------------


def test_a_viewer_cannot_recompute_a_manager_can_its_own_sites_only(two_sites):
    mine, theirs = two_sites
    url = "/api/v1/recompute/"
    viewer = token_client(access.person("viewer", "viewer", stations=["S01"]))
    operator = token_client(access.person("operator", "operator", stations=["S01"]))
    manager = token_client(access.person("manager", "manager", stations=["S01"]))
    for client in (viewer, operator):
        response = client.post(url, {"batch": mine.id}, content_type="application/json")
        assert response.status_code == 403
    response = manager.post(url, {"batch": mine.id}, content_type="application/json")
    assert response.status_code == 202, response.content
    # Another site's batch or stay is as unknown to the manager as a missing one.
    for body in ({"batch": theirs.id}, {"assignment": theirs.assignments.get().id}):
        response = manager.post(url, body, content_type="application/json")
        assert response.status_code == 400
        assert "does not exist" in str(response.json())


def test_writable_containers_are_the_sites_containers_for_writers_only(two_sites):
    _, theirs = two_sites
    station_containers = set(
        m.Container.objects.filter(hall__station__name="S01").values_list("pk", flat=True)
    )
    pen = theirs.assignments.get().container_id
    operator = access.person("operator", "operator", stations=["S01"])
    assert writable_container_ids(operator) == station_containers
    both = access.person("both", "manager", stations=["S01"], sea_areas=["Vestmanna"])
    assert writable_container_ids(both) == station_containers | {pen}
    assert writable_container_ids(access.person("viewer", "viewer", stations=["S01"])) == set()
    assert writable_container_ids(access.person("none", None, stations=["S01"])) == set()
    staff = User.objects.create_user("ops", is_staff=True)
    assert writable_container_ids(staff) is None  # every container
