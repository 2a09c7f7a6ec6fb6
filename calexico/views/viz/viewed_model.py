"""The model the browser shows: the controls turned into a run, and its no-delay twin.

Why a subclass: Mesa's Reset button rebuilds the model as `type(model)(**controls)`, so the
class that the page holds must take the controls as keyword arguments. `build` turns them into
`BorderModel(params, seed, events)` arguments; `ViewedModel` runs that model and, in lockstep,
a no-delay twin (same scenario, seed and events, `port.waiting = false`) so the headline panel
can show the cost of today's delay as the days go by, exactly as `calexico run` defines it.
"""

import datetime as dt
import time

from calexico.running import scenarios
from model import BorderModel
from model.parameters import SPECS, Event, ParameterError, resolve, resolve_lines

STANDARD = "lines.east_commercial_standard."
FAST = "lines.east_commercial_fast."
COMMERCIAL_NORTH = ("east_commercial_standard", "east_commercial_fast", "east_commercial_empty")
EVENT_CHOICES = ("none", "closure", "inspection surge")

# Which parameter each control sets (a control left at the shipped default keeps the scenario's value).
CONTROL_KEYS = {
    "commercial_booths": STANDARD + "booths",
    "fast_booths": FAST + "booths",
    "commercial_close_hour": "hours.east_commercial.weekday_close",
    "secondary_share": STANDARD + "secondary_share",
    "fast_share": "trucking.fast_share",
}


def default(key: str):
    """The shipped default of a parameter."""
    return SPECS[key].default


def build(scenario_name="baseline", seed=0, commercial_booths=None, fast_booths=None,
          commercial_close_hour=None, primary_min=None, secondary_share=None, fast_share=None,
          event="none", event_start_day=5, event_days=3, warmup_days=0):
    """Turn the browser's controls into (params, seed, events) for `BorderModel`.

    A control left at (or given as None for) the shipped default keeps the scenario's value;
    a moved control overrides it. Primary inspection minutes scale all three northbound
    commercial lines by the same factor (FAST and empty trucks stay proportionally faster).
    The event runs on days `event_start_day` .. `event_start_day + event_days - 1` of the run
    (day 1 is the first simulated day) on every Calexico East commercial line (a closure) or
    on the northbound ones (a surge: every truck referred to secondary inspection).

    Raises:
        ParameterError: a value the parameter schema refuses (named as "browser controls").

    """
    scenario = scenarios.load(scenario_name)
    params = dict(scenario.overrides)
    controls = {"commercial_booths": commercial_booths, "fast_booths": fast_booths,
                "commercial_close_hour": commercial_close_hour, "secondary_share": secondary_share,
                "fast_share": fast_share}
    for name, value in controls.items():
        key = CONTROL_KEYS[name]
        if value is not None and value != default(key):
            params[key] = value
    if primary_min is not None and primary_min != default(STANDARD + "primary_min"):
        factor = primary_min / default(STANDARD + "primary_min")
        for line in COMMERCIAL_NORTH:
            key = f"lines.{line}.primary_min"
            params[key] = params.get(key, default(key)) * factor
    params["simulation.warmup_days"] = int(warmup_days)
    resolved = resolve(params, "browser controls")
    events = tuple(scenario.events)
    if event not in EVENT_CHOICES:
        raise ParameterError("browser controls", "event", event, f"one of {list(EVENT_CHOICES)}")
    if event != "none":
        start = dt.date.fromisoformat(resolved["simulation.start_date"]) - dt.timedelta(days=int(warmup_days))
        first = start + dt.timedelta(days=int(event_start_day) - 1)
        last = first + dt.timedelta(days=max(1, int(event_days)) - 1)
        if event == "closure":
            events += (Event("closure", first, last, resolve_lines("commercial", "browser controls", "event")),)
        else:
            events += (Event("secondary_share", first, last, COMMERCIAL_NORTH, value=1.0),)
    return params, int(seed), events


class ViewedModel(BorderModel):
    """A `BorderModel` built from the browser's controls, stepping a no-delay twin alongside."""

    def __init__(self, scenario_name="baseline", seed=0, commercial_booths=None, fast_booths=None,
                 commercial_close_hour=None, primary_min=None, secondary_share=None, fast_share=None,
                 event="none", event_start_day=5, event_days=3, warmup_days=0):
        """Build the run and its twin; a refused control falls back to the scenario as it is."""
        self.input_error = ""
        try:
            params, seed, events = build(scenario_name, seed, commercial_booths, fast_booths,
                                         commercial_close_hour, primary_min, secondary_share, fast_share,
                                         event, event_start_day, event_days, warmup_days)
        except ParameterError as err:
            self.input_error = str(err)
            params, seed, events = build("baseline", seed, warmup_days=warmup_days)
        super().__init__(params, seed=seed, events=events)
        self.scenario_name = scenario_name
        # The controls this run was built with: the page compares them with the sidebar's to say
        # when a moved control waits for Reset.
        self.controls = {"scenario_name": scenario_name, "seed": seed, "commercial_booths": commercial_booths,
                         "fast_booths": fast_booths, "commercial_close_hour": commercial_close_hour,
                         "primary_min": primary_min, "secondary_share": secondary_share, "fast_share": fast_share,
                         "event": event, "event_start_day": event_start_day, "event_days": event_days,
                         "warmup_days": warmup_days}
        self.twin = BorderModel({**params, "port.waiting": False}, seed=seed, events=events)
        self.step_s = 0.0
        self.redraw_s = {}
        self.redraw_cpu_s = {}

    def step(self):
        """One day of the run and one of its twin; remembers how long both took."""
        t0 = time.perf_counter()
        super().step()
        self.twin.step()
        self.step_s = time.perf_counter() - t0
