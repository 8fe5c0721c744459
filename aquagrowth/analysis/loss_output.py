"""The unexplained-loss report as a person reads it (rich tables) and as files (CSV, JSON).

The numbers come from :mod:`aquagrowth.analysis.unexplained_loss`; this module only lays
them out, so the table, the CSV, the JSON and the API never disagree.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from typing import TextIO

from rich.console import Console
from rich.table import Table

from aquagrowth.analysis.unexplained_loss import LossReport, pen_row, report_data, site_row

CSV_COLUMNS = (
    "level",
    "batch",
    "site",
    "site_kind",
    "geography",
    "container",
    "stage",
    "stocked_on",
    "harvested_from",
    "harvested_to",
    "pens",
    "open_pens",
    "stocked",
    "mortality",
    "transferred_out",
    "harvested",
    "unexplained_fish",
    "unexplained_pct",
)
"""One row per pen (``level`` pen), then one per site's cycle (``level`` site); a column
that does not apply to the level is empty."""

RULE = "unexplained = stocked - recorded mortality - transferred out - harvested; negative = gain"
BALANCE_HEADERS = (
    "stocked",
    "mortality",
    "transferred out",
    "harvested",
    "unexplained",
    "unexplained %",
)


def _cell(value: object) -> str:
    """A CSV cell: empty for nothing, ISO for a day, the value's own text otherwise."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv(report: LossReport, out: TextIO) -> int:
    """Write the pens, then the sites, to ``out``; the number of data rows written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows = [{"level": "pen", **pen_row(p)} for p in report.pens]
    rows += [{"level": "site", **site_row(s)} for s in report.sites]
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in CSV_COLUMNS])
    return len(rows)


def to_json(report: LossReport) -> str:
    """The report as one JSON object, the API's shape (days as ISO strings)."""
    return json.dumps(report_data(report), indent=2, default=_cell)


def _fish(value: int) -> str:
    return f"{value:,}"


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _balance_cells(row: dict) -> list[str]:
    return [
        _fish(row["stocked"]),
        _fish(row["mortality"]),
        _fish(row["transferred_out"]),
        _fish(row["harvested"]),
        _fish(row["unexplained_fish"]),
        _pct(row["unexplained_pct"]),
    ]


def _table(title: str, headers: tuple[str, ...]) -> Table:
    table = Table(title=title, title_justify="left")
    for i, header in enumerate((*headers, *BALANCE_HEADERS)):
        balance = i >= len(headers)
        table.add_column(header, justify="right" if balance else "left", no_wrap=not balance)
    return table


def print_report(report: LossReport, console: Console) -> None:
    """The pens' table, the sites' table, and what is not in them."""
    if not report.pens:
        console.print("No stay has been emptied by a harvest yet: nothing to report.")
    else:
        pens = _table(
            "Unexplained loss per pen, after harvest",
            ("batch", "site", "pen", "stocked on", "harvested on"),
        )
        for pen in map(pen_row, report.pens):
            span = _span(pen["harvested_from"], pen["harvested_to"])
            where = (pen["batch"], pen["site"], pen["container"], str(pen["stocked_on"]), span)
            pens.add_row(*where, *_balance_cells(pen))
        console.print(pens)
        sites = _table(
            "Unexplained loss per site and batch (a site's production cycle)",
            ("site", "geography", "batch", "harvested on", "pens"),
        )
        for site in map(site_row, report.sites):
            span = _span(site["harvested_from"], site["harvested_to"])
            pens_cell = str(site["pens"]) + (
                f" (+{site['open_pens']} open)" if site["open_pens"] else ""
            )
            where = (site["site"], site["geography"], site["batch"], span, pens_cell)
            sites.add_row(*where, *_balance_cells(site))
        console.print(sites)
        console.print(RULE)
    if report.open_pens:
        held = (
            "stay still holds fish and is"
            if report.open_pens == 1
            else "stays still hold fish and are"
        )
        console.print(
            f"{report.open_pens} {held} not in the report: "
            "their loss is known when a harvest counts them."
        )


def _span(first: dt.date, last: dt.date) -> str:
    return str(first) if first == last else f"{first} .. {last}"
