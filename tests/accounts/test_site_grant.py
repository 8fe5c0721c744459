"""A site grant is one station or one sea area, held once; staff give them in the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.test import Client

from aquagrowth.accounts.models import SiteGrant
from aquagrowth.farm import models as m
from tests import access, farm_builder


@pytest.fixture
def places(db) -> tuple[m.FreshwaterStation, m.SeaArea]:
    farm_builder.hall("S01", "A", [("S01-A-01", "tray", 10)])
    farm_builder.sea_area("Vestmanna", ["VM-01"])
    return m.FreshwaterStation.objects.get(), m.SeaArea.objects.get()


def refused(**fields) -> bool:
    try:
        with transaction.atomic():
            SiteGrant.objects.create(**fields)
    except IntegrityError:
        return True
    return False


def test_exactly_one_site_per_grant_and_each_once(places):
    station, area = places
    user = access.person("biologist")
    assert refused(user=user)  # neither
    assert refused(user=user, station=station, sea_area=area)  # both
    assert not refused(user=user, station=station)
    assert not refused(user=user, sea_area=area)
    assert refused(user=user, station=station)  # twice
    assert refused(user=user, sea_area=area)
    other = access.person("skipper")
    assert not refused(user=other, station=station)  # the same site for another user


def test_staff_grant_sites_in_the_admin(places):
    station, area = places
    user = access.person("biologist")
    staff = Client()
    staff.force_login(User.objects.create_superuser("farm-admin", "a@example.com", "pw"))
    page = staff.get(f"/admin/auth/user/{user.pk}/change/").content.decode()
    assert "site_grants-TOTAL_FORMS" in page  # the sites inline, on the user's page
    answer = staff.post("/admin/accounts/sitegrant/add/", {"user": user.pk, "station": station.pk})
    assert answer.status_code == 302
    assert [g.site for g in user.site_grants.all()] == [station]
    both = {"user": user.pk, "station": station.pk, "sea_area": area.pk}
    answer = staff.post("/admin/accounts/sitegrant/add/", both)
    assert answer.status_code == 200  # the form again, with the constraint's message
    assert user.site_grants.count() == 1
    listing = staff.get("/admin/auth/user/").content.decode()
    assert "viewer" in listing  # the role column
