"""The event API in the OpenAPI schema: every kind, its fields typed from the format."""

from __future__ import annotations

import pytest

from aquagrowth.ingest.posting import EVENT_KINDS, KINDS


@pytest.fixture
def schema(api) -> dict:
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_every_kind_has_its_endpoint(schema):
    paths = schema["paths"]
    for kind in KINDS:
        methods = set(paths[f"/api/v1/events/{kind}/"])
        assert methods == ({"post", "delete"} if kind in EVENT_KINDS else {"post"}), kind


def test_a_kind_is_typed_from_its_csv_columns(schema):
    operation = schema["paths"]["/api/v1/events/feeding/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["type"] == "array"
    event = schema["components"]["schemas"][body["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(event["required"]) == {"batch", "container", "feeding_date", "amount_kg"}
    fields = event["properties"]
    assert fields["amount_kg"]["type"] == "number" and "kg" in fields["amount_kg"]["description"]
    assert fields["feeding_date"]["format"] == "date"
    assert fields["external_id"]["maxLength"] == 100
    assert {"repeats"} <= {p["name"] for p in operation["parameters"]}
    answer = operation["responses"]["201"]["content"]["application/json"]["schema"]
    assert answer["$ref"].endswith("/PostAnswer")
    assert "findings" in schema["components"]["schemas"]["Findings"]["properties"]


def test_samples_carry_their_fish_and_deletes_name_the_identity(schema):
    samples = schema["components"]["schemas"]["SamplesEvent"]["properties"]
    assert samples["fish"]["type"] == "array"
    delete = schema["paths"]["/api/v1/events/mortality/"]["delete"]
    assert {p["name"] for p in delete["parameters"]} == {"source", "external_id"}
    readings = schema["paths"]["/api/v1/events/readings/"]["delete"]
    assert {"container", "parameter", "reading_time"} <= {p["name"] for p in readings["parameters"]}
