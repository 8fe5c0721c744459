"""Licences in from CSV (all or nothing, the bad line named), the sites API scoped to a
user's sites, and the subscribe command."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from aquagrowth.sites.models import AlertSubscription, Licence, LicenceGroup
from tests import access, farm_builder

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_areas(db):
    farm_builder.sea_area("North", ["N-R1"])
    farm_builder.sea_area("South", ["S-R1"])


def write(tmp_path, text: str):
    path = tmp_path / "licences.csv"
    path.write_text(text)
    return str(path)


def test_import_stores_licences_and_groups(two_areas, tmp_path):
    out = io.StringIO()
    call_command(
        "sites",
        "import",
        write(
            tmp_path,
            "licence,group,max_biomass_t,sites\nN-1,Fjord,780,North;South\n"
            "N-2,Fjord,780,North\nS-1,South consent,2500,South\n",
        ),
        stdout=out,
    )
    assert "3 licences stored" in out.getvalue()
    fjord = LicenceGroup.objects.get(name="Fjord")
    assert fjord.cap_t() == 1560.0
    assert sorted(a.name for a in fjord.sea_areas.all()) == ["North", "South"]


@pytest.mark.parametrize(
    "bad_row,named",
    [
        ("X-2,Fjord,-5,North", "line 3: max_biomass_t '-5'"),
        ("X-2,Fjord,780,Nowhere", "line 3: no station or sea area Nowhere"),
        ("X-1,Fjord,780,North", "line 3: licence 'X-1' is empty or given twice"),
    ],
)
def test_import_refuses_a_bad_row_and_stores_nothing(two_areas, tmp_path, bad_row, named):
    text = f"licence,group,max_biomass_t,sites\nX-1,Fjord,780,North\n{bad_row}\n"
    with pytest.raises(CommandError, match=named) as refused:
        call_command("sites", "import", write(tmp_path, text))
    assert refused.value.returncode == 2
    assert not Licence.objects.exists() and not LicenceGroup.objects.exists()


def test_sites_api_shows_only_the_users_sites(two_areas, client):
    group = LicenceGroup.objects.create(name="South consent")
    group.sea_areas.add(farm_builder.m.SeaArea.objects.get(name="South"))
    Licence.objects.create(number="S-1", group=group, max_biomass_t=100)
    client.force_login(access.person("north-viewer", "viewer", sea_areas=["North"]))
    assert [s["name"] for s in client.get("/api/v1/sites/").json()] == ["North"]
    assert client.get("/api/v1/licence-groups/").json()["results"] == []
    south = farm_builder.m.SeaArea.objects.get(name="South")
    assert client.get(f"/api/v1/sites/sea-area/{south.pk}/").status_code == 404
    answer = client.get("/api/v1/reports/monthly/?site=South&month=2025-05")
    assert answer.status_code == 400 and "South" in json.dumps(answer.json())


def test_subscribe_command(two_areas):
    user = access.person("keeper", "viewer", sea_areas=["North"], email="k@farm.example")
    call_command("sites", "subscribe", "keeper", "--site", "North", stdout=io.StringIO())
    assert AlertSubscription.objects.get(user=user).sea_area.name == "North"
    with pytest.raises(CommandError, match="no user"):
        call_command("sites", "subscribe", "nobody", "--site", "North")


def test_admin_pages_of_licences_and_alerts(two_areas, admin_client):
    assert admin_client.get("/admin/sites/licencegroup/add/").status_code == 200
    assert admin_client.get("/admin/sites/alert/").status_code == 200
    assert admin_client.get("/admin/sites/alertsubscription/").status_code == 200
