"""A user whose password goes through a hasher that counts its calls, so a test can tell
whether a login attempt cost a hash; and a small lock limit so tests stay short."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import User

from tests import access, farm_builder

PASSWORD = "salmon-pass"
LIMIT = 3


class CountingHasher(MD5PasswordHasher):
    """MD5 (fast, tests only) that counts every hash it computes. Each goes through
    ``encode``: a password checked (``verify`` encodes the guess to compare) or made
    (which Django's backend also does for an unknown account, so that it costs the same
    time as a known one)."""

    algorithm = "counting-md5"
    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)


@pytest.fixture(autouse=True)
def login_settings(settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.conftest.CountingHasher"]
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AQUAGROWTH_LOGIN_ADDRESS_FAILURE_LIMIT = 10
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
    settings.AQUAGROWTH_PROXY_COUNT = 0
    return settings


@pytest.fixture
def hashes():
    """Call ``hashes()`` for the number of hashes computed since the fixture started."""
    start = CountingHasher.calls
    return lambda: CountingHasher.calls - start


@pytest.fixture
def user(db) -> User:
    """A viewer of station S01."""
    return access.person("biologist", "viewer", stations=["S01"], password=PASSWORD)


@pytest.fixture
def batch(batch, hall_containers, stages):
    """The shared batch, with a stay at station S01 (the user's: a batch is seen through
    its stays)."""
    farm_builder.stay(batch, hall_containers[0], stages["Egg&Alevin"], batch.start_date)
    return batch


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_superuser("farm-admin", password="admin-pass")


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
