"""Alerts after every recompute: the engine's ``batch_recomputed`` signal (connected
when the app is ready), evaluated for the batches and the licence groups of their sites."""

from __future__ import annotations

import logging

from django.conf import settings
from django.dispatch import receiver

from aquagrowth.engine.signals import batch_recomputed

log = logging.getLogger("aquagrowth.sites.alerts")


@receiver(batch_recomputed, dispatch_uid="sites.alerts_after_recompute")
def alerts_after_recompute(sender, batch_ids: frozenset[int], today=None, **kwargs) -> None:
    """Evaluate the alert rules for the recomputed batches, once for a whole run; never
    fails the recompute."""
    if not getattr(settings, "AQUAGROWTH_ALERTS_AFTER_RECOMPUTE", True):
        return
    from aquagrowth.sites.alerts import evaluate

    try:
        evaluate(today=today, batch_ids=set(batch_ids))
    except Exception:  # an alert is worth less than the recompute that just succeeded
        log.exception("alerts after the recompute of batches %s failed", sorted(batch_ids))
