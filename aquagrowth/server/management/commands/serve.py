"""``aquagrowth serve``: the production web server, gunicorn on ``aquagrowth.wsgi``."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from aquagrowth.server.gunicorn import ServerOptions, default_workers, run_gunicorn


class Command(BaseCommand):
    help = (
        "Serve aquagrowth with gunicorn, the production web server: collect the static "
        "files into STATIC_ROOT (hashed and compressed, served by WhiteNoise), then run "
        "worker processes on aquagrowth.wsgi behind one master. SIGTERM stops gracefully: "
        "the workers finish their requests (up to --graceful-timeout) and exit; restart "
        "to load new code. A request running past --timeout seconds is killed with its "
        "worker, and the worker replaced. Put a TLS proxy (nginx) in front: "
        "docs/operations.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """Where to listen, how many workers, how long a request and a stop may take."""
        parser.add_argument(
            "--bind",
            default="127.0.0.1:8000",
            help="HOST:PORT or unix:PATH to listen on (default 127.0.0.1:8000: this "
            "machine only, for a proxy on it).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="Worker processes (default 2 x CPUs + 1, here %(default)s).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=1,
            help="Threads per worker (default 1: sync workers; more: gthread workers).",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=30,
            help="Seconds a request may run before its worker is killed and replaced (default 30).",
        )
        parser.add_argument(
            "--graceful-timeout",
            type=int,
            default=30,
            help="Seconds the workers get to finish their requests on a stop (default 30).",
        )
        parser.add_argument(
            "--access-log",
            action="store_true",
            help="Log every request to standard output (the proxy usually logs them).",
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="Do not collect the static files first (they were collected at install).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Collect the static files, then hand this process over to gunicorn's master."""
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        # The workers are forked from this process: they must not share its connections.
        connections.close_all()
        run_gunicorn(
            ServerOptions(
                bind=options["bind"],
                workers=options["workers"],
                threads=options["threads"],
                timeout=options["timeout"],
                graceful_timeout=options["graceful_timeout"],
                access_log=options["access_log"],
            )
        )
