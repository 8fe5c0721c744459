"""Who may write events, and where (docs/data-in.md, "Roles" and "Sites")."""

from __future__ import annotations

import pytest
from django.test import Client

from aquagrowth.farm import models as m
from tests import farm_builder
from tests.access import person
from tests.ingest.conftest import NUMBER, feeding, post, url


@pytest.mark.parametrize("role", ["viewer", None], ids=["viewer", "no role"])
def test_a_user_without_the_operator_role_may_not_write(as_user, farm, role):
    reader = person("biologist", role, stations=["S01"])

    response = post(as_user(reader), "feeding", [feeding()])

    assert response.status_code == 403
    assert not m.FeedingEvent.objects.exists()


def test_anonymous_is_told_to_bring_a_token(farm):
    response = post(Client(), "feeding", [feeding()])
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("role", ["operator", "manager"])
def test_operators_and_managers_write_to_their_sites(as_user, farm, role):
    writer = person("writer", role, stations=["S01"])
    assert post(as_user(writer), "feeding", [feeding()]).status_code == 201


def test_staff_write_everywhere_without_grants(as_user, farm):
    staff = person("ops", None, is_staff=True)
    assert post(as_user(staff), "feeding", [feeding()]).status_code == 201


def test_a_write_to_a_container_outside_ones_sites_is_refused_naming_the_row(as_user, farm, stages):
    batch, _, smolt = farm
    [pen] = farm_builder.sea_area("Vestmanna", ["VM-01"])
    sea = farm_builder.stay(batch, pen, stages["Smolt"], smolt.departure_date)
    elsewhere = person("pensys", "operator", sea_areas=["Vestmanna"])
    move = {
        "batch": NUMBER,
        "source_container": "S01-A-02",
        "source_assignment_date": "2024-03-01",
        "dest_container": "VM-01",
        "dest_assignment_date": sea.assignment_date.isoformat(),
        "execution_date": "2024-06-01",
        "transferred_count": 9000,
    }

    at_sea = post(as_user(elsewhere), "feeding", [feeding(), feeding(external_id="f-2")])
    moved = post(as_user(elsewhere), "transfers", [move])

    assert at_sea.status_code == 403
    assert at_sea.json() == {
        "detail": "Not at one of your sites.",
        "findings": [
            "[0].container: container S01-A-01 is not at one of your sites",
            "[1].container: container S01-A-01 is not at one of your sites",
        ],
        "total": 2,
    }
    assert moved.json()["findings"] == [
        "[0].source_container: container S01-A-02 is not at one of your sites"
    ]
    assert not m.FeedingEvent.objects.exists() and m.TransferAction.objects.count() == 1


def test_a_batch_of_another_site_is_not_told_of(as_user, farm, stages):
    batch, _, _ = farm
    [pen] = farm_builder.sea_area("Vestmanna", ["VM-01"])
    other = m.Batch.objects.create(
        number="FO-2023-07", species=batch.species, start_date=batch.start_date
    )
    farm_builder.stay(other, pen, stages["Smolt"], batch.start_date)
    operator = person("feedsys", "operator", stations=["S01"])
    hidden = {**feeding(external_id="x"), "batch": "FO-2023-07"}
    unknown = {**feeding(external_id="y"), "batch": "FO-1999-01"}

    response = post(as_user(operator), "feeding", [hidden, unknown])

    assert response.status_code == 400
    assert response.json()["findings"] == [
        "[0].batch: no batch 'FO-2023-07' in the files or the database",
        "[1].batch: no batch 'FO-1999-01' in the files or the database",
    ]


def test_get_is_not_an_endpoint(api, farm):
    assert api.get(url("feeding")).status_code == 405


def test_a_new_batch_gets_its_first_stay_from_an_operator(as_user, farm, species):
    m.Batch.objects.create(number="FO-2025-01", species=species, start_date="2024-01-01")
    operator = person("hatchery", "operator", stations=["S01"])
    egg_input = {
        "batch": "FO-2025-01",
        "container": "S01-A-03",
        "assignment_date": "2024-01-01",
        "stage": "Egg&Alevin",
        "population_count": 100000,
        "avg_weight_g": 0.2,
    }

    response = post(as_user(operator), "assignments", [egg_input])

    assert response.status_code == 201, response.content
    assert m.Assignment.objects.filter(batch__number="FO-2025-01").count() == 1
