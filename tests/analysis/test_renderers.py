"""The orjson renderer writes what DRF's JSON renderer wrote: clients see no difference."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid

import numpy as np
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from aquagrowth.analysis.renderers import OrjsonRenderer


def test_the_same_bytes_as_drf_for_what_the_api_answers():
    data = {
        "date": dt.date(2024, 3, 4),
        "when": dt.datetime(2026, 11, 30, 15, 27, 58, 123456, tzinfo=dt.UTC),
        "naive": dt.datetime(2026, 11, 30, 15, 27, 58),
        "time": dt.time(2, 15, 0, 250000),
        "weights": [0.1, 0.0001, 123456789.123, None, 5000.0, -0.0, 1.5e300],
        "counts": [0, 1, 2**40],
        "name": "Ørsta ring 3 \u2028 é",
        "lazy": gettext_lazy("Batch"),
        "price": decimal.Decimal("12.50"),
        "id": uuid.UUID(int=7),
        "numpy": np.float64(2.5),
        "nested": [{"a": True, "b": False}],
        7: "int key",
    }
    assert OrjsonRenderer().render(data) == JSONRenderer().render(data)


def test_tiny_numbers_are_written_otherwise_but_read_the_same():
    data = {"rate": [1e-05, 3.2e-07, 0.00012]}
    mine, drf = OrjsonRenderer().render(data), JSONRenderer().render(data)
    assert mine == b'{"rate":[0.00001,3.2e-7,0.00012]}'
    assert json.loads(mine) == json.loads(drf)


def test_pretty_printing_is_drfs():
    data = {"a": [1, 2]}
    media = "application/json; indent=2"
    assert OrjsonRenderer().render(data, media) == JSONRenderer().render(data, media)


def test_the_api_answers_through_it(api, growth_batch):
    response = api.get("/api/v1/batches/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["results"][0]["number"] == "FO-2024-01"
