"""API authentication: a token (made by a command or in the admin) or the page's session;
HTTP Basic refused unless configured, and throttled like the login page when it is."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.models import Token

from aquagrowth.accounts.authentication import BasicAuthentication, TokenAuthentication
from aquagrowth.analysis.views import BatchViewSet
from tests.accounts.conftest import LIMIT, PASSWORD, basic

GUESSER = "203.0.113.9"


def growth_url(batch) -> str:
    return f"/api/v1/batches/{batch.id}/growth/"


def make_token(username: str) -> str:
    out = io.StringIO()
    call_command("drf_create_token", username, stdout=out)
    return out.getvalue().split()[2]


def test_a_token_made_by_the_command_opens_the_api(client, user, batch, hashes):
    key = make_token("biologist")
    response = client.get(growth_url(batch), HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert response.json()["batch"]["number"] == batch.number
    assert hashes() == 0  # a token is looked up, never hashed


def test_staff_make_a_token_in_the_admin(user, staff, batch):
    admin = Client()
    admin.force_login(staff)
    response = admin.post("/admin/authtoken/tokenproxy/add/", {"user": user.pk})
    assert response.status_code == 302
    key = Token.objects.get(user=user).key
    assert Client().get(growth_url(batch), HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_the_session_of_the_page_opens_the_api(client, user, batch):
    client.post("/accounts/login/", {"username": "biologist", "password": PASSWORD})
    assert client.get(growth_url(batch)).status_code == 200


def test_anonymous_is_told_to_bring_a_token(client, batch):
    response = client.get(growth_url(batch))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("key", ["0" * 40, "0" * 300, "abc\x00def", "é"])
def test_a_wrong_token_is_401_and_costs_no_hash(client, user, batch, hashes, key):
    response = client.get(growth_url(batch), HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Invalid token")
    assert hashes() == 0


def test_basic_is_refused_by_default_without_a_hash(client, user, batch, hashes):
    response = client.get(growth_url(batch), HTTP_AUTHORIZATION=basic("biologist", PASSWORD))
    assert response.status_code == 401
    assert hashes() == 0


def _api_classes(environ: dict[str, str]) -> list[str]:
    """The API's authentication classes in a fresh process with ``environ`` added."""
    code = (
        "import django; django.setup(); from rest_framework.views import APIView; "
        "print(' '.join(c.__name__ for c in APIView.authentication_classes))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "aquagrowth.settings", **environ}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_basic_is_on_only_when_configured():
    assert _api_classes({}) == ["TokenAuthentication", "SessionAuthentication"]
    assert _api_classes({"AQUAGROWTH_API_BASIC_AUTH": "1"}) == [
        "TokenAuthentication",
        "SessionAuthentication",
        "BasicAuthentication",
    ]


@pytest.fixture
def basic_on(monkeypatch):
    """The API as ``AQUAGROWTH_API_BASIC_AUTH=1`` configures it (settings are read once,
    at start, so the test sets the view's classes as they would be)."""
    classes = [TokenAuthentication, SessionAuthentication, BasicAuthentication]
    monkeypatch.setattr(BatchViewSet, "authentication_classes", classes)


def test_configured_basic_is_throttled_like_the_login_page(basic_on, client, user, batch, hashes):
    url = growth_url(batch)
    assert client.get(url, HTTP_AUTHORIZATION=basic("biologist", PASSWORD)).status_code == 200
    for i in range(LIMIT):
        wrong = basic("biologist", f"wrong-{i}")
        assert client.get(url, HTTP_AUTHORIZATION=wrong, REMOTE_ADDR=GUESSER).status_code == 401
    checked = hashes()
    right = basic("biologist", PASSWORD)
    for _ in range(5):
        assert client.get(url, HTTP_AUTHORIZATION=right, REMOTE_ADDR=GUESSER).status_code == 401
    assert hashes() == checked  # locked: refused before the password is hashed
    # From the owner's address the account still works.
    assert client.get(url, HTTP_AUTHORIZATION=right).status_code == 200


@pytest.mark.parametrize("username", ["x" * 300, "bio\x00logist", ""])
def test_configured_basic_refuses_odd_names(basic_on, client, user, batch, username):
    response = client.get(growth_url(batch), HTTP_AUTHORIZATION=basic(username, "guess"))
    assert response.status_code == 401


def test_the_schema_describes_token_and_session(client, user):
    client.force_login(user)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    schemes = schema["components"]["securitySchemes"]
    assert set(schemes) == {"tokenAuth", "cookieAuth"}
    assert schemes["tokenAuth"]["in"] == "header"
    growth = schema["paths"]["/api/v1/batches/{id}/growth/"]["get"]
    assert {"tokenAuth": []} in growth["security"]


def test_the_schema_describes_basic_when_it_is_on(basic_on, client, user):
    client.force_login(user)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["components"]["securitySchemes"]["basicAuth"] == {
        "type": "http",
        "scheme": "basic",
    }
    growth = schema["paths"]["/api/v1/batches/{id}/growth/"]["get"]
    assert {"basicAuth": []} in growth["security"]
