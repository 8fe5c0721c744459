"""The API docs behind a login, every page without inline script or style (the CSP),
gzip for the API's JSON only, and error pages that show nothing of the site."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from tests.server.conftest import ROOT

TEMPLATES = sorted((ROOT / "aquagrowth").glob("*/templates/**/*.html"))


def test_schema_and_docs_need_a_login(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 401  # without credentials: told to bring a token
    assert schema["WWW-Authenticate"] == "Token"
    page = client.get("/api/docs/")
    assert page.status_code == 302
    assert page["Location"] == "/accounts/login/?next=/api/docs/"


def test_schema_and_docs_can_be_made_public(client, db, settings):
    settings.AQUAGROWTH_PUBLIC_API_DOCS = True
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_the_docs_page_loads_its_script_as_a_file(api):
    page = api.get("/api/docs/").content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert len(scripts) == 3
    assert all('src="' in attributes and not body.strip() for attributes, body in scripts)
    assert '<script src="/api/docs/?script="></script>' in page
    assert "<style" not in page
    script = api.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_inline_script_or_style(template: Path):
    html = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html), "style attribute"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_the_page_script_writes_no_style_attribute():
    script = (ROOT / "aquagrowth/analysis/static/analysis/growth.js").read_text()
    assert "style=" not in script


def test_every_answer_has_the_content_security_policy(client, db):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_api_json_is_gzipped_pages_are_not(api, growth_batch):
    url = f"/api/v1/batches/{growth_batch.id}/growth/"
    plain = api.get(url)
    packed = api.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 3
    # HTML pages carry the CSRF token: never compressed (BREACH).
    for page in ("/", f"/batches/{growth_batch.id}/growth/", "/api/docs/?script="):
        assert "Content-Encoding" not in api.get(page, HTTP_ACCEPT_ENCODING="gzip")
    browsable = api.get(url, HTTP_ACCEPT="text/html", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in browsable
    assert api.get("/api/schema/", HTTP_ACCEPT_ENCODING="gzip")["Content-Encoding"] == "gzip"


def test_the_404_page_lists_no_url(api):
    response = api.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert "api/v1" not in page and "admin" not in page and "URLconf" not in page
