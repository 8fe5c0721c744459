"""The nightly evaluation of every alert rule (Celery beat: ``evaluate-alerts``)."""

from __future__ import annotations

from celery import shared_task

from aquagrowth.sites.alerts import evaluate


@shared_task(name="aquagrowth.evaluate_alerts")
def evaluate_alerts() -> dict:
    """Every rule for the whole farm; what was raised, kept and resolved (alert ids)."""
    return evaluate().to_json()
