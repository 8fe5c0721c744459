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
    assert "9 Feb 2024" in page  # data as of: states computed through
    assert "1,420" in page and "0.80 g" in page  # its fish and mean weight that day
    assert "not computed yet" in page  # the one without states, in words
    assert "aquagrowth recompute" not in page  # no command line for a manager


def test_batch_page_shell(api, growth_batch):
    response = api.get(f"/batches/{growth_batch.id}/growth/")
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-api="/api/v1/batches/{growth_batch.id}/growth/"' in page
    assert "/static/vendor/chart.js/chart.umd.min.js" in page
    assert "aquagrowth recompute" not in page
    assert 'data-can-recompute="0"' in page  # a viewer gets no recompute button


def test_unknown_batch_page_is_404(api):
    assert api.get("/batches/999999/growth/").status_code == 404


def test_login_page(client, user):
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"username": "biologist", "password": "salmon-pass"})
    assert response.status_code == 302


def _keys_against_schema(value, schema: dict, components: dict, path: str) -> list[str]:
    """Where ``value`` and its OpenAPI schema disagree: a key the answer has and the
    schema does not (or the reverse), an array declared for an object, and so on."""
    nullable = schema.get("nullable", False)  # beside an allOf, before the reference
    while "$ref" in schema or "allOf" in schema:
        ref = schema["$ref"] if "$ref" in schema else schema["allOf"][0]["$ref"]
        schema = components[ref.rsplit("/", 1)[1]]
    if value is None:
        if nullable or schema.get("nullable"):
            return []
        return [f"{path}: null, not declared nullable"]
    problems = []
    if isinstance(value, dict) and "properties" in schema:
        declared = set(schema["properties"])
        required = set(schema.get("required", ()))
        problems += [f"{path}.{k}: not in the schema" for k in set(value) - declared]
        problems += [f"{path}.{k}: missing" for k in required - set(value)]
        for key in set(value) & declared:
            problems += _keys_against_schema(
                value[key], schema["properties"][key], components, f"{path}.{key}"
            )
    elif isinstance(value, list):
        if schema.get("type") != "array":
            problems.append(f"{path}: a list, declared {schema.get('type')}")
        elif value:
            problems += _keys_against_schema(value[0], schema["items"], components, f"{path}[0]")
    return problems


def test_the_growth_answer_is_the_schema_it_declares(api, growth_batch):
    """Every key of the answer, to the columns and the status, is typed in the schema."""
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    growth = schema["paths"]["/api/v1/batches/{id}/growth/"]["get"]["responses"]["200"]
    declared = growth["content"]["application/json"]["schema"]
    for query in ({}, {"granularity": "weekly"}):
        answer = api.get(f"/api/v1/batches/{growth_batch.id}/growth/", query).json()
        assert _keys_against_schema(answer, declared, components, "growth") == []
    actual = components["ActualColumns"]["properties"]
    enum = actual["population_source"]["items"]["$ref"].rsplit("/", 1)[1]
    assert components[enum]["enum"] == ["book", "reconciled", "estimated"]
    assert actual["avg_weight_g"]["items"]["type"] == "number"
