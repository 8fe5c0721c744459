"""Raw SQL read into numpy columns: the packed PostgreSQL path gives what the cursor gives."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection

from aquagrowth.db.read import columns, fetch, read_column_sets, read_columns

pytestmark = pytest.mark.django_db

ROWS = (
    "SELECT a, b, c FROM (SELECT 3 AS a, 1.5 AS b, 7 AS c "
    "UNION ALL SELECT -2, NULL, 9000000000 UNION ALL SELECT 0, -0.25, 0) AS v ORDER BY a"
)


def test_read_columns_equals_the_plain_cursor_with_null_as_nan():
    a, b, c = read_columns(ROWS, [], np.int64, np.float64, np.int64)
    plain = columns(fetch(ROWS), np.int64, np.float64, np.int64)
    assert a.tolist() == plain[0].tolist() == [-2, 0, 3]
    np.testing.assert_array_equal(b, [np.nan, -0.25, 1.5])
    assert c.tolist() == plain[2].tolist() == [9000000000, 0, 7]


def test_read_columns_of_an_empty_result_are_empty_arrays():
    a, b = read_columns(f"SELECT a, b FROM ({ROWS}) AS r WHERE a > %s", [99], np.int64, float)
    assert a.dtype == np.int64 and len(a) == 0
    assert b.dtype == np.float64 and len(b) == 0


def test_read_columns_refuses_a_null_integer():
    sql = "SELECT 1 AS a, 2 AS b UNION ALL SELECT NULL, 3"
    with pytest.raises((ValueError, TypeError)):
        read_columns(sql, [], np.int64, np.int64)


def test_several_queries_read_at_once_give_each_its_own_columns(django_assert_max_num_queries):
    """The loader reads its day sums several queries to a round trip: each query keeps
    its own columns, its own parameters and its empty result, in one query on
    PostgreSQL (one each where round trips cost nothing: SQLite)."""
    limit = 1 if connection.vendor == "postgresql" else 3
    with django_assert_max_num_queries(limit):
        first, empty, last = read_column_sets(
            [
                (ROWS, [], (np.int64, np.float64, np.int64)),
                (f"SELECT a FROM ({ROWS}) AS r WHERE a > %s", [99], (np.int64,)),
                (f"SELECT c, b FROM ({ROWS}) AS r WHERE a < %s", [1], (np.int64, np.float64)),
            ]
        )
    alone = read_columns(ROWS, [], np.int64, np.float64, np.int64)
    for got, expected in zip(first, alone, strict=True):
        np.testing.assert_array_equal(got, expected)
    assert len(empty) == 1 and empty[0].dtype == np.int64 and len(empty[0]) == 0
    assert last[0].tolist() == [9000000000, 0]
    np.testing.assert_array_equal(last[1], [np.nan, -0.25])
