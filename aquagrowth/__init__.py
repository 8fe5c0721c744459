"""aquagrowth: growth analysis for salmon farms.

The package is laid out in the order data flows through it:

``farm``       the farm's records (models, CSV import/export, admin)
``generator``  a synthetic farm with known ground truth, and the scoring against it
``engine``     load -> compute (``engine.core``, plain numpy) -> store, runner, verify
``distributed`` Celery tasks and event triggers
``analysis``   the Growth Analysis API and page
"""

# Loaded with the package so that @shared_task binds to this app in every process.
from aquagrowth.celery import app as celery_app

__all__ = ["celery_app"]
