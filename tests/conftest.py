"""Shared fixtures: a small farm built through the ORM (``tests/farm_builder.py``), valid on
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.db import connection, connections
from hypothesis import settings

from aquagrowth.farm import models as m
from tests import farm_builder
from tests.analysis.browser_tools import CHROMIUM, CHROMIUM_ARGS

# CI explores the same examples on every run, so that a red build always reproduces;
# developers' runs explore new ones (and keep any failure in .hypothesis/).
settings.register_profile("ci", derandomize=True)

# Commands and Celery workers the tests start load the project's own settings module
# (``tests`` may not be importable there); tests/settings.py left DJANGO_DEBUG=1 set for
# them, so they run with the settings of this process.
os.environ["DJANGO_SETTINGS_MODULE"] = "aquagrowth.settings"
if os.environ.get("CI"):
    settings.load_profile("ci")


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def species(db) -> m.Species:
    return farm_builder.salmon()


@pytest.fixture
def stages(species) -> dict[str, m.LifecycleStage]:
    return {s.name: s for s in species.stages.all()}


@pytest.fixture
def hall_containers(species, stages) -> list[m.Container]:
    trays = [(f"S01-A-{i:02d}", "tray", 10) for i in range(1, 4)]
    return farm_builder.hall("S01", "A", trays, stage=stages["Egg&Alevin"])


@pytest.fixture
def batch(species) -> m.Batch:
    return m.Batch.objects.create(
        number="FO-2024-01", species=species, start_date=dt.date(2024, 1, 1)
    )


@pytest.fixture
def anchored_model(db) -> None:
    """The farm in the anchored weight model, where a day with a weight sample has the
    sample's weight exactly: for tests of what carries a sample to the engine (the API,
    the triggers), not of how the models weigh it (tests/engine/test_smoother.py)."""
    farm = m.FarmSettings.current()
    farm.weight_model = m.WeightModel.ANCHORED
    farm.save()


@pytest.fixture
def browser(monkeypatch):
    """Debian's headless Chromium through Playwright, for every browser test."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM must still work.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # Inside Playwright's context the ORM opened connections of its own; left open,
        # they would keep PostgreSQL from dropping the test database.
        connections.close_all()


@pytest.fixture(autouse=True)
def no_answer_cache(settings):
    """No growth-answer cache unless a test asks for one (tests/analysis/test_answer_cache.py):
    tests write daily states by hand, without the store's fingerprints the key reads."""
    settings.CACHES = {
        **settings.CACHES,
        "answers": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
