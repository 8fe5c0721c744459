"""Console entry ``aquagrowth``: Django's ``manage.py`` with the settings preset."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aquagrowth.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv if argv is not None else sys.argv)
    except ImproperlyConfigured as error:
        # A setting the environment must give (the secret key outside DEBUG): one line
        # that names it, not a traceback through Django's start-up.
        sys.stderr.write(f"aquagrowth: {error}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
