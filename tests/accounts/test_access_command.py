"""``aquagrowth access``: a machine client or a person given a role and sites in one
line; every user's access listed; bad arguments exit 2 and change nothing."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from aquagrowth.accounts.models import SiteGrant
from aquagrowth.accounts.roles import can_write_events, role_of
from aquagrowth.accounts.sites import visible_batches, writable_container_ids
from aquagrowth.farm import models as m
from tests import access, farm_builder

ROOT = Path(__file__).resolve().parents[2]


def run(*argv: str) -> tuple[int, str]:
    """``aquagrowth access ARGV``: its exit status and what it printed (or the error)."""
    out = io.StringIO()
    try:
        call_command("access", *argv, stdout=out, stderr=io.StringIO())
    except CommandError as error:
        return error.returncode, str(error)
    return 0, out.getvalue()


@pytest.fixture
def sites(batch):
    """Station S01 (the shared batch stays in a tray there) and sea area Vestmanna."""
    farm_builder.sea_area("Vestmanna", ["VM-01"])
    return batch


def test_a_feed_system_gets_its_user_role_site_and_token(sites):
    status, out = run(
        "grant", "feedsys-north", "--role", "operator", "--station", "S01", "--create", "--token"
    )
    assert status == 0, out
    lines = out.splitlines()
    assert (
        lines[0] == "feedsys-north (created, no password): operator; sites: freshwater station S01"
    )
    assert lines[-1].startswith("token: ")
    key = lines[-1].removeprefix("token: ")
    machine = User.objects.get(username="feedsys-north")
    assert not machine.has_usable_password()
    assert role_of(machine) == "operator" and can_write_events(machine)
    assert writable_container_ids(machine) == {
        c.pk for c in m.Container.objects.filter(hall__station__name="S01")
    }
    # The token opens the API, on the station's batch.
    answer = Client().get("/api/v1/batches/", HTTP_AUTHORIZATION=f"Token {key}").json()
    assert [b["number"] for b in answer["results"]] == [sites.number]
    # Asked again: the same token, nothing doubled.
    assert run("grant", "feedsys-north", "--station", "S01", "--token")[1].endswith(f"{key}\n")
    assert SiteGrant.objects.filter(user=machine).count() == 1


def test_a_role_replaces_the_one_held_and_sites_add_up(sites):
    person = access.person("biologist", "manager", stations=["S01"])
    assert run("grant", "biologist", "--role", "viewer", "--sea-area", "Vestmanna")[0] == 0
    person = User.objects.get(pk=person.pk)
    assert role_of(person) == "viewer"
    assert {str(g.site) for g in person.site_grants.all()} == {"S01", "Vestmanna"}
    assert run("revoke", "biologist", "--station", "S01") == (0, "biologist: 1 of 1 sites taken\n")
    assert list(visible_batches(person)) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["grant", "nobody", "--role", "viewer"], "no user named 'nobody' (--create makes one)"),
        (
            ["grant", "newcomer", "--station", "S99", "--create"],
            "no freshwater station named 'S99'",
        ),
        (["grant", "biologist", "--sea-area", "Atlantis"], "no sea area named 'Atlantis'"),
        (["grant", "biologist"], "nothing to grant: give --role, --station or --sea-area"),
        (["revoke", "biologist"], "nothing to revoke: give --station or --sea-area"),
    ],
)
def test_bad_arguments_exit_2_and_change_nothing(sites, argv, message):
    access.person("biologist", "viewer")
    before = (User.objects.count(), SiteGrant.objects.count())
    assert run(*argv) == (2, message)
    assert (User.objects.count(), SiteGrant.objects.count()) == before


def test_a_site_name_two_geographies_share_needs_the_geography(sites):
    farm_builder.hall("S01", "A", [("SC-S01-A-01", "tank", 10)], geography="Scotland")
    access.person("biologist", "viewer")
    status, message = run("grant", "biologist", "--station", "S01")
    assert status == 2
    assert message == (
        "2 freshwater stations are named 'S01' (Faroe Islands, Scotland): give --geography"
    )
    assert run("grant", "biologist", "--station", "S01", "--geography", "Scotland")[0] == 0
    (granted,) = SiteGrant.objects.filter(user__username="biologist")
    assert granted.station.geography.name == "Scotland"


def test_the_list_shows_every_users_role_sites_and_token(sites):
    run("grant", "feedsys-north", "--role", "operator", "--station", "S01", "--create", "--token")
    access.person("skipper", "viewer", sea_areas=["Vestmanna"])
    User.objects.create_superuser("farm-admin", "a@example.com", "pw")
    status, out = run("list", "--json")
    assert status == 0
    assert json.loads(out) == [
        {
            "username": "farm-admin",
            "role": "admin",
            "active": True,
            "password": True,
            "sites": [],
            "token": False,
        },
        {
            "username": "feedsys-north",
            "role": "operator",
            "active": True,
            "password": False,
            "sites": [{"kind": "station", "name": "S01", "geography": "Faroe Islands"}],
            "token": True,
        },
        {
            "username": "skipper",
            "role": "viewer",
            "active": True,
            "password": True,
            "sites": [{"kind": "sea_area", "name": "Vestmanna", "geography": "Faroe Islands"}],
            "token": False,
        },
    ]
    status, table = run("list")
    assert status == 0
    assert "feedsys-north" in table and "freshwater station S01" in table


def test_the_console_command_explains_itself_and_refuses_a_bad_role(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DJANGO_DEBUG": "1"}
    env["AQUAGROWTH_VAR"] = str(tmp_path)

    def console(*argv: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "aquagrowth.cli", "access", *argv]
        return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)

    helped = console("grant", "--help")
    assert helped.returncode == 0
    assert "--create" in helped.stdout and "operator" in helped.stdout
    refused = console("grant", "someone", "--role", "admin")
    assert refused.returncode == 2
    assert "invalid choice: 'admin'" in refused.stderr
