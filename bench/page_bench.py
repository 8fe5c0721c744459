"""How fast the Growth Analysis API and page answer one user, for a full-life batch.

Builds (or reuses) a generated farm whose batches live 800 days in 60 container stays
(10 per freshwater stage, 10 sea rings), computes their daily states, serves the site
over HTTP from a thread (the development server's way; ``bench/api_bench.py`` measures
the production server under load), then times:

- the combined growth data, daily and weekly, whole batch and one container: median
  and p95 over ``--requests`` requests, and the response size;
- the page in headless Chromium: from navigation to the chart drawn, cold (answer cache
  empty, a fresh browser) and warm (answer cached, the same browser).

    AQUAGROWTH_VAR=/tmp/ag-bench .venv/bin/python bench/page_bench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ag_bench .venv/bin/python bench/page_bench.py

The database named by the environment is used as it is: its farm is replaced when it
does not hold a batch of the benchmark's shape.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aquagrowth.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django

django.setup()

import yaml  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.staticfiles.handlers import StaticFilesHandler  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Max, Min  # noqa: E402

from aquagrowth.accounts import access  # noqa: E402
from aquagrowth.engine.models import DailyState  # noqa: E402
from aquagrowth.farm.models import Batch, FreshwaterStation, SeaArea  # noqa: E402

DAYS, STAYS = 800, 60
AS_OF = dt.date(2026, 3, 10)
USER, PASSWORD = "bench", "bench-password"
PROFILE = {
    # 5 freshwater stages x 90 days, then 400 days at sea of which 350 have passed on
    # AS_OF: 800 days of states, fish still in the sea (so there is a forward projection);
    # 10 containers per freshwater stage + 10 rings = 60 assignments.
    "name": "api-bench",
    "first_start": "2024-01-01",
    "as_of": "2026-03-10",
    "batches_per_geography": 1,
    "stagger_days": 30,
    "fresh_stage_days": [90, 90, 90, 90, 90],
    "fresh_stage_jitter_days": 0,
    "sea_days": [400, 400],
    "rings": [10, 10],
    "containers_per_stage": 10,
    "layout": {
        "stations_per_geography": 1,
        "sea_areas_per_geography": 1,
        "rings_per_area": 12,
        "containers_per_hall": 10,
    },
}


def bench_batch() -> Batch | None:
    """A batch of the benchmark's shape (fish still in the sea), if the database has one."""
    spans = (
        DailyState.objects.values("batch_id")
        .annotate(first=Min("date"), last=Max("date"), stays=Count("assignment", distinct=True))
        .order_by("-stays")
    )
    for span in spans:
        alive = DailyState.objects.filter(
            batch_id=span["batch_id"], date=span["last"], population__gt=0
        ).exists()
        if alive and span["stays"] >= STAYS and (span["last"] - span["first"]).days + 1 >= DAYS:
            return Batch.objects.get(pk=span["batch_id"])
    return None


def build() -> Batch:
    from aquagrowth.engine.runner import recompute_batch
    from aquagrowth.generator.service import build_farm

    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        yaml.safe_dump(PROFILE, f)
    started = time.perf_counter()
    build_farm(f.name, seed=7, truth=False, progress=False, replace=True)
    os.unlink(f.name)
    for batch_id in Batch.objects.values_list("id", flat=True):
        recompute_batch(batch_id, end=AS_OF, today=AS_OF, trigger="cli")
    print(f"built and computed the farm in {time.perf_counter() - started:.1f} s")
    batch = bench_batch()
    if batch is None:
        raise SystemExit("the generated farm has no batch of 800 days in 60 stays")
    return batch


class Site:
    """The project's WSGI app (with static files) on a local port, in a thread."""

    def __init__(self) -> None:
        class Quiet(WSGIRequestHandler):
            def log_message(self, *args) -> None:
                pass

        self.server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=True)
        self.server.set_app(StaticFilesHandler(get_wsgi_application()))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def logged_in_opener(site: Site) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{site.url}/accounts/login/").read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    body = urllib.parse.urlencode({"username": USER, "password": PASSWORD, "next": "/"})
    request = urllib.request.Request(
        f"{site.url}/accounts/login/", body.encode(), headers={"X-CSRFToken": token}
    )
    opener.open(request).read()
    return opener


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_api(site: Site, batch: Batch, requests: int) -> list[dict]:
    opener = logged_in_opener(site)
    busiest = (
        DailyState.objects.filter(batch=batch)
        .values("assignment_id")
        .annotate(days=Count("id"))
        .order_by("-days")
        .first()["assignment_id"]
    )
    cases = [
        ("whole batch, daily", {"granularity": "daily"}),
        ("whole batch, weekly", {"granularity": "weekly"}),
        ("one container, daily", {"granularity": "daily", "assignment": busiest}),
        ("one container, weekly", {"granularity": "weekly", "assignment": busiest}),
    ]
    results = []
    for name, params in cases:
        url = f"{site.url}/api/v1/batches/{batch.id}/growth/?{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        opener.open(request).read()  # warm-up: connections, imports, caches
        times, size = [], 0
        for _ in range(requests):
            started = time.perf_counter()
            size = len(opener.open(request).read())
            times.append((time.perf_counter() - started) * 1000)
        results.append(
            {
                "case": name,
                "median_ms": statistics.median(times),
                "p95_ms": percentile(times, 0.95),
                "bytes": size,
            }
        )
    return results


def time_page(site: Site, batch: Batch, loads: int) -> dict[str, list[float]]:
    """Milliseconds from navigation to the chart drawn: ``cold`` loads start with an
    empty answer cache and a fresh browser (no cached script or answer), ``warm`` loads
    repeat the page in one browser with the answer cached."""
    from playwright.sync_api import sync_playwright

    from aquagrowth.analysis.answer_cache import ALIAS

    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    url = f"{site.url}/batches/{batch.id}/growth/"
    times: dict[str, list[float]] = {"cold": [], "warm": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        for kind in ("cold", "warm"):
            for i in range(loads + (1 if kind == "warm" else 0)):
                if kind == "cold" or i == 0:
                    context = browser.new_context(viewport={"width": 1440, "height": 900})
                    page = context.new_page()
                    page.goto(f"{site.url}/accounts/login/")
                    page.fill("#id_username", USER)
                    page.fill("#id_password", PASSWORD)
                    page.click("button[type=submit]")
                    page.wait_for_url(f"{site.url}/")
                if kind == "cold":
                    caches[ALIAS].clear()
                page.goto(url)
                page.wait_for_selector('#growth-app[data-ready="1"]', timeout=30_000)
                if kind == "cold" or i > 0:  # the first warm load fills the caches
                    times[kind].append(page.evaluate("performance.now()"))
                if kind == "cold":
                    context.close()
        output = Path(__file__).resolve().parents[1] / "test-output"
        output.mkdir(exist_ok=True)
        page.screenshot(path=str(output / "bench-page.png"), full_page=True)
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="requests per API case")
    parser.add_argument("--loads", type=int, default=5, help="page loads in Chromium")
    parser.add_argument("--no-browser", action="store_true", help="skip the page timing")
    options = parser.parse_args()

    call_command("migrate", verbosity=0)
    batch = bench_batch() or build()
    user, _ = User.objects.get_or_create(username=USER)
    user.set_password(PASSWORD)
    user.save()
    # A viewer of every site, as a biologist of the farm is (docs/data-in.md, "Sites").
    access.set_role(user, "viewer")
    access.grant_sites(user, [*FreshwaterStation.objects.all(), *SeaArea.objects.all()])
    states = DailyState.objects.filter(batch=batch)
    span = states.aggregate(first=Min("date"), last=Max("date"))
    print(
        f"database {connection.vendor}; batch {batch.number}: "
        f"{(span['last'] - span['first']).days + 1} days, "
        f"{states.values('assignment').distinct().count()} assignments, "
        f"{states.count()} daily states"
    )
    with Site() as site:
        print(f"\ncombined growth data over HTTP, {options.requests} requests each")
        print(f"{'case':<24}{'median ms':>10}{'p95 ms':>10}{'kB':>9}")
        for r in time_api(site, batch, options.requests):
            kib = r["bytes"] / 1024
            print(f"{r['case']:<24}{r['median_ms']:>10.1f}{r['p95_ms']:>10.1f}{kib:>9.1f}")
        if not options.no_browser:
            timed = time_page(site, batch, options.loads)
            print("\npage in headless Chromium at 1440x900, navigation to chart drawn")
            for kind, label in (
                ("cold", "cold (answer cache empty, fresh browser)"),
                ("warm", "warm (answer cached, same browser)"),
            ):
                loads = timed[kind]
                print(
                    f"  {label}: median {statistics.median(loads):.0f} ms, "
                    f"max {max(loads):.0f} ms over {len(loads)} loads"
                )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    when = f"{dt.datetime.now():%Y-%m-%d %H:%M}"
    print(f"\nmeasured {when}, load average {load} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
