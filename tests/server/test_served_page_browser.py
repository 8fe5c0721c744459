"""The Growth Analysis page and the API docs in Chromium, served as the demo serves them:
``aquagrowth serve`` (gunicorn, DEBUG off, WhiteNoise) with the secret ``bin/demo``
writes, under the Content-Security-Policy.

Before: with DEBUG off, Chart.js, growth.js and Swagger UI answered 404 and both pages
stayed blank.
"""

from __future__ import annotations

import pytest

from aquagrowth.server.localenv import write_demo_env
from tests.analysis.browser_tools import wait_ready
from tests.analysis.test_page_browser import dataset_lengths
from tests.server.conftest import base_env, serving, test_database_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every CSP violation, also those the console would not show (report-only, workers).
CSP_WATCH = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


class Watched:
    """A tab whose console errors, page errors, CSP violations and failed responses
    are collected."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.context.add_init_script(CSP_WATCH)
        self.tab = self.context.new_page()
        self.errors: list[str] = []
        self.statuses: dict[str, int] = {}
        self.tab.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.tab.on("pageerror", lambda error: self.errors.append(str(error)))
        self.tab.on("response", lambda r: self.statuses.__setitem__(r.url, r.status))

    def violations(self) -> list[str]:
        return self.tab.evaluate("window.cspViolations")


def test_the_served_page_and_api_docs_work_under_the_csp(tmp_path, browser, growth_batch, user):
    write_demo_env(tmp_path / "local.env")  # what bin/demo does on a fresh machine
    env = base_env(tmp_path, DATABASE_URL=test_database_url())
    with serving(env, tmp_path / "serve.log") as server:
        watched = Watched(browser)
        tab = watched.tab
        tab.goto(f"{server.url}/batches/{growth_batch.id}/growth/")
        tab.fill("#id_username", "biologist")
        tab.fill("#id_password", "salmon-pass")
        tab.click("button[type=submit]")
        wait_ready(tab)
        assert dataset_lengths(tab)["actual"] == 40  # Chart.js drew the states
        assert tab.evaluate("getComputedStyle(document.querySelector('.topbar')).display") == "flex"
        assert watched.violations() == []

        tab.goto(f"{server.url}/api/docs/")
        tab.wait_for_selector(".opblock-summary-path", timeout=20_000)
        paths = tab.locator(".opblock-summary-path").all_inner_texts()
        assert any("/api/v1/batches/{id}/growth/" in p.replace("\u200b", "") for p in paths)
        assert tab.evaluate("getComputedStyle(document.body).margin") == "0px"  # its own css
        assert watched.violations() == []
        watched.context.close()

    assert watched.errors == []
    static = {url: status for url, status in watched.statuses.items() if "/static/" in url}
    assert len(static) >= 6  # css, Chart.js, growth.js; Swagger's css, two scripts, favicon
    assert set(static.values()) == {200}, static
    assert any("/static/vendor/chart.js/chart.umd.min." in url for url in static)
