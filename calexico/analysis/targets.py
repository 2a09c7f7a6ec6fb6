"""The observed quantities the model is held to, as data (`data/targets.csv`).

Why a file: a researcher should see, and be able to edit, every number the model is fitted to
or checked against, with its period, unit, source and tolerance, apart from the code that
simulates it. A target's `role` is `fit` (the calibration sees it) or `check` (kept out of
sample: the calibration never reads it).

Periods are a year (`2024`), a month (`2024-03`) or a month range (`2024-02..2024-12`).
"""

import calendar
import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from model.parameters import ParameterError

DATA = Path(__file__).resolve().parents[1] / "data"
ROLES = ("fit", "check")
# The passenger lines whose waits crossers report (the press's live wait pages, CBP's wait times).
PASSENGER_LINES = {f"{port}_{kind}": f"Calexico {port.title()} {label}"
                   for port in ("west", "east")
                   for kind, label in (("pov_general", "general lanes"), ("pov_ready", "Ready lanes"),
                                       ("pov_sentri", "SENTRI lanes"), ("pedestrian", "pedestrians"))}
QUANTITIES = {
    "trucks": "Calexico East northbound trucks (sum)",
    "loaded_share": "loaded / (loaded + empty) northbound trucks",
    "west_pedestrians": "Calexico West northbound pedestrians (sum)",
    "east_pedestrians": "Calexico East northbound pedestrians (sum)",
    "west_vehicles": "Calexico West northbound passenger vehicles (sum)",
    "east_vehicles": "Calexico East northbound passenger vehicles (sum)",
    "pedestrian_swing": "mean daily pedestrians, both ports, Feb+Mar+Dec over Jun-Sep",
    "west_pedestrian_swing": "as pedestrian_swing, Calexico West",
    "east_pedestrian_swing": "as pedestrian_swing, Calexico East",
    "field_workers_us_mean": "mean daily field workers on Imperial farms",
    "jobs_manufacturing_mx_mean": "mean direct manufacturing jobs in Mexicali",
    "imperial_ag_value_usd": "value of the Imperial harvest picked (USD)",
    "visitor_spending_usd": "visitors' spending in Imperial County at a yearly rate (USD)",
    "commercial_wait_mean_min": "mean wait to primary of northbound trucks at Calexico East (min, truck-weighted)",
    "certified_crossing_time_mean_min": "whole crossing of certified (FAST) loads, export customs to US release (min)",
    "standard_crossing_time_mean_min": "whole crossing of non-certified loads, export customs to US release (min)",
    "mx_export_time_in_port_mean_min": "time of loaded northbound trucks at Mexico's export customs in Mexicali (min)",
    "west_pov_general_wait_mean_min": "mean wait to primary, Calexico West general lanes, every hour (min, by vehicle)",
    "west_pedestrian_night_wait_mean_min": "mean wait to primary at Calexico West on foot, arrivals 01:00-04:00 (min)",
    **{f"{line}_peak_hour_wait_min": f"{label}: the day's worst daytime hour's mean wait, mean over weekdays (min)"
       for line, label in PASSENGER_LINES.items()},
    **{f"{line}_morning_wait_min": f"{label}: mean wait to primary of arrivals 06:00-10:00, mean over weekdays (min)"
       for line, label in PASSENGER_LINES.items()},
}
FIELDS = ("name", "quantity", "period", "value", "unit", "role", "tolerance", "source", "note")


@dataclass(frozen=True)
class Target:
    """One observed quantity and how close the model must come to it."""

    name: str
    quantity: str
    period: str
    value: float
    unit: str
    role: str
    tolerance: float
    source: str
    note: str = ""

    @property
    def days(self) -> tuple[dt.date, dt.date]:
        """First and last calendar day of the period."""
        first, _, last = self.period.partition("..")
        last = last or first
        return _start(first), _end(last)

    @property
    def year(self) -> int:
        """The calendar year the period lies in (the run that simulates it)."""
        return self.days[0].year


def _start(text: str) -> dt.date:
    year, _, month = text.partition("-")
    return dt.date(int(year), int(month or 1), 1)


def _end(text: str) -> dt.date:
    year, _, month = text.partition("-")
    m = int(month or 12)
    return dt.date(int(year), m, calendar.monthrange(int(year), m)[1])


def default_path() -> Path:
    """The shipped targets file."""
    return DATA / "targets.csv"


def load(path: str | Path | None = None) -> list[Target]:
    """Read and check a targets file; a bad row raises ParameterError naming file, row and field."""
    path = Path(path) if path else default_path()
    where = str(path)
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as err:
        raise ParameterError(where, "targets file", str(path),
                             f"a readable CSV file ({err.strerror})") from None
    if not rows:
        raise ParameterError(where, "targets", "empty", "at least one target row")
    missing = [k for k in FIELDS[:-1] if k not in rows[0]]
    if missing:
        raise ParameterError(where, "columns", list(rows[0]), f"the columns {list(FIELDS)}")
    out = []
    for i, row in enumerate(rows, start=2):
        key = f"row {i} ({row['name']!r})"
        if row["quantity"] not in QUANTITIES:
            raise ParameterError(where, f"{key} quantity", row["quantity"], f"one of {list(QUANTITIES)}")
        if row["role"] not in ROLES:
            raise ParameterError(where, f"{key} role", row["role"], "fit or check")
        if not row["source"].strip():
            raise ParameterError(where, f"{key} source", row["source"],
                                 "a citation of where the value was read")
        try:
            value, tolerance = float(row["value"]), float(row["tolerance"])
        except ValueError:
            raise ParameterError(where, f"{key} value/tolerance", (row["value"], row["tolerance"]),
                                 "numbers") from None
        if not tolerance > 0:
            raise ParameterError(where, f"{key} tolerance", tolerance, "a relative tolerance above 0")
        target = Target(row["name"], row["quantity"], row["period"], value, row["unit"], row["role"],
                        tolerance, row["source"], row.get("note") or "")
        try:
            _ = target.days
        except ValueError:
            raise ParameterError(where, f"{key} period", row["period"],
                                 "YYYY, YYYY-MM or YYYY-MM..YYYY-MM") from None
        out.append(target)
    return out


def bts_monthly() -> pd.DataFrame:
    """The shipped BTS subset as a table: one row per month, one column per (port, measure)."""
    bts = pd.read_csv(DATA / "bts_calexico_2019_2025.csv")
    table = bts.pivot_table(index="month", columns=["port_name", "measure"], values="value", aggfunc="sum")
    table.index = pd.PeriodIndex(table.index, freq="M")
    return table
