"""The model's parameters: the shipped defaults, overrides, and the checks that guard them.

Why one file of defaults: every number the model uses lives in `data/parameters.toml` with its
unit, its allowed range and its source (or its label as an assumption or a calibrated value),
so the ODD tables are generated from it and a scenario can only set what exists.
"""

import datetime as dt
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

PROVENANCE_KEYS = ("source", "assumption", "calibrated")
EVENT_KINDS = {
    "closure": "no crossings on the chosen lines",
    "staffing": "booths staffed on the chosen lines multiplied by `factor`",
    "secondary_share": "share referred to secondary set to `value` on the chosen lines",
    "primary_factor": "primary inspection minutes multiplied by `factor` on the chosen lines",
}
LINE_GROUPS = ("commercial", "commercial_north", "mx_export", "passenger", "all")


class ParameterError(ValueError):
    """A user's input that the model refuses; says where, what, and what is allowed."""

    def __init__(self, where: str, key: str, value, allowed: str):
        self.where, self.key, self.value, self.allowed = where, key, value, allowed
        super().__init__(f"{where}: {key} = {value!r} is not allowed: {allowed}")

    def __reduce__(self):
        """Pickle with its four parts, so a worker process can hand the error back whole."""
        return type(self), (self.where, self.key, self.value, self.allowed)


@dataclass(frozen=True)
class Spec:
    """What a parameter is: default, unit, range or choices, provenance."""

    key: str
    default: object
    unit: str
    min: float | None = None
    max: float | None = None
    choices: tuple | None = None
    provenance: str = ""
    provenance_kind: str = ""
    low: float | None = None
    high: float | None = None

    @property
    def range(self) -> tuple[float, float] | None:
        """The documented low-high range a sensitivity study varies this parameter over, if any."""
        if self.low is None or self.low == self.high:
            return None
        return (self.low, self.high)

    def check(self, value, where: str):
        """Return the value if allowed (ints widen to floats), else raise ParameterError."""
        kind = type(self.default)
        if kind is bool:
            if not isinstance(value, bool):
                raise ParameterError(where, self.key, value, "true or false")
            return value
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if kind is str and self.key.endswith("date"):
            if isinstance(value, dt.date):
                value = value.isoformat()
            try:
                dt.date.fromisoformat(value)
            except (TypeError, ValueError):
                raise ParameterError(where, self.key, value, "a date as YYYY-MM-DD") from None
            return value
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ParameterError(where, self.key, value, f"a {kind.__name__} ({self.describe()})")
        if kind is float and not math.isfinite(value):
            raise ParameterError(where, self.key, value, f"a finite number ({self.describe()})")
        if self.choices is not None and value not in self.choices:
            raise ParameterError(where, self.key, value, f"one of {list(self.choices)}")
        if self.min is not None and value < self.min:
            raise ParameterError(where, self.key, value, self.describe())
        if self.max is not None and value > self.max:
            raise ParameterError(where, self.key, value, self.describe())
        return value

    def describe(self) -> str:
        """The allowed values in words."""
        if self.choices is not None:
            return f"one of {list(self.choices)}"
        if self.min is not None or self.max is not None:
            return f"from {self.min} to {self.max} {self.unit}".strip()
        return f"a {type(self.default).__name__}"


def _flatten(table: Mapping, prefix: str = ""):
    for name, entry in table.items():
        key = f"{prefix}{name}"
        if isinstance(entry, Mapping) and "value" in entry:
            yield key, entry
        elif isinstance(entry, Mapping):
            yield from _flatten(entry, key + ".")


def _check_range(key: str, entry: Mapping, where: str):
    """Refuse a low/high that is half given, not a number, or not min <= low <= value <= high <= max."""
    if "low" not in entry and "high" not in entry:
        return None, None
    value = entry["value"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterError(where, f"{key}.low", entry.get("low"), "no range: only numbers have one")
    bounds = {}
    for name in ("low", "high"):
        number = entry.get(name)
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ParameterError(where, f"{key}.{name}", number, "a number (low and high come together)")
        bounds[name] = number
    lo, hi = bounds["low"], bounds["high"]
    floor = entry.get("min", -math.inf)
    ceiling = entry.get("max", math.inf)
    if not floor <= lo <= value:
        raise ParameterError(where, f"{key}.low", lo, f"from min {floor} to the value {value}")
    if not value <= hi <= ceiling:
        raise ParameterError(where, f"{key}.high", hi, f"from the value {value} to max {ceiling}")
    return lo, hi


def load_specs(text: str | None = None, where: str = "model/data/parameters.toml") -> dict[str, Spec]:
    """Read the shipped defaults (or `text` in their format) into specs keyed by dotted name."""
    if text is None:
        text = resources.files("model").joinpath("data/parameters.toml").read_text()
    specs = {}
    for key, entry in _flatten(tomllib.loads(text)):
        kind = next(k for k in PROVENANCE_KEYS if k in entry)
        choices = entry.get("choices")
        low, high = _check_range(key, entry, where)
        specs[key] = Spec(
            key=key,
            default=entry["value"],
            unit=entry.get("unit", ""),
            min=entry.get("min"),
            max=entry.get("max"),
            choices=tuple(choices) if choices else None,
            provenance=entry[kind],
            provenance_kind=kind,
            low=low,
            high=high,
        )
    return specs


SPECS = load_specs()


def ranged_specs(kinds=PROVENANCE_KEYS) -> dict[str, Spec]:
    """Parameters with a documented low-high range whose provenance is one of `kinds`, in file order."""
    return {k: s for k, s in SPECS.items() if s.range is not None and s.provenance_kind in kinds}


@dataclass(frozen=True)
class Event:
    """A time-bounded change at the port: a closure, a staffing cut, an inspection surge."""

    kind: str
    start: dt.date
    end: dt.date
    lines: tuple[str, ...]
    factor: float = 1.0
    value: float = 0.0

    def active(self, day: dt.date) -> bool:
        """Whether the event is in force on this day (start and end inclusive)."""
        return self.start <= day <= self.end


def is_finite_number(value) -> bool:
    """Whether a value is an int or float (not a bool) other than NaN and ±inf.

    Why: NaN passes every `<`/`>` range check (all comparisons are false), so ranges alone
    would let it into the model, and from there into results as non-JSON `NaN`.
    """
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def line_names() -> list[str]:
    """Every line (lane class at a port) the defaults define."""
    return sorted({k.split(".")[1] for k in SPECS if k.startswith("lines.")})


def resolve_lines(selector, where: str, key: str) -> tuple[str, ...]:
    """Turn a group name or a list of line names into line names."""
    names = line_names()
    if isinstance(selector, str):
        selector = [selector]
    if not isinstance(selector, list) or not selector:
        raise ParameterError(where, key, selector, f"a list of lines or a group {LINE_GROUPS}")
    out = []
    for item in selector:
        if item == "all":
            out += names
        elif item == "commercial":
            out += [n for n in names if "commercial" in n]
        elif item == "commercial_north":
            out += [n for n in names if "commercial" in n and not n.endswith("south")]
        elif item == "mx_export":
            out += [n for n in names if "mx_export" in n]
        elif item == "passenger":
            out += [n for n in names if "commercial" not in n and "mx_export" not in n]
        elif item in names:
            out.append(item)
        else:
            raise ParameterError(where, key, item, f"a line {names} or a group {list(LINE_GROUPS)}")
    return tuple(dict.fromkeys(out))


def parse_event(raw, where: str, index: int) -> Event:
    """Check one `[[events]]` table of a scenario."""
    key = f"events[{index}]"
    if not isinstance(raw, Mapping):
        raise ParameterError(where, key, raw, "a table with kind, start, end, lines")
    allowed = {"kind", "start", "end", "lines", "factor", "value", "note"}
    for name in raw:
        if name not in allowed:
            raise ParameterError(where, f"{key}.{name}", raw[name], f"one of {sorted(allowed)}")
    kind = raw.get("kind")
    if kind not in EVENT_KINDS:
        raise ParameterError(where, f"{key}.kind", kind, f"one of {sorted(EVENT_KINDS)}")
    dates = []
    for name in ("start", "end"):
        value = raw.get(name)
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                value = None
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise ParameterError(where, f"{key}.{name}", raw.get(name), "a date as YYYY-MM-DD")
        dates.append(value)
    if dates[1] < dates[0]:
        raise ParameterError(where, f"{key}.end", raw["end"], f"a date on or after start {dates[0]}")
    lines = resolve_lines(raw.get("lines", "all"), where, f"{key}.lines")
    factor = raw.get("factor", 1.0)
    value = raw.get("value", 0.0)
    for name, number, lo, hi in (("factor", factor, 0.0, 100.0), ("value", value, 0.0, 1.0)):
        if not is_finite_number(number) or not lo <= number <= hi:
            raise ParameterError(where, f"{key}.{name}", number, f"a number from {lo} to {hi}")
    return Event(kind, dates[0], dates[1], lines, float(factor), float(value))


def resolve(overrides: Mapping | None = None, where: str = "parameters") -> dict:
    """Defaults with overrides applied and checked; keys are dotted names.

    Args:
        overrides: dotted key -> value, or nested tables as in a scenario file.
        where: the file or origin named in error messages.

    """
    params = {key: spec.default for key, spec in SPECS.items()}
    flat = dict(flatten_values(overrides or {}))
    for key, value in flat.items():
        if key not in SPECS:
            near = [k for k in SPECS if k.rsplit(".", 1)[0] == key.rsplit(".", 1)[0]]
            hint = f"one of {near}" if near else "a parameter listed by `calexico parameters`"
            raise ParameterError(where, key, value, hint)
        params[key] = SPECS[key].check(value, where)
    _check_hours(params, where)
    _check_multipliers(params, where)
    return params


def flatten_values(table: Mapping, prefix: str = ""):
    """(dotted key, value) pairs of nested tables, as a scenario's [parameters] are written."""
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            yield from flatten_values(value, key + ".")
        else:
            yield key, value


def _check_hours(params: dict, where: str):
    for key in params:
        if key.startswith("hours.") and key.endswith("_close"):
            open_key = key.replace("_close", "_open")
            if params[key] < params[open_key]:
                raise ParameterError(
                    where, key, params[key], f"an hour at or after {open_key} = {params[open_key]}"
                )


def _check_multipliers(params: dict, where: str):
    """An input-output Type II multiplier adds induced jobs to Type I's: it cannot be smaller."""
    for key in params:
        if key.startswith("input_output.") and key.endswith(".type2_multiplier"):
            type1 = key.replace("type2", "type1")
            if params[key] < params[type1]:
                raise ParameterError(where, key, params[key], f"at least {type1} = {params[type1]}")
