"""Headless Chromium for the page's browser tests: where it is, the two sizes a manager
uses, signing in, and waiting for a drawn chart."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def signed_in(browser, live_server, username: str, viewport: dict, **options):
    """A tab signed in as ``username``, with its page errors collected in ``tab.errors``."""
    context = browser.new_context(viewport=viewport, accept_downloads=True, **options)
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.goto(f"{live_server.url}/accounts/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", "salmon-pass")
    tab.click("button[type=submit]")
    tab.wait_for_url(f"{live_server.url}/")
    return tab


def day_text(iso: str) -> str:
    """A date as the page writes it: 16 Oct 2025."""
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day:%b %Y}"


def wait_ready(tab):
    tab.wait_for_selector('#growth-app[data-ready="1"]', timeout=15_000)
