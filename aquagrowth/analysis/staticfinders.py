"""Serve the few browser files the project needs straight from ``node_modules``.

``npm ci`` (run by ``bin/setup``) installs them from ``package-lock.json``; only the
files listed here are exposed, under ``static/vendor/<package>/``, so ``collectstatic``
copies a few hundred kilobytes and not the packages' sources and maps.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

VENDOR_FILES: dict[str, tuple[str, ...]] = {
    "chart.js/dist": ("chart.umd.min.js",),
    "swagger-ui-dist": (
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "swagger-ui.css",
        "favicon-32x32.png",
    ),
}


def _node_modules() -> Path:
    return Path(settings.BASE_DIR) / "node_modules"


def _prefix(folder: str) -> str:
    return "vendor/" + folder.split("/")[0]


class NodeModulesFinder(BaseFinder):
    """Finds ``vendor/<package>/<file>`` among the listed files of ``node_modules``."""

    def check(self, **kwargs):
        return []

    def find(self, path: str, find_all: bool = False, **kwargs):
        for folder, names in VENDOR_FILES.items():
            prefix = _prefix(folder) + "/"
            name = path.removeprefix(prefix)
            if path.startswith(prefix) and name in names:
                found = _node_modules() / folder / name
                if found.is_file():
                    return [str(found)] if find_all else str(found)
        return []

    def list(self, ignore_patterns):
        for folder, names in VENDOR_FILES.items():
            storage = FileSystemStorage(location=str(_node_modules() / folder))
            storage.prefix = _prefix(folder)
            for name in names:
                if storage.exists(name):
                    yield name, storage
