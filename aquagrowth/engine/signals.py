"""Signals the engine sends, so other apps act on a recompute without the engine
knowing them (the pipeline's direction: engine -> the apps that read its states)."""

from django.dispatch import Signal

batch_recomputed = Signal()
"""Sent when a batch's recompute is over, ok or failed, by the paths that finish a batch
(:func:`aquagrowth.engine.runner.announce`): ``batch_id``, ``ok``,
``today`` (the day the run took as today; None: the clock's)."""
