"""Which batches a user sees and which containers it writes to: its sites.

A site is a freshwater station (a container's hall's station) or a sea area (a pen's).
A user holds site grants (:class:`~aquagrowth.accounts.models.SiteGrant`); it sees a
batch that has, or had, a stay in a container of one of them, and writes events of those
containers only (docs/data-in.md, "Sites"). Staff and superusers see every site. A user
without a role (:mod:`aquagrowth.accounts.roles`) sees nothing, grants or not.

Every function here builds a query and runs none of its own, or exactly one
(:func:`writable_container_ids`): a page of batches costs the same whatever its length,
since the grants are read by a subquery inside the page's own query.

Callers answer a batch outside the user's sites as one that does not exist (404, or
the same 400 an unknown id gets), never 403: another site's batches are not told.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from aquagrowth.accounts.models import SiteGrant
from aquagrowth.accounts.roles import can_read, can_write_events, is_admin
from aquagrowth.farm.models import Assignment, Batch, Container, FreshwaterStation, SeaArea

NOTHING = Q(pk__in=[])
"""A condition no row meets (Django turns it into an empty result without a query)."""


def container_site_filter(user, prefix: str = "") -> Q:
    """A condition on containers: in one of ``user``'s granted sites.

    ``prefix`` is the path from the queryset's model to the container, with its double
    underscore: ``""`` on ``Container``, ``"container__"`` on ``Assignment`` or an event
    with a container. Staff: every container (an empty ``Q``); a user without a role:
    none. The grants are a subquery, read by the database with the rest.
    """
    if is_admin(user):
        return Q()
    if not can_read(user):
        return NOTHING
    grants = SiteGrant.objects.filter(user=user)
    stations = grants.filter(station__isnull=False).values("station_id")
    sea_areas = grants.filter(sea_area__isnull=False).values("sea_area_id")
    return Q(**{f"{prefix}hall__station__in": stations}) | Q(**{f"{prefix}sea_area__in": sea_areas})


def visible_batches(user, batches: QuerySet[Batch] | None = None) -> QuerySet[Batch]:
    """The batches ``user`` may see, out of ``batches`` (default: all of them).

    Staff and superusers: all. Others with a role: the batches with any stay (past or
    present) in a container of a granted site. Without a role or a grant: none. One
    query when evaluated, whatever the number of batches (an ``EXISTS`` per row, on the
    assignments' (batch, date) index).
    """
    batches = Batch.objects.all() if batches is None else batches
    if is_admin(user):
        return batches
    if not can_read(user):
        return batches.none()
    stays = Assignment.objects.filter(batch=OuterRef("pk")).filter(
        container_site_filter(user, "container__")
    )
    return batches.filter(Exists(stays))


def visible_stays(user, stays: QuerySet[Assignment] | None = None) -> QuerySet[Assignment]:
    """The assignments (container stays) of the batches ``user`` may see: every stay of
    such a batch, also those at sites not granted (a batch is seen whole)."""
    stays = Assignment.objects.all() if stays is None else stays
    if is_admin(user):
        return stays
    return stays.filter(batch__in=visible_batches(user).values("pk"))


def may_see_batch(user, batch_id: int) -> bool:
    """Whether ``user`` may see the batch with this id (one query; False when none)."""
    return visible_batches(user).filter(pk=batch_id).exists()


def writable_containers(user) -> QuerySet[Container]:
    """The containers ``user`` may write events of: those of its sites, for an operator,
    a manager or an admin (every container); none for a viewer."""
    if not can_write_events(user):
        return Container.objects.none()
    return Container.objects.filter(container_site_filter(user))


def writable_container_ids(user) -> set[int] | None:
    """The ids of the containers ``user`` may write events of, read in one query; None
    means every container (staff and superusers: test ``ids is None or id in ids``).

    An operator's or manager's containers of its granted sites; an empty set for a
    viewer, a user without a role, or one without grants.
    """
    if is_admin(user):
        return None
    if not can_write_events(user):
        return set()
    return set(writable_containers(user).values_list("pk", flat=True))


def site_known_to(user, name: str) -> bool:
    """Whether a freshwater station or sea area named ``name`` is one ``user`` may be
    told of: any that exists, for staff; for others one granted to it, or one where a
    batch it sees stayed. A site the user knows nothing of answers as an unknown name."""
    stations = FreshwaterStation.objects.filter(name=name)
    sea_areas = SeaArea.objects.filter(name=name)
    if is_admin(user):
        return stations.exists() or sea_areas.exists()
    if not can_read(user):
        return False
    granted = SiteGrant.objects.filter(user=user).filter(
        Q(station__name=name) | Q(sea_area__name=name)
    )
    there = Q(container__hall__station__name=name) | Q(container__sea_area__name=name)
    return granted.exists() or visible_stays(user).filter(there).exists()
