"""How long every alert rule takes for a whole farm, and how fast the site page draws.

Uses the farm in the database the environment names (build it first: ``aquagrowth
generate --profile seed-scale`` and ``aquagrowth recompute --end AS-OF``), then times:

- ``evaluate`` for the whole farm (every rule, raising on the first run, keeping on the
  next): median over ``--runs`` runs, and each rule alone;
- each sea area's page in headless Chromium at 1440x900: from the start of navigation
  to the chart drawn (``data-drawn-at-ms``), the server's part included.

    DATABASE_URL=postgres://postgres@127.0.0.1/aq_sites_seed \\
        .venv/bin/python bench/alerts_bench.py --today 2026-01-20
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aquagrowth.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from page_bench import Site  # noqa: E402

from aquagrowth.farm.models import Batch, BatchStatus, SeaArea  # noqa: E402
from aquagrowth.sites import rules  # noqa: E402
from aquagrowth.sites.alerts import evaluate, make_scope  # noqa: E402

USER, PASSWORD = "alerts-bench", "alerts-bench-pass"


def time_rules(today: dt.date) -> dict[str, float]:
    """Each rule alone (seconds), on the same scope."""
    scope = make_scope(today)
    started = time.perf_counter()
    stays = rules.open_stays(scope)
    cache = rules.PathCache()
    seconds = {"open stays (shared)": time.perf_counter() - started}
    for name, run in (
        ("feed_silence", lambda: rules.feed_silence(scope, stays)),
        ("temperature_silence", lambda: rules.temperature_silence(scope, stays)),
        ("mortality_silence", lambda: rules.mortality_silence(scope, stays)),
        ("mortality_spike", lambda: rules.mortality_spike(scope, stays)),
        ("recompute", lambda: rules.recompute(scope)),
        ("behind_plan", lambda: rules.behind_plan(scope, stays, cache)),
        ("biomass_cap", lambda: rules.biomass_cap(scope, rules.groups_in_scope(scope), cache)),
    ):
        started = time.perf_counter()
        run()
        seconds[name] = time.perf_counter() - started
    return seconds


def time_pages(loads: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    user = get_user_model().objects.filter(username=USER).first()
    if user is None:
        get_user_model().objects.create_superuser(USER, password=PASSWORD)
    drawn = {}
    with Site() as site, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{site.url}/accounts/login/")
        page.fill("#id_username", USER)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{site.url}/")
        for area in SeaArea.objects.order_by("geography__name", "name"):
            times = []
            for _ in range(loads + 1):
                page.goto(f"{site.url}/sites/sea-area/{area.pk}/")
                page.wait_for_selector("#site-chart[data-drawn]", timeout=30_000)
                times.append(int(page.get_attribute("#site-chart", "data-drawn-at-ms")))
            drawn[area.name] = statistics.median(times[1:])
        browser.close()
    return drawn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--loads", type=int, default=3)
    args = parser.parse_args()
    active = Batch.objects.filter(status=BatchStatus.ACTIVE).count()
    print(f"farm: {Batch.objects.count()} batches, {active} active")
    runs = []
    for _ in range(args.runs):
        outcome = evaluate(today=args.today)
        runs.append(outcome.seconds)
        print(
            f"evaluate: {outcome.seconds:.3f} s ({len(outcome.raised)} raised, "
            f"{len(outcome.kept)} kept, {len(outcome.resolved)} resolved)"
        )
    print(f"evaluate, whole farm: median {statistics.median(runs):.3f} s over {len(runs)} runs")
    for name, seconds in time_rules(args.today).items():
        print(f"  {name:24} {seconds:.3f} s")
    for name, ms in time_pages(args.loads).items():
        print(f"site page {name}: chart drawn {ms:.0f} ms after navigation (median)")


if __name__ == "__main__":
    main()
