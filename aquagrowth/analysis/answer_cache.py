"""The growth answer served from a cache: ETag and 304, gzip made once, a cache that may fail.

The view checks who asks and what (login, the batch, the query) first; only then does
this module look at the key (``answer_key``):

1. the ETag is the key: a client whose ``If-None-Match`` holds it gets ``304 Not
   Modified`` with no body, whatever the cache holds;
2. else the answer's gzip bytes come from the cache (the ``answers`` alias of
   ``CACHES``: Redis in production, this process's memory without a URL), or are
   computed, written as JSON, gzipped once and stored for every later request;
3. a client that accepts gzip gets those bytes as they are; another gets them inflated.

A cache that fails (Redis down, refused, frozen past its socket timeout) is logged and
left alone for ``AQUAGROWTH_CACHE_RETRY_SECONDS``: every answer is computed meanwhile,
so an outage costs speed, never an answer, and no request waits on a dead server more
than once per retry period (per process).
"""

from __future__ import annotations

import gzip
import logging
import re
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags

from aquagrowth.analysis.renderers import dumps

log = logging.getLogger("aquagrowth.analysis.cache")

ALIAS = "answers"
GZIP_LEVEL = 6
CACHE_CONTROL = "private, no-cache"
"""The browser keeps the answer but asks each time (If-None-Match): a 304 is cheap and
never stale. ``private``: a shared proxy must not keep one user's answer for another."""
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")  # as GZipMiddleware reads Accept-Encoding

_down_until = 0.0
_down_lock = threading.Lock()


def enabled() -> bool:
    """``AQUAGROWTH_ANSWER_CACHE=0`` turns the whole mechanism off (compute every time)."""
    return bool(getattr(settings, "AQUAGROWTH_ANSWER_CACHE", True))


def _cache_failed(error: Exception) -> None:
    global _down_until
    pause = float(getattr(settings, "AQUAGROWTH_CACHE_RETRY_SECONDS", 10))
    with _down_lock:
        first = time.monotonic() >= _down_until
        _down_until = time.monotonic() + pause
    if first:
        log.warning("answer cache unavailable, computing answers for %.0f s: %r", pause, error)


def _cache_usable() -> bool:
    return time.monotonic() >= _down_until


def cache_get(key: str) -> bytes | None:
    """The stored answer, or None (absent, or the cache failed)."""
    if not _cache_usable():
        return None
    try:
        return caches[ALIAS].get(key)
    except Exception as error:  # any failure of the cache server: compute instead
        _cache_failed(error)
        return None


def cache_set(key: str, packed: bytes) -> None:
    if not _cache_usable():
        return
    try:
        caches[ALIAS].set(key, packed)
    except Exception as error:
        _cache_failed(error)


def reset_failures() -> None:
    """Forget a past failure (tests; a cache that was repaired)."""
    global _down_until
    with _down_lock:
        _down_until = 0.0


def etag_of(key: str) -> str:
    """Weak: the same answer may travel gzipped or not."""
    return f'W/"{key}"'


def _matches(request: HttpRequest, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    wanted = parse_etags(header)
    return "*" in wanted or etag.removeprefix("W/") in {e.removeprefix("W/") for e in wanted}


def _headers(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    patch_vary_headers(response, ("Accept", "Accept-Encoding", "Authorization", "Cookie"))
    return response


def pack(data) -> bytes:
    """The answer as gzipped JSON (fixed mtime: the same answer, the same bytes)."""
    return gzip.compress(dumps(data), compresslevel=GZIP_LEVEL, mtime=0)


def cached_answer(request: HttpRequest, key: str, compute: Callable[[], dict]) -> HttpResponse:
    """304, or the answer under ``key`` from the cache, or ``compute()``'s, stored."""
    etag = etag_of(key)
    if _matches(request, etag):
        return _headers(HttpResponse(status=304), etag)
    packed = cache_get(key)
    response = HttpResponse(content_type="application/json")
    response["X-Answer-Cache"] = "miss" if packed is None else "hit"
    if packed is None:
        packed = pack(compute())
        cache_set(key, packed)
    if _ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response.content = packed
        response["Content-Encoding"] = "gzip"
    else:
        response.content = gzip.decompress(packed)
    return _headers(response, etag)
