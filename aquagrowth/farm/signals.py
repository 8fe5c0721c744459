"""Whether saving farm records should trigger recomputes, and a way to switch that off.

Recompute triggers fire on every saved event so that daily states follow the records.
A bulk load (a CSV import of millions of rows) must not fire one recompute per row: it
runs inside :func:`bulk_load`, and whoever started the load recomputes each touched
batch once at the end. A :class:`contextvars.ContextVar` (not a global flag) keeps the
switch local to the thread or task doing the load, so a web request served at the same
time still triggers as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_triggers_on: ContextVar[bool] = ContextVar("aquagrowth_triggers_on", default=True)


def triggers_enabled() -> bool:
    """True unless the caller runs inside :func:`bulk_load`; trigger handlers check it."""
    return _triggers_on.get()


@contextmanager
def bulk_load() -> Iterator[None]:
    """Switch recompute triggers off for the block; they are restored on exit or error.

    Nested use is safe: leaving an inner block restores the outer block's state. The
    caller is responsible for recomputing what the block changed.
    """
    token = _triggers_on.set(False)
    try:
        yield
    finally:
        _triggers_on.reset(token)
