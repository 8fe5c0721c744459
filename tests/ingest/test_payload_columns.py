"""The event API reads a request's events a column at a time: the same text records and
the same findings, in the same order, as reading them one by one."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aquagrowth.farm.csvio.errors import ErrorLog
from aquagrowth.ingest import payload, posting

KINDS = ("feeding", "samples", "readings", "transfers", "mortality")

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", " ", "FO-1", "=1+1", "+4", "-2", "@SUM(A1)", "'x", "2024-02-10", "0.5"]),
    st.text(max_size=6),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
)


def events_of(kind: str):
    names = [*posting.SPECS[kind].column_names, payload.FISH, "colour"]
    fish = st.one_of(
        st.lists(
            st.one_of(
                st.fixed_dictionaries(
                    {"fish_number": values},
                    optional={"weight_g": values, "length_cm": values, "tail": values},
                ),
                values,
            ),
            max_size=3,
        ),
        values,
    )
    event = st.dictionaries(st.sampled_from(names), values, max_size=len(names)).flatmap(
        lambda e: st.just(e) if payload.FISH not in e else fish.map(lambda f: {**e, "fish": f})
    )
    # Mostly well-formed events of one shape, as a client sends them, with odd ones among.
    usual = st.fixed_dictionaries({name: values for name in names[:3]})
    return st.lists(st.one_of(usual, usual, event, values), max_size=25)


def read(kind: str, events, by_columns: bool):
    errors = ErrorLog(limit=1000)
    records = payload.records_of(
        kind,
        posting.SPECS[kind],
        events,
        errors,
        with_fish=kind == "samples",
        by_columns=by_columns,
    )
    return records.by_kind, records.fish_origin, [str(e) for e in errors], errors.total


def same(a, b) -> bool:
    """Equal, counting a NaN equal to itself (it is the text 'nan' in both)."""
    return repr(a) == repr(b) or a == b


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_reading_by_columns_gives_the_records_and_findings_of_reading_one_by_one(data):
    kind = data.draw(st.sampled_from(KINDS))
    events = data.draw(events_of(kind))

    by_columns = read(kind, events, by_columns=True)
    one_by_one = read(kind, events, by_columns=False)

    assert same(by_columns, one_by_one)


def test_a_request_of_mixed_shapes_names_each_bad_event_by_its_index():
    events = [
        {"batch": "FO-1", "container": "T1", "feeding_date": "2024-02-10", "amount_kg": 1.5},
        {"batch": "FO-1", "amount_kg": [1, 2]},
        {"batch": "FO-1", "colour": "red"},
        {"batch": " ", "amount_kg": None},
        "feeding",
        {"batch": "=HYPERLINK()", "amount_kg": 2, "feed_type": True},
    ]

    kinds, _, findings, total = read("feeding", events, by_columns=True)

    assert findings == [
        "[1].amount_kg: a list is not a value; give a number, text or null",
        "[2].colour: unknown field (fields: "
        + ", ".join(posting.SPECS["feeding"].column_names)
        + ")",
        "[3]: an empty event: no field has a value",
        "[4]: an event must be an object of fields",
    ]
    assert total == 4
    rows = kinds["feeding"]
    assert rows[0]["amount_kg"] == "1.5" and rows[0]["feeding_date"] == "2024-02-10"
    assert rows[1] == rows[2] == rows[3] == rows[4] == {}
    # Text as export writes it (the parser reads the quote away), numbers and
    # booleans as a CSV cell holds them.
    assert (rows[5]["batch"], rows[5]["amount_kg"], rows[5]["feed_type"]) == (
        "'=HYPERLINK()",
        "2",
        "yes",
    )
    assert not math.isnan(float(rows[0]["amount_kg"]))
