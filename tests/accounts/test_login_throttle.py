"""Failed logins are counted per (account, address): past the limit that account is
refused from that address without its password being hashed, while its owner still logs
in from another address; staff lift a lock; the lock ends after the cool-off."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

from aquagrowth.accounts.lockout import _warn_unset_proxy_count
from tests.accounts.conftest import LIMIT, PASSWORD

GUESSER = "203.0.113.9"
OWNER = "198.51.100.20"


def login(client: Client, password: str, username: str = "biologist", address: str = GUESSER):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def logged_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def lock(client: Client, username: str = "biologist", address: str = GUESSER) -> None:
    """``LIMIT`` wrong passwords: the form again with its error, then the lock page."""
    for i in range(LIMIT - 1):
        response = login(client, f"wrong-{i}", username, address)
        assert response.status_code == 200
        assert "did not match" in response.content.decode()
    assert login(client, "wrong-last", username, address).status_code == 429


def test_failures_lock_the_account_from_that_address_only(client, user):
    lock(client)
    refused = login(client, PASSWORD)
    assert refused.status_code == 429
    assert "Login locked" in refused.content.decode()
    assert not logged_in(refused)
    # The owner, elsewhere, is not locked out by the guesser.
    assert logged_in(login(Client(), PASSWORD, address=OWNER))


def test_a_locked_attempt_costs_no_hash(client, user, hashes):
    lock(client)
    assert hashes() == LIMIT  # each counted failure checked its password once
    for password in ("wrong-again", PASSWORD, "x" * 1000):
        assert login(client, password).status_code == 429
    assert hashes() == LIMIT


def test_a_locked_attempt_writes_nothing(client, user):
    """A refused attempt is not recorded, so hammering a lock grows no row."""
    lock(client)
    before = AccessAttempt.objects.values().get()
    for i in range(5):
        assert login(client, f"again-{i}").status_code == 429
    assert AccessAttempt.objects.values().get() == before
    assert before["failures_since_start"] == LIMIT


def test_an_unknown_account_is_counted_the_same(client, db, hashes):
    """Django hashes for an unknown name too (so timing tells nothing): it is locked
    the same way, and says no more than for a real account."""
    lock(client, username="nobody")
    assert hashes() == LIMIT
    assert login(client, "guess", username="nobody").status_code == 429
    assert hashes() == LIMIT


def test_below_the_limit_a_good_password_logs_in_and_clears_the_count(client, user):
    for i in range(LIMIT - 1):
        login(client, f"wrong-{i}")
    assert logged_in(login(client, PASSWORD))
    assert not AccessAttempt.objects.filter(username="biologist").exists()


def test_staff_lift_a_lock_in_the_admin(client, user, staff):
    lock(client)
    admin = Client()
    admin.force_login(staff)
    page = admin.get("/admin/axes/accessattempt/")
    assert page.status_code == 200
    assert GUESSER in page.content.decode()
    attempt = AccessAttempt.objects.get(username="biologist", ip_address=GUESSER)
    deleted = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert deleted.status_code == 302
    assert logged_in(login(client, PASSWORD))


@pytest.mark.parametrize(
    "command",
    [("axes_reset_username", "biologist"), ("axes_reset_ip_username", GUESSER, "biologist")],
)
def test_staff_lift_a_lock_with_a_command(client, user, command):
    lock(client)
    call_command(*command)
    assert logged_in(login(client, PASSWORD))


def test_the_lock_ends_after_the_cool_off(client, user):
    lock(client)
    assert login(client, PASSWORD).status_code == 429
    earlier = dt.timedelta(minutes=16)
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            attempt_time=attempt.attempt_time - earlier
        )
    assert logged_in(login(client, PASSWORD))


def test_the_admin_login_is_throttled_too(client, staff, hashes):
    for i in range(LIMIT):
        response = client.post(
            "/admin/login/", {"username": "farm-admin", "password": f"wrong-{i}"}
        )
        assert response.status_code == (200 if i < LIMIT - 1 else 429)
    before = hashes()
    response = client.post("/admin/login/", {"username": "farm-admin", "password": "admin-pass"})
    assert response.status_code == 429
    assert hashes() == before


def test_one_address_cycling_names_meets_a_ceiling(client, user, settings, hashes):
    """Each name has its own per-account quota; the address's failures over all names
    have a ceiling, past which that address costs no more hashes (and only it is
    refused)."""
    ceiling = settings.AQUAGROWTH_LOGIN_ADDRESS_FAILURE_LIMIT
    for i in range(ceiling):
        assert login(client, "guess", username=f"name-{i}").status_code == 200
    assert hashes() == ceiling
    refused = login(client, PASSWORD)
    assert refused.status_code == 429
    assert hashes() == ceiling
    assert logged_in(login(Client(), PASSWORD, address=OWNER))


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(client, user, settings):
    """With one reverse proxy, its own entry (the right-most) in X-Forwarded-For is the
    client; entries a guesser puts before it change nothing."""
    settings.AQUAGROWTH_PROXY_COUNT = 1
    for i in range(LIMIT):
        client.post(
            "/accounts/login/",
            {"username": "biologist", "password": f"wrong-{i}"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, {GUESSER}",
        )
    assert AccessAttempt.objects.get().ip_address == GUESSER
    refused = client.post(
        "/accounts/login/",
        {"username": "biologist", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=f"10.9.9.9, {GUESSER}",
    )
    assert refused.status_code == 429
    owner = Client().post(
        "/accounts/login/",
        {"username": "biologist", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=OWNER,
    )
    assert logged_in(owner)


@pytest.mark.parametrize("username", ["x" * 300, "bio\x00logist"])
def test_odd_names_are_refused_not_500(client, user, username):
    response = login(client, "guess", username=username)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_forwarded_login_without_a_proxy_count_is_logged(client, user, caplog):
    """Behind a proxy with ``AQUAGROWTH_PROXY_COUNT`` unset every login would count against
    the proxy's address: the log says so (once per process)."""
    _warn_unset_proxy_count.cache_clear()
    client.post(
        "/accounts/login/",
        {"username": "biologist", "password": "wrong"},
        HTTP_X_FORWARDED_FOR=OWNER,
    )
    assert "AQUAGROWTH_PROXY_COUNT is 0" in caplog.text
