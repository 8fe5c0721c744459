"""This machine's environment file: ``KEY=value`` lines the settings read at start.

The process environment wins over the file, so a server configured by its service
manager is never overridden. ``bin/demo`` runs this module before anything else: on a
fresh machine it writes a random secret key, once, readable by its owner only, and says
the site is plain HTTP on this machine, so that the demo and ``aquagrowth serve`` after
it run with DEBUG off and without any variable set by hand.

No Django here: the settings import this module before Django is configured.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

DEMO_LINES = (
    "# Written once by bin/demo for this machine. Keep it private (mode 600): the",
    "# secret key signs the sessions. The demo is served on http://127.0.0.1:8000/,",
    "# plain HTTP, so the HTTPS-only settings are off. See docs/operations.md.",
)


def env_file_path(var_dir: Path) -> Path:
    """``AQUAGROWTH_ENV_FILE``, else ``local.env`` in the var folder."""
    named = os.environ.get("AQUAGROWTH_ENV_FILE")
    return Path(named) if named else Path(var_dir) / "local.env"


def write_demo_env(path: Path) -> bool:
    """Create ``path`` with a new secret, mode 600; False when it already exists.

    ``O_EXCL`` with the mode given at creation: no moment where the file exists readable
    by others, and two demos started at once cannot both write it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    lines = [*DEMO_LINES, f"DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}", "AQUAGROWTH_HTTPS=0"]
    with os.fdopen(handle, "w") as out:
        out.write("\n".join(lines) + "\n")
    return True


def _default_var_dir() -> Path:
    return Path(os.environ.get("AQUAGROWTH_VAR", Path(__file__).resolve().parents[2] / "var"))


def main() -> None:
    """``python -m aquagrowth.server.localenv``: write the demo's file if there is none."""
    path = env_file_path(_default_var_dir())
    if write_demo_env(path):
        sys.stdout.write(f"wrote {path}: this machine's secret key (mode 600)\n")


if __name__ == "__main__":
    main()
