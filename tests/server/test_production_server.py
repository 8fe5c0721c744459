"""``aquagrowth serve`` with the production environment: what a farm's server answers.

Before: with DEBUG off the documented ``gunicorn aquagrowth.wsgi`` answered 404 for
Chart.js, growth.js and Swagger, sent no HSTS and no gzip, and an error under DEBUG
showed the settings (the broker URL with its password).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from tests.server.conftest import production_env, serving, test_database_url

pytestmark = pytest.mark.django_db(transaction=True)

HTTPS = {"X-Forwarded-Proto": "https"}  # what the TLS proxy in front sets


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, headers: dict[str, str] | None = None):
    """(status, headers, body) without following redirects; errors are answers too."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_static_files_security_headers_and_gzip_behind_the_proxy(tmp_path, growth_batch, user):
    env = production_env(tmp_path, DATABASE_URL=test_database_url())
    with serving(env, tmp_path / "serve.log") as server:
        status, headers, _ = fetch(f"{server.url}/accounts/login/")
        assert status == 301  # plain HTTP past the proxy: sent to HTTPS
        assert headers["Location"] == server.url.replace("http:", "https:") + "/accounts/login/"

        status, headers, body = fetch(f"{server.url}/accounts/login/", HTTPS)
        assert status == 200
        assert "max-age=31536000" in headers["Strict-Transport-Security"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["Referrer-Policy"] == "same-origin"
        cookie = headers["Set-Cookie"]
        assert "csrftoken=" in cookie and "Secure" in cookie

        # The page names its static files by content hash; each is served, compressed.
        status, _, page = fetch(f"{server.url}/accounts/login/", HTTPS)
        css = re.search(r'href="(/static/analysis/growth\.[0-9a-f]{12}\.css)"', page.decode())
        assert css, "hashed static file names"
        for path in (css.group(1), *_hashed(server.url, "vendor/chart.js/chart.umd.min.js")):
            status, headers, _ = fetch(f"{server.url}{path}", HTTPS | {"Accept-Encoding": "gzip"})
            assert status == 200, path
            assert headers["Content-Encoding"] == "gzip"
            assert "immutable" in headers["Cache-Control"]

        # A monitor on the machine asks over plain HTTP: no redirect for /health/.
        status, _, body = fetch(f"{server.url}/health/")
        assert status == 200 and json.loads(body)["database"]["ok"] is True


def _hashed(base: str, name: str) -> list[str]:
    """The hashed URL of a collected static file, from the manifest WhiteNoise serves."""
    status, _, body = fetch(f"{base}/static/staticfiles.json", HTTPS)
    assert status == 200
    return ["/static/" + json.loads(body)["paths"][name]]


def test_a_server_error_shows_nothing_of_the_settings(tmp_path):
    """A database that refuses: every page that reads the session fails with a 500."""
    db_password, broker_password = "db-pass-4c1e9f", "broker-pass-77ab02"
    env = production_env(
        tmp_path,
        DATABASE_URL=f"postgres://aquagrowth:{db_password}@127.0.0.1:9/aquagrowth",
        CELERY_BROKER_URL=f"redis://:{broker_password}@127.0.0.1:9/0",
    )
    secrets = [db_password, broker_password, env["DJANGO_SECRET_KEY"], "127.0.0.1:9", "postgres"]
    with serving(env, tmp_path / "serve.log") as server:
        status, _, body = fetch(f"{server.url}/", HTTPS | {"Cookie": "sessionid=" + "a" * 32})
        page = body.decode()
        assert status == 500
        assert "Something went wrong" in page
        assert not [s for s in secrets if s in page]
        assert "Traceback" not in page and "DATABASES" not in page

        status, _, body = fetch(f"{server.url}/health/")
        assert status == 503
        health = json.loads(body)
        assert health["database"] == {"ok": False, "error": "unreachable"}
        assert health["broker"]["ok"] is False
        assert not [s for s in secrets if s in body.decode()]

        status, _, body = fetch(f"{server.url}/api/v1/nowhere/", HTTPS)
        assert status == 404
        assert "Page not found" in body.decode() and "api/v1/batches" not in body.decode()
    assert "OperationalError" in server.log()  # the details go to the log
