"""The static files storage outside DEBUG: WhiteNoise's hashed and compressed files.

The browser libraries end in a ``sourceMappingURL`` comment naming a source map of a
megabyte or two that ``NodeModulesFinder`` deliberately does not collect. Django's
manifest storage would rewrite that reference to the map's hashed name and fail on the
missing file; this storage leaves those comments alone (a browser asks for a map only
while its developer tools are open, and gets a 404). Every other reference (CSS
``url()`` and ``@import``) is rewritten as usual.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    def is_map(pattern) -> bool:
        return "sourceMappingURL" in (pattern if isinstance(pattern, str) else pattern[0])

    return tuple((glob, tuple(p for p in rules if not is_map(p))) for glob, rules in patterns)


class StaticStorage(CompressedManifestStaticFilesStorage):
    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
