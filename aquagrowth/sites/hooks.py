"""Alerts after every recompute: the engine's ``batch_recomputed`` signal (connected
when the app is ready), evaluated for the batch and the licence groups of its sites."""

from __future__ import annotations

import logging

from django.conf import settings
from django.dispatch import receiver

from aquagrowth.engine.signals import batch_recomputed

log = logging.getLogger("aquagrowth.sites.alerts")


@receiver(batch_recomputed, dispatch_uid="sites.alerts_after_recompute")
def alerts_after_recompute(sender, batch_id: int, ok: bool, today=None, **kwargs) -> None:
    """Evaluate the alert rules for the recomputed batch; never fails the recompute."""
    if not getattr(settings, "AQUAGROWTH_ALERTS_AFTER_RECOMPUTE", True):
        return
    from aquagrowth.sites.alerts import evaluate

    try:
        evaluate(today=today, batch_ids={batch_id})
    except Exception:  # an alert is worth less than the recompute that just succeeded
        log.exception("alerts after the recompute of batch %s failed", batch_id)
