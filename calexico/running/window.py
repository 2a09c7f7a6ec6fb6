"""The simulated window: `--start`/`--end`/`--days` turned into a run's dates, and what a window misses.

Why a guardrail: a scenario's events have dates (the staffing cut runs 1 March - 29 May 2024),
while a run starts on `simulation.start_date` (1 January) and lasts `--days`. A short run from
the wrong date measures nothing and prints zeros as if they were a finding; a run of a few days
can even flip signs (plants have not yet reviewed their employment). The commands say so, and
the report carries the same caveats.
"""

import dataclasses
import datetime as dt
import sys

from model.parameters import ParameterError, resolve

YEAR_DAYS = 365  # a run this long (or longer) reports yearly figures; shorter ones say "over the run"
SEASON_DAYS = 91  # about three months: one growing or harvest season


@dataclasses.dataclass(frozen=True)
class Window:
    """The measured days of a run (after its warm-up)."""

    start: dt.date
    days: int
    warmup_days: int

    @property
    def end(self) -> dt.date:
        """The last measured day (inclusive)."""
        return self.start + dt.timedelta(days=self.days - 1)

    @property
    def full_year(self) -> bool:
        """Whether the run covers a year, so that its totals are yearly figures."""
        return self.days >= YEAR_DAYS

    @property
    def over(self) -> str:
        """How a total over this window is labelled: "over the year" or "over the run (N days)"."""
        return "over the year" if self.full_year else f"over the run ({self.days} days)"

    def __str__(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()} ({self.days} days)"


def of(params: dict) -> Window:
    """The window of a resolved parameter set."""
    return Window(dt.date.fromisoformat(str(params["simulation.start_date"])), int(params["simulation.days"]),
                  int(params["simulation.warmup_days"]))


def _date(value, option: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ParameterError("command line", option, value, "a date as YYYY-MM-DD, e.g. 2024-03-01") from None


def overrides(params: dict, start=None, end=None, days: int | None = None) -> dict:
    """The `simulation.start_date` and `simulation.days` overrides that `--start`, `--end` and
    `--days` ask for (empty when none is given), checked against each other.

    Args:
        params: the scenario's resolved parameters (its start date when `--start` is not given).
        start: the first measured day (a date or YYYY-MM-DD).
        end: the last measured day, inclusive.
        days: measured days.

    Raises:
        ParameterError: a malformed date, an end before the start, or `--end` and `--days` that disagree.

    """
    out = {}
    if days is not None and days < 1:
        raise ParameterError("command line", "--days", days, "a whole number of days, 1 or more")
    first = _date(start, "--start") if start is not None else of(params).start
    if start is not None:
        out["simulation.start_date"] = first.isoformat()
    if end is not None:
        last = _date(end, "--end")
        if last < first:
            raise ParameterError("command line", "--end", last.isoformat(),
                                 f"a date on or after the start ({first.isoformat()})")
        span = (last - first).days + 1
        if days is not None and days != span:
            raise ParameterError("command line", "--days", days,
                                 f"{span} (the days from {first.isoformat()} to {last.isoformat()}), or leave "
                                 f"out one of --end and --days")
        days = span
    if days is not None:
        out["simulation.days"] = days
    if out:
        resolve({**params, **out}, "command line")  # e.g. more days than the schema allows
    return out


def apply(scenario, start=None, end=None, days: int | None = None):
    """A copy of the scenario whose window is the one the options ask for (the scenario itself if none)."""
    extra = overrides(scenario.params, start, end, days)
    if not extra:
        return scenario
    return dataclasses.replace(scenario, overrides={**scenario.overrides, **extra})


def missed_events(events, window: Window, wholly: bool = False) -> list[str]:
    """What the window misses of the events: one sentence per event that lies wholly or partly outside
    it (only wholly, if `wholly`).
    """
    out = []
    for event in events:
        event_days = (event.end - event.start).days + 1
        first, last = max(event.start, window.start), min(event.end, window.end)
        covered = (last - first).days + 1 if first <= last else 0
        span = f"{event.kind} event ({event.start.isoformat()} to {event.end.isoformat()})"
        if covered == 0:
            hint = (f"choose a window that covers it, e.g. --start {event.start.isoformat()} "
                    f"--days {min(event_days, 3660)}")
            out.append(f"the {span} falls outside the simulated window {window}: the results do not show it; "
                       f"{hint}")
        elif covered < event_days and not wholly:
            out.append(f"the window {window} covers {covered} of the {span}'s {event_days} days")
    return out


def caveats(window: Window, events=(), replications: int | None = None) -> list[str]:
    """Every caveat that applies to results measured over this window, in plain words."""
    out = [m[0].upper() + m[1:] + "." for m in missed_events(events, window)]
    if window.days < window.warmup_days:
        out.append(f"The run ({window.days} days) is shorter than the model's warm-up ({window.warmup_days} days): "
                   f"responses that take weeks (plants' month-end employment reviews, carriers' routes, "
                   f"commuters' choices) have not played out, and short-run differences can have either sign.")
    if window.days < SEASON_DAYS:
        out.append(f"The run is shorter than a season ({SEASON_DAYS} days): harvests and seasonal commuting are "
                   f"not averaged out, so its totals cannot be scaled to a year.")
    if not window.full_year:
        out.append(f"Money and output are totals over the run ({window}), not yearly figures; "
                   f"input-output jobs are yearly rates of the run's output.")
    if replications == 1:
        out.append("One replication: no interval; run more (--reps) for a 95% interval.")
    return out


def warn(scenario, window: Window, stream=None):
    """Print to stderr a warning for each of the scenario's events that lies wholly outside the window
    (an event it covers in part is a caveat of the results, printed with them).
    """
    for message in missed_events(scenario.events, window, wholly=True):
        print(f"calexico: warning: {scenario.name}: {message}", file=stream or sys.stderr)
