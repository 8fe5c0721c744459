"""Gzip for the API's JSON answers only.

The growth answer of a batch is a few hundred kilobytes of column arrays (234 kB for a
demo batch) that gzip to a quarter (57 kB); the page asks for it on every click.

Why not every response: BREACH (see the note on ``GZipMiddleware`` in Django's docs)
recovers a secret from the compressed size of a response that carries both the secret
and text an attacker chose. The HTML pages carry the CSRF token and may echo the query
(the browsable API, forms), and the Swagger page's script carries the CSRF token: they
stay uncompressed. The API's JSON answers (and the schema, JSON or YAML) carry farm
figures and no secret (no token, no CSRF value, no session), so compressing them gives
nothing away. An endpoint that returns a secret in JSON (an API token, say) must not
echo request input beside it.

Static files are compressed ahead of time by WhiteNoise (``collectstatic``).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware

COMPRESSED_PATHS = ("/api/v1/", "/api/schema/")
COMPRESSED_TYPES = (
    "application/json",
    "application/vnd.oai.openapi",  # the schema as YAML, its default
    "application/vnd.oai.openapi+json",
)


class ApiGZipMiddleware(GZipMiddleware):
    """``GZipMiddleware`` for the API's data under ``COMPRESSED_PATHS``, nothing else."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        content_type = response.get("Content-Type", "").split(";")[0].strip()
        if request.path.startswith(COMPRESSED_PATHS) and content_type in COMPRESSED_TYPES:
            return super().process_response(request, response)
        return response
