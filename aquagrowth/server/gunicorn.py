"""gunicorn run from inside ``aquagrowth serve``: its master in this process.

gunicorn's custom-application interface (``BaseApplication``): the settings come from
the command's options rather than gunicorn's own command line, and each worker imports
``aquagrowth.wsgi`` after the fork.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from gunicorn.app.base import BaseApplication


@dataclass(frozen=True)
class ServerOptions:
    bind: str
    workers: int
    threads: int = 1
    timeout: int = 30
    graceful_timeout: int = 30
    access_log: bool = False


def default_workers() -> int:
    """gunicorn's rule of thumb, 2 x CPUs + 1, counting the CPUs this process may use."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return 2 * cpus + 1


class _Server(BaseApplication):
    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        super().__init__(prog="aquagrowth serve")

    def load_config(self) -> None:
        """The command's options; gunicorn's defaults for the rest."""
        wanted = {
            "bind": [self.options.bind],
            "workers": self.options.workers,
            "threads": self.options.threads,
            "worker_class": "gthread" if self.options.threads > 1 else "sync",
            "timeout": self.options.timeout,
            "graceful_timeout": self.options.graceful_timeout,
            "accesslog": "-" if self.options.access_log else None,
            "proc_name": "aquagrowth",
            # gunicorn >= 25.1 opens a control socket at one path per user: two servers
            # on a machine would take each other's. Nothing here uses it.
            "control_socket_disable": True,
        }
        for name, value in wanted.items():
            if name in self.cfg.settings:
                self.cfg.set(name, value)

    def load(self):
        from aquagrowth.wsgi import application

        return application


def run_gunicorn(options: ServerOptions) -> None:
    """Run the master until it is stopped (SIGTERM: graceful; SIGINT twice: at once)."""
    _Server(options).run()
