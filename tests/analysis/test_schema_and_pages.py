"""The OpenAPI schema, the browsable API, the static files and the server-rendered pages."""

from __future__ import annotations

import datetime as dt

from django.contrib.staticfiles import finders

from aquagrowth.farm import models as m
from tests import farm_builder


def test_openapi_schema_lists_the_endpoints(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/batches/",
        "/api/v1/batches/{id}/growth/",
        "/api/v1/daily-states/",
        "/api/v1/recompute/",
    ):
        assert path in paths
    growth_params = {p["name"] for p in paths["/api/v1/batches/{id}/growth/"]["get"]["parameters"]}
    assert {"start", "end", "assignment", "granularity"} <= growth_params
    state_params = {p["name"] for p in paths["/api/v1/daily-states/"]["get"]["parameters"]}
    assert {"batch", "assignment", "container", "start", "end", "page"} <= state_params


def test_swagger_ui_is_served_without_a_cdn(api):
    page = api.get("/api/docs/").content.decode()
    assert "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert finders.find("vendor/swagger-ui-dist/swagger-ui-bundle.js")


def test_browsable_api(api, growth_batch):
    response = api.get(f"/api/v1/batches/{growth_batch.id}/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "FO-2024-01" in response.content.decode()


def test_batch_list_endpoint(api, growth_batch):
    body = api.get("/api/v1/batches/").json()
    assert [b["number"] for b in body["results"]] == ["FO-2024-01"]
    assert body["results"][0]["species"] == "Atlantic salmon"


def test_chart_library_comes_from_node_modules():
    found = finders.find("vendor/chart.js/chart.umd.min.js")
    assert found and found.endswith("node_modules/chart.js/dist/chart.umd.min.js")
    # Only the listed files are exposed, not the packages' sources.
    assert finders.find("vendor/chart.js/chart.js") is None


def test_pages_need_a_login(client, growth_batch):
    for url in ("/", f"/batches/{growth_batch.id}/growth/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_batch_list_page(api, growth_batch, species, stages, containers):
    fresh = m.Batch.objects.create(number="FO-2025-09", species=species, start_date="2025-09-01")
    farm_builder.stay(fresh, containers[2], stages["Fry"], dt.date(2025, 9, 1), fish=9, weight_g=1)
    page = api.get("/").content.decode()
    assert f'href="/batches/{growth_batch.id}/growth/"' in page
    assert "2024-02-09" in page  # states computed through
    assert "aquagrowth recompute --batch FO-2025-09" in page  # the one without states


def test_batch_page_shell(api, growth_batch):
    response = api.get(f"/batches/{growth_batch.id}/growth/")
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-api="/api/v1/batches/{growth_batch.id}/growth/"' in page
    assert "/static/vendor/chart.js/chart.umd.min.js" in page
    assert "aquagrowth recompute --batch FO-2024-01" in page


def test_unknown_batch_page_is_404(api):
    assert api.get("/batches/999999/growth/").status_code == 404


def test_login_page(client, user):
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"username": "biologist", "password": "salmon-pass"})
    assert response.status_code == 302
