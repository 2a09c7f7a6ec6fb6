"""Scenario files: a base, parameter overrides and time-bounded events, checked on load.

A scenario is TOML data a researcher edits:

    description = "One more staffed commercial booth at every open hour"
    source = "where the idea or the figures come from"
    base = "baseline"
    [parameters]
    lines.east_commercial_standard.booths = 3
    [[events]]
    kind = "closure"
    start = 2024-03-04
    end = 2024-03-06
    lines = "commercial"
"""

import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from model.parameters import ParameterError, flatten_values, parse_event, resolve

TOP_LEVEL_KEYS = {"description", "source", "base", "parameters", "events"}


def scenarios_dir() -> Path:
    """The folder of named scenarios (the project's `scenarios/`, or $CALEXICO_SCENARIOS)."""
    env = os.environ.get("CALEXICO_SCENARIOS")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "scenarios"


def available() -> dict[str, str]:
    """Named scenarios and their one-line descriptions."""
    out = {}
    for path in sorted(scenarios_dir().glob("*.toml")):
        try:
            out[path.stem] = tomllib.loads(path.read_text()).get("description", "").strip()
        except tomllib.TOMLDecodeError:
            out[path.stem] = "(unreadable TOML)"
    return out


@dataclass
class Scenario:
    """A checked scenario: its name, description, overrides and events."""

    name: str
    description: str = ""
    source: str = ""
    path: str = ""
    overrides: dict = field(default_factory=dict)
    events: tuple = ()

    @property
    def params(self) -> dict:
        """The full resolved parameter set."""
        return resolve(self.overrides, self.path or self.name)

    def to_toml(self) -> str:
        """The fully resolved scenario as TOML (every parameter, every event)."""
        lines = [f"# Resolved scenario {self.name!r}: every parameter the run used.",
                 f"description = {_toml_value(self.description)}",
                 f"source = {_toml_value(self.source)}", "", "[parameters]"]
        for key, value in sorted(self.params.items()):
            lines.append(f'"{key}" = {_toml_value(value)}')
        for event in self.events:
            lines += ["", "[[events]]", f"kind = {_toml_value(event.kind)}",
                      f"start = {event.start.isoformat()}", f"end = {event.end.isoformat()}",
                      f"lines = {_toml_value(list(event.lines))}", f"factor = {event.factor!r}",
                      f"value = {event.value!r}"]
        return "\n".join(lines) + "\n"


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)


def load(name_or_path: str, _seen: tuple = ()) -> Scenario:
    """Load and check a scenario by name (from `scenarios/`) or by path to a TOML file.

    Raises:
        ParameterError: unknown scenario, unreadable TOML, unknown key, wrong type, or an
            impossible value; the message names the file, key, value and what is allowed.

    """
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = scenarios_dir() / f"{name_or_path}.toml"
        if not path.exists():
            names = ", ".join(available()) or "(none found)"
            raise ParameterError("scenario", "name", name_or_path, f"one of: {names}")
    elif not path.is_file():
        what = "a TOML file (this is a folder)" if path.is_dir() else "an existing TOML file"
        raise ParameterError(str(path), "file", str(path), what)
    where = str(path)
    if str(path.resolve()) in _seen:
        raise ParameterError(where, "base", name_or_path, "a base that does not lead back to itself")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise ParameterError(where, "(syntax)", str(err), "valid TOML") from None
    except UnicodeDecodeError as err:
        raise ParameterError(where, "(encoding)", f"byte {err.start}", "a UTF-8 text file") from None
    except OSError as err:
        raise ParameterError(where, "file", where, f"a readable file ({err.strerror or err})") from None
    for key in raw:
        if key not in TOP_LEVEL_KEYS:
            raise ParameterError(where, key, raw[key], f"one of {sorted(TOP_LEVEL_KEYS)}")
    for key in ("description", "source", "base"):
        if key in raw and not isinstance(raw[key], str):
            raise ParameterError(where, key, raw[key], "a string")
    overrides, events = {}, ()
    if "base" in raw:
        base_ref = raw["base"]
        if base_ref.endswith(".toml"):
            base_ref = str(path.parent / base_ref)
        base = load(base_ref, _seen + (str(path.resolve()),))
        overrides, events = dict(base.overrides), base.events
    parameters = raw.get("parameters", {})
    if not isinstance(parameters, dict):
        raise ParameterError(where, "parameters", parameters, "a table of parameter overrides")
    mine = resolve(parameters, where)  # checks every key, type and range
    flat = {k: mine[k] for k, _ in flatten_values(parameters)}
    overrides.update(flat)
    raw_events = raw.get("events", [])
    if not isinstance(raw_events, list):
        raise ParameterError(where, "events", raw_events, "an array of [[events]] tables")
    events = events + tuple(parse_event(e, where, i) for i, e in enumerate(raw_events))
    resolve(overrides, where)
    if not overrides and not events and not _seen and path.resolve() != (scenarios_dir() / "baseline.toml").resolve():
        print(f"calexico: warning: {where} changes no parameter and has no events: it resolves to the baseline",
              file=sys.stderr)
    return Scenario(path.stem, raw.get("description", ""), raw.get("source", ""), where,
                    overrides, events)

