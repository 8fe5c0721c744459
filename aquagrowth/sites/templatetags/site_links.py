"""``{% sites_link %}``: the top bar's link to the sites, for users who may see a site.

A user granted no site (and not an administrator) would find the list empty: the link is
left out for them rather than leading nowhere.
"""

from __future__ import annotations

from django import template
from django.urls import reverse

from aquagrowth.sites.site import visible_sites

register = template.Library()


@register.inclusion_tag("sites/sites_link.html", takes_context=True)
def sites_link(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    shown = bool(user is not None and user.is_authenticated and visible_sites(user))
    current = shown and request.path.startswith(reverse("site-list"))
    return {"shown": shown, "href": reverse("site-list"), "current": current}
