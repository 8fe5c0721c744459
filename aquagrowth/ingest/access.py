"""Who may write events, and where: the event API's one door to roles and sites.

docs/data-in.md ("Roles", "Sites"): operators, managers and admins write events, each
to the containers of its sites; a batch of sites one cannot see is not told of. The
roles and site grants are ``aquagrowth.accounts``'; the event API asks them only here.
"""

from __future__ import annotations

from aquagrowth.accounts.roles import CanWriteEvents, can_write_events
from aquagrowth.accounts.sites import visible_batches, writable_container_ids

__all__ = ["CanWriteEvents", "can_write_events", "visible_batches", "writable_container_ids"]
