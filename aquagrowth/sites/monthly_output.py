"""The monthly site report as a CSV row, an Excel workbook and printed lines."""

from __future__ import annotations

import csv
import io
from typing import IO

from openpyxl import Workbook

from aquagrowth.sites.monthly import MonthlyReport


def flat_row(report: MonthlyReport) -> dict:
    """One row: every column, the causes as ``mortality_<cause>`` columns."""
    row = report.to_json()
    causes = row.pop("mortality_by_cause")
    row.update({f"mortality_{cause or 'no_cause'}": fish for cause, fish in causes.items()})
    return row


def write_csv(report: MonthlyReport, out: IO[str]) -> None:
    row = flat_row(report)
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)


def csv_text(report: MonthlyReport) -> str:
    out = io.StringIO()
    write_csv(report, out)
    return out.getvalue()


def xlsx_bytes(report: MonthlyReport) -> bytes:
    """A workbook: sheet "report" (the columns and the row), sheet "causes"."""
    book = Workbook()
    sheet = book.active
    sheet.title = "report"
    row = report.to_json()
    causes = row.pop("mortality_by_cause")
    sheet.append(list(row))
    sheet.append(
        [
            value if value is None or isinstance(value, (int, float, str)) else str(value)
            for value in row.values()
        ]
    )
    cause_sheet = book.create_sheet("causes")
    cause_sheet.append(["cause", "fish"])
    for cause, fish in causes.items():
        cause_sheet.append([cause, fish])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def lines(report: MonthlyReport) -> list[str]:
    """The report as a person reads it."""
    r = report
    out = [
        f"{r.site}, {r.month}"
        + ("" if r.complete else f" (states only through {r.states_through})"),
        f"  stock at start      {r.stock_start_fish:>12,} fish {r.stock_start_t:>12,.3f} t",
        f"  + stocked           {r.stocked_fish:>12,} fish",
        f"  - moved out         {r.moved_out_fish:>12,} fish",
        f"  - mortality         {r.mortality_fish:>12,} fish "
        f"(recorded {r.mortality_recorded_fish:,}, estimated {r.mortality_estimated_fish:,})",
        f"  - harvested         {r.harvested_fish:>12,} fish {r.harvested_kg:>12,.1f} kg",
        f"  - unexplained       {r.unexplained_fish:>12,} fish",
        f"  = stock at end      {r.stock_end_fish:>12,} fish {r.stock_end_t:>12,.3f} t, mean "
        f"{r.stock_end_mean_weight_g if r.stock_end_mean_weight_g is not None else '-'} g",
        f"  balance             {r.balance_fish:>12,} fish",
        f"  feed                {r.feed_kg:>12,.1f} kg "
        f"({r.feed_unknown_pen_days} pen-days unknown)",
    ]
    out += [
        f"  mortality {cause or '(no cause)'}: {fish:,}"
        for cause, fish in r.mortality_by_cause.items()
    ]
    return out
