"""Database plumbing every app shares: no models, only ``django.db``, numpy and stdlib.

``copy``: numpy column tables in PostgreSQL's binary COPY format and as SQLite rows (the
one encoder, the one 2000-01-01 epoch). ``bulk``: writing such tables, ids, sequences,
indexes and foreign keys around large loads. ``read``: raw SQL results as numpy columns.
``maintenance``: the planner's statistics after bulk writes.
"""
