"""Failed logins counted per (account, address), with a wider ceiling per address.

django-axes does the counting and the refusing: its backend, first in
``AUTHENTICATION_BACKENDS``, refuses a locked attempt before Django's backend hashes the
password, so a locked guesser costs a database read, not a hash. The lock is per
(account, address) (``AXES_LOCKOUT_PARAMETERS``): a guesser at one address cannot lock
the account's owner out at another.

That alone lets one address cycle through account names, each with its own quota of
hashed guesses. The handler below adds a ceiling on an address's failures over every
account (``AQUAGROWTH_LOGIN_ADDRESS_FAILURE_LIMIT``, well above the per-account limit):
past it the address is refused for every account until the cool-off ends or staff lift
it, which bounds the hashes one address can cost. It locks only that address.
"""

from __future__ import annotations

import functools
import ipaddress
import logging

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

log = logging.getLogger(__name__)
USERNAME_MAX_LENGTH = AccessAttempt._meta.get_field("username").max_length


class AccountAddressHandler(AxesDatabaseHandler):
    """Axes' database handler, plus the per-address ceiling (see the module docstring)."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        limit = settings.AQUAGROWTH_LOGIN_ADDRESS_FAILURE_LIMIT
        if limit <= 0 or address_failures(request) < limit:
            return False
        # Axes' middleware answers a flagged request with its lockout page.
        request.axes_locked_out = True
        return True


def address_failures(request) -> int:
    """Failures from the request's address over every account, within the cool-off."""
    attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


def attempt_username(request, credentials: dict | None = None) -> str | None:
    """The account name an attempt is counted under: the name given, without NUL and cut
    to the attempts table's 255 characters (PostgreSQL stores neither; no account name
    is that long, so the cut merges nothing real). Where axes reads it by default."""
    field = settings.AXES_USERNAME_FORM_FIELD
    name = (
        credentials.get(field) if credentials else getattr(request, "data", request.POST).get(field)
    )
    if name is None:
        return None
    return str(name).replace("\x00", "")[:USERNAME_MAX_LENGTH]


def client_address(request: HttpRequest) -> str | None:
    """The address a login attempt is counted against.

    ``REMOTE_ADDR``, unless ``AQUAGROWTH_PROXY_COUNT`` reverse proxies stand in front:
    then the entry the outermost of them added to ``X-Forwarded-For``, the n-th from
    the right (entries left of it are whatever the client sent, so they are ignored).
    Anything that is not an IP address falls back to ``REMOTE_ADDR``.
    """
    remote = _ip(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.AQUAGROWTH_PROXY_COUNT
    if proxies <= 0:
        if "HTTP_X_FORWARDED_FOR" in request.META:
            _warn_unset_proxy_count()
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < proxies:
        return remote
    return _ip(hops[-proxies]) or remote


@functools.cache
def _warn_unset_proxy_count() -> None:
    """Once per process: behind a proxy with no count set, every login is counted against
    the proxy's address, so one guesser locks an account for everyone."""
    log.warning(
        "A login came with X-Forwarded-For but AQUAGROWTH_PROXY_COUNT is 0: if a reverse "
        "proxy stands in front of the app, set it, or every failed login counts against "
        "the proxy's address (see docs/operations.md, Logins and tokens)."
    )


def _ip(text: str) -> str | None:
    """``text`` as a normalised IP address, or None (a Unix socket has none)."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
