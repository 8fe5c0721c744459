"""``{% alert_badge batch.id %}``: a batch's open alerts as a small badge (batch list).

The open alerts of every batch are read once per page (one query), however long the list.
"""

from __future__ import annotations

from django import template
from django.db.models import Count

from aquagrowth.sites.models import Alert

register = template.Library()
_KEY = "aquagrowth_open_alerts"


@register.inclusion_tag("sites/alert_badge.html", takes_context=True)
def alert_badge(context, batch_id: int) -> dict:
    counts = context.render_context.get(_KEY)
    if counts is None:
        counts = dict(
            Alert.objects.filter(resolved_at__isnull=True, batch__isnull=False)
            .values("batch_id")
            .annotate(n=Count("pk"))
            .values_list("batch_id", "n")
        )
        context.render_context[_KEY] = counts
    return {"count": counts.get(batch_id, 0)}
