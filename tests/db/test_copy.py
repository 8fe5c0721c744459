"""One encoder of numpy column tables: PostgreSQL's binary COPY and Django's SQLite values.

The COPY bytes are read back here by a plain parser of the format, so every check runs on
either database; a round trip through a real ``COPY`` runs on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import struct

import numpy as np
import pytest
from django.db import connection

from aquagrowth.db.bulk import copy_rows
from aquagrowth.db.copy import (
    COPY_HEADER,
    EPOCH,
    Column,
    Table,
    copy_data,
    days_since_epoch,
    sqlite_rows,
)

MOMENTS = np.array(
    ["2024-03-01T06:30:00", "1999-12-31T23:59:59.000001", "2000-01-01T00:00:00.250000"],
    dtype="datetime64[us]",
)


def parse_copy(data: bytes, kinds: list[str]) -> list[tuple]:
    """Rows of a binary COPY, decoded field by field (the slow, obvious way)."""
    assert data.startswith(COPY_HEADER)
    formats = {"int8": ">q", "int4": ">i", "int2": ">h", "float8": ">d", "date": ">i"}
    formats |= {"timestamptz": ">q", "time": ">q"}
    rows, at = [], len(COPY_HEADER)
    while True:
        (count,) = struct.unpack_from(">h", data, at)
        at += 2
        if count == -1:
            assert at == len(data)
            return rows
        assert count == len(kinds)
        row = []
        for kind in kinds:
            (size,) = struct.unpack_from(">i", data, at)
            at += 4
            if size == -1:
                row.append(None)
                continue
            raw = data[at : at + size]
            at += size
            row.append(raw.decode() if kind == "text" else struct.unpack(formats[kind], raw)[0])
        rows.append(tuple(row))


def mixed_table() -> Table:
    """Every kind, NULLs in three columns, text of several lengths (and multi-byte)."""
    n = 7
    rng = np.random.default_rng(3)
    null_a = np.array([0, 1, 0, 1, 0, 0, 1], dtype=bool)
    null_b = np.array([0, 0, 1, 1, 0, 1, 0], dtype=bool)
    return Table(
        "probe",
        (
            Column("i8", "int8", np.arange(n, dtype=np.int64) * 10_000_000_000),
            Column("i4", "int4", np.arange(n) - 3),
            Column("i2", "int2", np.arange(n) % 5),
            Column("f8", "float8", rng.normal(size=n), null_a),
            Column("d", "date", np.datetime64("2024-02-27") + np.arange(n)),
            Column("days", "date", np.arange(n) * 400 - 800, null_b),
            Column("ts", "timestamptz", np.resize(MOMENTS, n)),
            Column("t", "time", np.arange(n) * 3_600_000_000 + 1_500_000 * (np.arange(n) % 2)),
            Column("s", "text", np.array(["", "a", "øy", "abc", "a", "", "ab"])),
            Column("w", "float8", rng.normal(size=n), null_a & ~null_b),
        ),
    )


def expected_order(table: Table) -> list[int]:
    """The documented order: by text lengths (first column first), then by the NULL bit
    mask (bit i: the i-th nullable column), rows in their own order within a group."""
    nulls = [c.null for c in table.columns if c.null is not None]
    lengths = [[len(str(v).encode()) for v in c.values] for c in table.columns if c.kind == "text"]

    def key(row: int) -> tuple:
        mask = sum(int(null[row]) << bit for bit, null in enumerate(nulls))
        return (*(length[row] for length in lengths), mask)

    return sorted(range(table.rows), key=key)


def plain_copy_values(table: Table, row: int) -> tuple:
    """What PostgreSQL receives for one row, computed value by value."""
    out = []
    for c in table.columns:
        v = c.values[row]
        if c.null is not None and c.null[row]:
            out.append(None)
        elif c.kind == "date":
            out.append(int(v) if v.dtype.kind == "i" else (v.item() - EPOCH).days)
        elif c.kind == "timestamptz":
            out.append(int((v - np.datetime64(EPOCH, "us")).astype(np.int64)))
        elif c.kind == "text":
            out.append(str(v))
        else:
            out.append(v.item())
    return tuple(out)


def test_copy_rows_are_the_values_in_the_documented_group_order():
    table = mixed_table()
    rows = parse_copy(b"".join(copy_data(table)), [c.kind for c in table.columns])
    assert rows == [plain_copy_values(table, r) for r in expected_order(table)]


def test_too_many_text_lengths_for_one_key_give_the_same_groups_in_the_same_order():
    rng = np.random.default_rng(5)
    n = 200
    texts = [
        Column(f"s{i}", "text", np.array(["x" * k for k in rng.integers(0, 300, n)]))
        for i in range(12)
    ]
    null = rng.random(n) < 0.3
    table = Table("probe", (*texts, Column("v", "float8", rng.normal(size=n), null)))
    rows = parse_copy(b"".join(copy_data(table)), [c.kind for c in table.columns])
    assert rows == [plain_copy_values(table, r) for r in expected_order(table)]


def test_more_nullable_columns_than_bits_of_one_key_give_the_documented_order():
    rng = np.random.default_rng(6)
    n = 100
    table = Table(
        "probe",
        tuple(
            Column(f"v{i}", "float8", rng.normal(size=n), rng.random(n) < 0.5) for i in range(70)
        ),
    )
    rows = parse_copy(b"".join(copy_data(table)), [c.kind for c in table.columns])
    assert rows == [plain_copy_values(table, r) for r in expected_order(table)]


def test_a_table_without_nulls_or_text_keeps_its_row_order_and_an_empty_one_is_valid():
    table = Table("probe", (Column("a", "int8", np.array([5, 3, 9])),))
    assert parse_copy(b"".join(copy_data(table)), ["int8"]) == [(5,), (3,), (9,)]
    empty = Table("probe", (Column("a", "int8", np.zeros(0, dtype=np.int64)),))
    assert parse_copy(b"".join(copy_data(empty)), ["int8"]) == []


def test_sqlite_values_are_what_django_stores():
    table = mixed_table()
    rows = list(sqlite_rows(table))
    assert [len(r) for r in rows] == [len(table.columns)] * table.rows
    names = [c.name for c in table.columns]
    for row, values in enumerate(rows):
        got = dict(zip(names, values, strict=True))
        moment = MOMENTS[row % len(MOMENTS)].item().replace(tzinfo=dt.UTC)
        day = EPOCH + dt.timedelta(days=row * 400 - 800)
        seconds = row * 3600 + (row % 2) * 1.5
        time = (dt.datetime.min + dt.timedelta(seconds=seconds)).time()
        # Django's own SQLite adapters: str() of the naive UTC value, no offset.
        assert got["ts"] == str(moment.replace(tzinfo=None))
        assert got["d"] == str(dt.date(2024, 2, 27) + dt.timedelta(days=row))
        assert got["days"] == (None if table.columns[5].null[row] else str(day))
        assert got["t"] == str(time)
        assert got["f8"] is None if table.columns[3].null[row] else isinstance(got["f8"], float)
        assert got["i8"] == row * 10_000_000_000 and got["s"] == str(table.columns[8].values[row])
        if connection.vendor == "sqlite":
            ops = connection.ops
            assert got["ts"] == ops.adapt_datetimefield_value(moment)
            assert got["t"] == ops.adapt_timefield_value(time)


def test_days_since_epoch_reads_dates_and_sqlite_text():
    assert days_since_epoch(dt.date(2000, 1, 2)) == 1
    assert days_since_epoch("1999-12-31") == -1


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="COPY is PostgreSQL's")
def test_a_real_copy_stores_every_kind_and_null():
    table = mixed_table()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE probe (i8 bigint, i4 integer, i2 smallint, f8 double precision, "
            "d date, days date, ts timestamptz, t time, s text, w double precision)"
        )
        copy_rows(cursor, table)
        cursor.execute("SELECT i8, d, days, ts, t, s, f8 IS NULL FROM probe ORDER BY i8")
        stored = cursor.fetchall()
    for row, (i8, d, days, ts, t, s, f8_null) in enumerate(stored):
        assert i8 == row * 10_000_000_000
        assert d == dt.date(2024, 2, 27) + dt.timedelta(days=row)
        null = table.columns[5].null[row]
        assert days == (None if null else EPOCH + dt.timedelta(days=row * 400 - 800))
        assert ts == MOMENTS[row % len(MOMENTS)].item().replace(tzinfo=dt.UTC)
        assert t == (dt.datetime.min + dt.timedelta(seconds=row * 3600 + (row % 2) * 1.5)).time()
        assert s == str(table.columns[8].values[row]) and f8_null == table.columns[3].null[row]
