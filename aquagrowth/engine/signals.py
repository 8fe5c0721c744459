"""Signals the engine sends, so other apps act on a recompute without the engine
knowing them (the pipeline's direction: engine -> the apps that read its states)."""

from django.dispatch import Signal

batch_recomputed = Signal()
"""Sent when the recompute of some batches is over, ok or failed, by the paths that finish
them (:func:`aquagrowth.engine.runner.announce`): ``batch_ids`` (a frozenset: a local
run's batches once at its end, a Celery task's one batch), ``today`` (the day the run took
as today; None: the clock's)."""
