"""The ports' history, 2018-2024: dated changes applied to a running model (the hindcast).

Why a running model and not one run per period: queues, inventories, fleets, plants' jobs and
commuters' expectations carry over from one period to the next, as they did at the ports, so
the hindcast runs continuously and the changes land on their dates (`data/history.toml`).

A change sets parameter keys (lanes that exist, hours, anything in parameters.toml that a running
model reads, not `BUILT_ONLY`) or demand keys (`DEMAND_KEYS`): the year's levels of freight,
commuters and visitors, the share of visitors' trips the travel restriction allowed, and the
vaccination requirement's factors.
Read only when `simulation.history` is true, so the 2024 baseline never changes.
"""

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from model.parameters import SPECS, ParameterError

# Demand keys a change may set: (allowed low, allowed high); all default to 1.0.
DEMAND_KEYS = {
    "demand.freight": (0.0, 10.0),  # manufacturing loads a job makes, relative to 2024
    "demand.commuters": (0.0, 10.0),  # commuters' headcount, relative to 2024
    "demand.visitors_vehicle": (0.0, 10.0),  # visitors' potential trips by car, relative to 2024
    "demand.visitors_pedestrian": (0.0, 10.0),  # visitors' potential trips on foot, relative to 2024
    "demand.visitors_allowed_share": (0.0, 1.0),  # the travel restriction: share of visitors' trips allowed
    "demand.visitor_vaccination_factor": (0.0, 1.0),  # visitors' trips that meet the vaccination rule
    "demand.commuter_vaccination_factor": (0.0, 1.0),  # commuters who meet it
}
YEAR_STREAMS = ("freight", "commuters", "visitors_vehicle", "visitors_pedestrian")
WHERE = "model/data/history.toml"
# Keys a model reads only while it is built (and the input-output coefficients, which apply to the
# whole run when it ends): setting one mid-run would not change the days that follow, so a change
# that sets one is refused (the demand keys above scale people, plants and visitors instead).
# tests/test_mid_run_changes.py holds this list to what a running model reads.
BUILT_ONLY_SECTIONS = (
    "simulation.",  # the run's dates and length, the agents' scale
    "input_output.",  # applied to the whole run's output when it ends
)
BUILT_ONLY = frozenset({
    # the people who cross, their classes, ports and wages (the agents and the port choice)
    "labour.nonfarm_commuters", "labour.farm_commuters_peak", "labour.farm_daily_crossing_share",
    "labour.farm_pedestrian_share", "labour.pedestrian_share", "labour.ready_share", "labour.sentri_share",
    "labour.west_share", "labour.west_share_on_foot", "labour.farm_wage_usd_per_hour",
    "labour.service_wage_usd_per_hour", "labour.vacancy_fill_per_month",
    "crossers.west_pov_per_day", "crossers.west_pedestrians_per_day", "crossers.east_pov_per_day",
    "crossers.east_pedestrians_per_day", "crossers.wait_elasticity_per_hour",
    "crossers.spending_per_person_trip_usd", "crossers.work_wait_utility_per_min",
    "crossers.shopping_wait_utility_per_min", "crossers.city_speed_kmh", "crossers.transit_speed_kmh",
    # the growers, the plants and the fleet
    "agriculture.imperial_value_usd", "agriculture.mexicali_export_value_usd", "agriculture.workers_per_load",
    "agriculture.shelf_life_days", "agriculture.heat_q10", "manufacturing.loads_per_job_year",
    "manufacturing.target_cover_days", "trucking.fleet_trucks", "trucking.fast_share",
    "trucking.border_zone_miles",
    # the region and what crossers remember
    "region.circuity", "port.expectation_weight", "port.waiting",
})


def built_only(key: str) -> bool:
    """Whether a mid-run change of the key would not change the days that follow (`BUILT_ONLY`)."""
    return key in BUILT_ONLY or key.startswith(BUILT_ONLY_SECTIONS)


@dataclass(frozen=True)
class Change:
    """Keys set from a date, with where they come from."""

    date: dt.date
    values: dict
    source: str
    event: str = ""
    assumption: str = ""


@dataclass
class History:
    """The dated changes in date order, and which of them a model has taken."""

    changes: list = field(default_factory=list)

    def events(self) -> list[Change]:
        """The changes the fit reads around and the figures mark."""
        return [c for c in self.changes if c.event]

    def due(self, day: dt.date, after: dt.date | None = None) -> dict:
        """The keys set by changes dated after `after` (exclusive) up to `day` (inclusive), in order."""
        values = {}
        for change in self.changes:
            if change.date <= day and (after is None or change.date > after):
                values.update(change.values)
        return values


def _check_value(key: str, value, where: str):
    if key in DEMAND_KEYS:
        low, high = DEMAND_KEYS[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise ParameterError(where, key, value, f"a number from {low} to {high}")
        return float(value)
    if key not in SPECS:
        raise ParameterError(where, key, value, "a parameter key (calexico parameters) or one of "
                                                f"{sorted(DEMAND_KEYS)}")
    if built_only(key):
        raise ParameterError(where, key, value, "a key a running model reads; this one is read only when the "
                                                "model is built (input_output: applied to the whole run at its "
                                                "end): set it in the scenario or BorderModel(params), "
                                                "or scale people, plants and visitors with the demand keys "
                                                f"{sorted(DEMAND_KEYS)}")
    return SPECS[key].check(value, where)


def parse(raw: dict, where: str = WHERE) -> History:
    """Check a history table (as read from TOML) and return its changes in date order."""
    changes = []
    for i, entry in enumerate(raw.get("change", [])):
        here = f"{where} [[change]] {i + 1}"
        try:
            date = dt.date.fromisoformat(str(entry.get("date")))
        except ValueError:
            raise ParameterError(here, "date", entry.get("date"), "a date as YYYY-MM-DD") from None
        if not entry.get("source"):
            raise ParameterError(here, "source", entry.get("source"), "where the change comes from")
        values = {k: _check_value(k, v, here) for k, v in entry.get("set", {}).items()}
        changes.append(Change(date, values, entry["source"], entry.get("event", ""), entry.get("assumption", "")))
    for i, entry in enumerate(raw.get("year", [])):
        here = f"{where} [[year]] {i + 1}"
        year = entry.get("year")
        if isinstance(year, bool) or not isinstance(year, int):
            raise ParameterError(here, "year", year, "a whole year")
        values = {f"demand.{s}": _check_value(f"demand.{s}", entry.get(s), here) for s in YEAR_STREAMS}
        changes.append(Change(dt.date(year, 1, 1), values, entry.get("source", "")))
    changes.sort(key=lambda c: c.date)  # stable: a year's levels, then that day's changes in file order
    return History(changes)


def load() -> History:
    """The shipped history (`data/history.toml`)."""
    text = resources.files("model").joinpath("data", "history.toml").read_text()
    return parse(tomllib.loads(text))


class Applier:
    """Applies a history to one running model: the changes due on each day, before the day runs."""

    def __init__(self, model, history: History | None = None):
        self.history = history or load()
        self.demand = dict.fromkeys(DEMAND_KEYS, 1.0)
        # What the demand keys scale: the values the model was built with (the 2024 levels).
        self.loads_per_job_day = [plant.loads_per_job_day for plant in model.manufacturers]
        self.headcount = model.workforce.headcount.copy()
        self.potential = model.crossing_demand.potential.copy()
        self.vehicle_trips = model.crossing_demand.persons > 1.0  # lines whose visitors come by car
        self.last_day = None
        self.apply(model, model.first_day)

    def apply(self, model, day: dt.date):
        """Set what changed since the last day applied, up to `day`."""
        if self.last_day is not None and day <= self.last_day:
            return
        changes = self.history.due(day, self.last_day)
        self.last_day = day
        if changes:
            set_parameters(model, changes, self)

    def set_demand(self, model, values: dict):
        """Scale the built model's demand to the levels now in force."""
        d = {**self.demand, **values}
        self.demand = d
        for plant, base in zip(model.manufacturers, self.loads_per_job_day, strict=True):
            plant.loads_per_job_day = base * d["demand.freight"]
        model.workforce.headcount[:] = self.headcount * d["demand.commuters"] * d["demand.commuter_vaccination_factor"]
        visitors = np.where(self.vehicle_trips, d["demand.visitors_vehicle"], d["demand.visitors_pedestrian"])
        model.crossing_demand.potential[:] = (self.potential * visitors * d["demand.visitors_allowed_share"]
                                              * d["demand.visitor_vaccination_factor"])


def set_parameters(model, values: dict, applier: Applier | None = None):
    """Change a running model's parameters (checked) and demand levels.

    Lines whose keys changed are reconfigured (their carried queues stay), and every cache of
    the port's conditions by day type is forgotten, since booths and hours are no longer those
    the caches were worked out from.
    """
    where = "set_parameters"
    demand = {k: _check_value(k, v, where) for k, v in values.items() if k in DEMAND_KEYS}
    params = {k: _check_value(k, v, where) for k, v in values.items() if k not in DEMAND_KEYS}
    if demand:
        if applier is None:
            if model.history is None:  # a model built without history: its own levels are 1.0
                model.history = Applier(model, History())
            applier = model.history
        applier.set_demand(model, demand)
    if not params:
        return
    model.params = {**model.params, **params}
    for line in model.lines:
        line.configure(model.params)
    model.staffing.configure(model.lines, model.params)
    model.inspection_min = np.array([line.primary_min + line.secondary_share * line.secondary_min
                                     for line in model.lines])
    model.region.cost_per_mile_usd = model.params["trucking.cost_per_mile_usd"]  # the graph's costs
    model.freight.configure()
    model._port_days.clear()
    model.port_choice._gates.clear()
    model.port_choice.reconsider_share = model.params["crossers.reconsider_share"]

