"""The growth answer as a workbook (.xlsx) or a CSV: the tables a manager sends on.

Built from the same answer the page draws (``growth_data``), so every figure is the
API's; the per-pen daily table comes from the same daily states. Each table is wide (one
row per day or per pen, one column per quantity) with the unit in its header, and the
workbook opens with a sheet that says what it is and how far the data reach
(docs/growth-analysis.md, "Export").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Font

from aquagrowth.analysis.state_rows import read_state_rows
from aquagrowth.farm.models import Batch

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLES = ("daily", "pens", "pen_days", "periods")
"""The tables a CSV may hold (a workbook holds them all, each a sheet)."""


@dataclass(frozen=True)
class Column:
    """One column of an exported table: its header (with the unit) and its value."""

    header: str
    value: Callable[[dict], object]


def _get(key: str, digits: int | None = None, scale: float = 1.0) -> Callable[[dict], object]:
    def read(row: dict) -> object:
        value = row.get(key)
        if isinstance(value, float):
            value = value * scale
            return round(value, digits) if digits is not None else value
        return value

    return read


DAILY = (
    Column("Date", _get("date")),
    Column("Fish", _get("population")),
    Column("Mean weight (g)", _get("avg_weight_g", 2)),
    Column("Biomass (kg)", _get("biomass_kg", 1)),
    Column("Deaths (fish)", _get("mortality_count")),
    Column("Feed (kg)", _get("feed_kg", 1)),
    Column("Growth (kg)", _get("growth_kg", 2)),
    Column("FCR (kg/kg)", _get("fcr", 3)),
    Column("Temperature (degC)", _get("temp_c", 2)),
    Column("Weight rests on", _get("weight_source")),
    Column("Population rests on", _get("population_source")),
    Column("Weight estimated (share of fish)", _get("estimated_weight", 2)),
    Column("Population estimated (share of fish)", _get("estimated_population", 2)),
    Column("Feed not recorded (share of fish)", _get("estimated_feed", 2)),
    Column("Plan mean weight (g)", _get("plan_avg_weight_g", 2)),
    Column("Plan biomass (kg)", _get("plan_biomass_kg", 1)),
)

PENS = (
    Column("Pen", _get("container")),
    Column("Stage", _get("stage")),
    Column("First day", _get("first_date")),
    Column("Last day", _get("last_date")),
    Column("Holding fish", lambda p: "yes" if p["current"] else "no"),
    Column("Fish in", _get("start_fish")),
    Column("Fish at end", _get("end_fish")),
    Column("Weight first day (g)", _get("start_weight_g")),
    Column("Weight last day (g)", _get("end_weight_g")),
    Column("Biomass at end (kg)", _get("end_biomass_kg")),
    Column("Deaths (fish)", _get("deaths")),
    Column("Of which modelled (fish)", _get("deaths_modelled")),
    Column("Mortality (% of fish in)", _get("mortality_pct")),
    Column("Unexplained loss (fish)", _get("unexplained_fish")),
    Column("Unexplained loss (% of fish in)", _get("unexplained_pct")),
    Column(
        "Deaths by cause",
        lambda p: "; ".join(
            f"{c['cause'] or 'no cause given'}: {c['fish']}" for c in p["deaths_by_cause"]
        ),
    ),
    Column("Harvested (fish)", _get("harvested_fish")),
    Column("Harvested (kg)", _get("harvested_kg")),
    Column("Feed (kg)", _get("feed_kg")),
    Column("Pen-days without feed records", _get("feed_unknown_days")),
    Column("Growth (kg)", _get("growth_kg")),
    Column("Net gain (kg)", _get("net_gain_kg")),
    Column("FCR biological (kg/kg)", _get("fcr_biological")),
    Column("FCR economic (kg/kg)", _get("fcr_economic")),
    Column("SGR (%/day)", _get("sgr_pct_day")),
    Column("TGC", _get("tgc")),
    Column("Degree-days (degC day)", _get("degree_days")),
    Column("Density (kg/m3)", _get("density_kg_m3")),
    Column("Forecast harvest", _get("forecast_harvest_date")),
)

PEN_DAYS = (
    Column("Date", _get("date")),
    Column("Pen", _get("container")),
    Column("Fish", _get("population")),
    Column("Mean weight (g)", _get("avg_weight_g", 2)),
    Column("Biomass (kg)", _get("biomass_kg", 1)),
    Column("Deaths (fish)", _get("mortality_count")),
    Column("Unexplained loss (fish)", _get("unexplained_fish")),
    Column("Feed (kg)", _get("feed_kg", 2)),
    Column("Temperature (degC)", _get("temp_c", 2)),
    Column("Weight rests on", _get("weight_source")),
    Column("Population rests on", _get("population_source")),
    Column("Feed rests on", _get("feed_source")),
    Column("Estimated past the records", _get("estimated")),
)

PERIODS = (
    Column("Period", _get("period")),
    Column("First day", _get("first_date")),
    Column("Last day", _get("last_date")),
    Column("Days with states", _get("days")),
    Column("Partial (of its days)", _get("partial_of")),
    Column("TGC observed", _get("observed_tgc")),
    Column("TGC plan", _get("scenario_tgc")),
    Column("SGR (% a day)", _get("sgr_pct_day")),
    Column("FCR biological observed (kg/kg)", _get("observed_fcr")),
    Column("FCR plan (kg/kg)", _get("scenario_fcr")),
    Column("Fed days with feed records (share)", _get("feed_coverage", 3)),
    Column("Degree-days (degC day)", _get("degree_days", 1)),
    Column("Feed (kg)", _get("feed_kg", 1)),
    Column("Growth (kg)", _get("growth_kg", 1)),
    Column("Deaths (fish)", _get("deaths")),
    Column("Fish at start", _get("start_fish")),
    Column("Mortality (% of fish at start)", _get("mortality_pct", 2)),
)

PERIOD_LABELS = {"by_stage": "stage", "by_assignment": "pen", "by_week": "week"}
PERIOD_LABELS["by_month"] = "month"


def _daily_rows(answer: dict) -> list[dict]:
    """The batch's days (or weeks) as rows, with the plan's weight and biomass that day."""
    actual = answer["actual"]
    plan = answer.get("scenario_projection") or {}
    at = {d: i for i, d in enumerate(plan.get("date", []))}
    rows = []
    for i, day in enumerate(actual["date"]):
        row = {name: values[i] for name, values in actual.items() if isinstance(values, list)}
        j = at.get(day)
        row["plan_avg_weight_g"] = plan["avg_weight_g"][j] if j is not None else None
        row["plan_biomass_kg"] = plan["biomass_kg"][j] if j is not None else None
        rows.append(row)
    return rows


def _pen_day_rows(batch: Batch, answer: dict) -> list[dict]:
    """Every pen's days in the answer's range, ordered by pen then day."""
    query = answer["query"]
    rows = read_state_rows(batch.id, query["start"], query["end"], query["assignment"])
    names = {a["id"]: a["container"] for a in answer["assignments"]}
    dates = np.datetime64(batch.start_date, "D") + (rows["day_number"] - 1)
    order = np.lexsort((rows["day_number"], rows["assignment_id"]))
    keys = ("population", "avg_weight_g", "biomass_kg", "mortality_count", "unexplained_fish")
    keys += ("feed_kg", "temp_c", "weight_source", "population_source", "feed_source")
    out = []
    for i in order:
        row = {name: _plain(rows[name][i]) for name in keys}
        row["estimated"] = str(rows["estimated"][i]).replace(",", ", ")
        row["date"] = dates[i].astype(dt.date)
        row["container"] = names.get(int(rows["assignment_id"][i]), "")
        out.append(row)
    return out


def _plain(value):
    """A numpy scalar as a plain Python value (NaN as an empty cell)."""
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _period_rows(answer: dict, start: dt.date) -> list[dict]:
    def day(n: int) -> dt.date:
        return start + dt.timedelta(days=n - 1)

    def name(kind: str, p: dict) -> str:
        if kind == "by_stage":
            return p["stage"]
        if kind == "by_assignment":
            return f"{p['container']} ({p['stage']})"
        return p["period"]

    rows = []
    for kind, label in PERIOD_LABELS.items():
        for p in answer["periods"][kind] or ():
            rows.append(
                {
                    **p,
                    "period": f"{label}: {name(kind, p)}",
                    "days": p.get("days", p["last_day"] - p["first_day"] + 1),
                    "partial_of": p["full_days"] if p.get("partial") else None,
                    "first_date": day(p["first_day"]),
                    "last_date": day(p["last_day"]),
                }
            )
    return rows


def tables(batch: Batch, answer: dict) -> dict[str, tuple[tuple[Column, ...], list[dict]]]:
    """Each table's columns and rows."""
    return {
        "daily": (DAILY, _daily_rows(answer)),
        "pens": (PENS, answer["status"]["pens"]),
        "pen_days": (PEN_DAYS, _pen_day_rows(batch, answer)),
        "periods": (PERIODS, _period_rows(answer, batch.start_date)),
    }


SHEET_NAMES = {"daily": "Batch by day", "pens": "Pens", "pen_days": "Pens by day"}
SHEET_NAMES["periods"] = "TGC and FCR periods"


def about_lines(batch: Batch, answer: dict) -> list[tuple[str, object]]:
    """What the file is: the batch, the range, how far the data reach, the plan."""
    query = answer["query"]
    reached = answer["batch"]["recorded_through"]
    scope = "all pens"
    if query["assignment"]:
        scope = next(
            (a["container"] for a in answer["assignments"] if a["id"] == query["assignment"]),
            str(query["assignment"]),
        )
    lines: list[tuple[str, object]] = [
        ("Batch", batch.number),
        ("Species", answer["batch"]["species"]),
        ("Scope", scope),
        ("Granularity", query["granularity"]),
        ("From", query["start"] or answer["batch"]["first_state_date"]),
        ("To", query["end"] or answer["batch"]["last_state_date"]),
        ("Data as of (last computed day)", answer["batch"]["last_state_date"]),
        *((f"Records of {stream} end", day) for stream, day in reached.items()),
        ("Plan", (answer["scenario"] or {}).get("name", "none")),
        ("Periods", _periods_text(answer)),
        ("Exported (UTC date)", answer["today"]),
        (
            "Units",
            "fish; g; kg; degC. Values past the records are estimates: see the "
            "'rests on' and 'estimated' columns.",
        ),
    ]
    return lines


def _periods_text(answer: dict) -> str:
    """Which periods the period table holds: the one asked for, or all."""
    held = [PERIOD_LABELS[k] for k, rows in answer["periods"].items() if rows is not None]
    chosen = answer["query"].get("period")
    text = ", ".join(f"by {label}" for label in held)
    return f"{text} (chosen)" if chosen else f"all: {text}"


def _cell(value):
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def workbook(batch: Batch, answer: dict) -> bytes:
    """The answer as an .xlsx: an About sheet, then one sheet per table."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    about = book.create_sheet("About")
    for label, value in about_lines(batch, answer):
        about.append([label, _cell(value) if value is not None else "none"])
    for name, (columns, rows) in tables(batch, answer).items():
        sheet = book.create_sheet(SHEET_NAMES[name])
        header = []
        for column in columns:
            cell = _header_cell(sheet, column.header, bold)
            header.append(cell)
        sheet.append(header)
        for row in rows:
            sheet.append([_cell(column.value(row)) for column in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _header_cell(sheet, text: str, font: Font):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    cell.font = font
    return cell


def csv_text(batch: Batch, answer: dict, table: str) -> str:
    """One table as CSV, its first line a comment saying what and as of when."""
    columns, rows = tables(batch, answer)[table]
    out = io.StringIO()
    as_of = answer["batch"]["last_state_date"] or "not computed"
    out.write(f"# {batch.number}, {SHEET_NAMES[table]}, data as of {as_of}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.header for c in columns])
    writer.writerows(_values(columns, rows))
    return out.getvalue()


def _values(columns: Iterable[Column], rows: list[dict]):
    columns = tuple(columns)
    for row in rows:
        yield ["" if (v := c.value(row)) is None else v for c in columns]
