"""``aquagrowth access``: who may do what where (roles and sites), for people and machines.

``access grant USERNAME [--role ROLE] [--station NAME]... [--sea-area NAME]...
[--geography NAME] [--create] [--token]`` gives a user its role and sites, all or
nothing; ``access revoke USERNAME --station/--sea-area NAME`` takes sites away;
``access list [--json]`` shows every user's role, sites and token.

Exit status: 0 when done, 2 for bad arguments (an unknown user or site, a site name two
geographies share, nothing asked; argparse's own status too).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rich.console import Console
from rich.table import Table

from aquagrowth.accounts import access
from aquagrowth.accounts.roles import ROLES

BAD_ARGUMENTS = 2
WIDTH_WHEN_PIPED = 160

GRANT_HELP = (
    "Give USERNAME a role and sites, all or nothing. --role sets the user's one role "
    "(viewer: reads batches, growth and reports of its sites; operator: also writes "
    "events to containers of its sites; manager: also queues recomputes and undoes "
    "imports), replacing another role it had. --station and --sea-area add sites (both "
    "may repeat; sites held stay). --create makes the user when it does not exist, "
    "without a usable password (a machine client signs in with its token; a person sets "
    "a password in the admin). --token prints the user's API token on the last line, "
    "'token: KEY' (made when it has none). Staff and superusers see every site without "
    "grants. Example, a feed system: aquagrowth access grant feedsys-north --role "
    "operator --station S01 --create --token"
)


class Command(BaseCommand):
    help = (
        "Roles and sites of users and machine clients (docs/data-in.md, 'Roles' and "
        "'Sites'): `access grant`, `access revoke`, `access list`. Exits 2 on bad "
        "arguments (an unknown user or site)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        grant = actions.add_parser(
            "grant", help="give a user a role and sites", description=GRANT_HELP
        )
        grant.add_argument("username", metavar="USERNAME")
        grant.add_argument("--role", choices=ROLES, help="the user's role (replaces another)")
        _site_arguments(grant)
        grant.add_argument(
            "--create", action="store_true", help="make the user if missing (no password)"
        )
        grant.add_argument(
            "--token", action="store_true", help="print the user's API token (made if none)"
        )
        revoke = actions.add_parser(
            "revoke",
            help="take sites from a user",
            description="Take the sites named from USERNAME (its role stays; take a role "
            "away in the admin, or give another with `access grant --role`).",
        )
        revoke.add_argument("username", metavar="USERNAME")
        _site_arguments(revoke)
        listing = actions.add_parser(
            "list",
            help="every user's role, sites and token",
            description="Every user: role (admin: staff or superuser), active, whether it "
            "has a usable password and an API token, and its sites.",
        )
        listing.add_argument("--json", action="store_true", help="print one JSON array")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "grant":
                self._grant(options)
            elif options["action"] == "revoke":
                self._revoke(options)
            else:
                self._list(options["json"])
        except access.AccessError as error:
            raise CommandError(str(error.args[0]), returncode=BAD_ARGUMENTS) from error

    def _grant(self, options: dict[str, Any]) -> None:
        sites = _sites(options)
        if not (sites or options["role"] or options["token"] or options["create"]):
            raise access.AccessError("nothing to grant: give --role, --station or --sea-area")
        row = access.grant(
            options["username"],
            role=options["role"],
            sites=sites,
            create=options["create"],
            token=options["token"],
        )
        made = " (created, no password)" if row["created"] else ""
        self.stdout.write(f"{row['username']}{made}: {_describe(row)}")
        if "token" in row:
            self.stdout.write(f"token: {row['token']}")

    def _revoke(self, options: dict[str, Any]) -> None:
        sites = _sites(options)
        if not sites:
            raise access.AccessError("nothing to revoke: give --station or --sea-area")
        with transaction.atomic():
            user, _ = access.find_user(options["username"])
            gone = access.revoke_sites(user, sites)
        self.stdout.write(f"{user.get_username()}: {gone} of {len(sites)} sites taken")

    def _list(self, as_json: bool) -> None:
        rows = access.access_rows()
        if as_json:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        table = Table("user", "role", "active", "password", "token", "sites")
        for row in rows:
            table.add_row(
                row["username"],
                row["role"] or "-",
                _yes(row["active"]),
                _yes(row["password"]),
                _yes(row["token"]),
                _site_list(row) or "-",
            )
        console = Console(file=self.stdout)
        if not console.is_terminal:
            console.width = WIDTH_WHEN_PIPED
        console.print(table)


def _site_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--station", action="append", default=[], metavar="NAME", help="a freshwater station"
    )
    parser.add_argument(
        "--sea-area", action="append", default=[], metavar="NAME", help="a sea area"
    )
    parser.add_argument(
        "--geography",
        metavar="NAME",
        help="where the sites are, when two geographies have a site of that name",
    )


def _sites(options: dict[str, Any]) -> list:
    """The stations and sea areas named, each found (or an AccessError)."""
    geography = options["geography"]
    return [access.find_site(access.STATION, name, geography) for name in options["station"]] + [
        access.find_site(access.SEA_AREA, name, geography) for name in options["sea_area"]
    ]


def _site_list(row: dict[str, Any]) -> str:
    return ", ".join(f"{access.KIND_NAMES[s['kind']]} {s['name']}" for s in row["sites"])


def _describe(row: dict[str, Any]) -> str:
    role = row["role"] or "no role"
    if row["role"] == "admin":
        return "admin (staff: every site)"
    return f"{role}; sites: {_site_list(row) or 'none'}"


def _yes(value: bool) -> str:
    return "yes" if value else "no"
