"""``field__any_of=values``: one array parameter on PostgreSQL instead of one per value.

``field__in=[...]`` with thousands of values sends thousands of query parameters, and
with the client-side binding Django uses for psycopg, the query text of a 10,000-event
request's look-ups took longer to build than PostgreSQL took to answer it. ``any_of``
asks the same question as ``field = ANY(%s::type[])``: one parameter, one plan,
whatever the number of values. Other databases get the plain ``IN``.
"""

from __future__ import annotations

from django.db.models import Field, Lookup
from django.db.models.lookups import In


class AnyOf(Lookup):
    """``field = ANY(values)`` (PostgreSQL), ``field IN (values)`` elsewhere."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        values = list(self.rhs)
        if connection.vendor != "postgresql" or not values:
            return In(self.lhs, values).as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        prepared = [field.get_db_prep_value(value, connection) for value in values]
        # Text as text: a ``varchar(n)`` array would cut a longer value to n characters,
        # and the cut value could then match.
        text = field.get_internal_type() in ("CharField", "TextField", "SlugField")
        array_type = "text" if text else field.cast_db_type(connection)
        return f"{lhs} = ANY(%s::{array_type}[])", [*lhs_params, prepared]


def register() -> None:
    """Make ``__any_of`` available on every field (called once, by the farm app)."""
    Field.register_lookup(AnyOf)
