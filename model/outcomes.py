"""What the model reports: the daily table's columns and the run summary.

Costs are in US dollars by component, jobs by kind, sector and side of the border, and total
jobs add indirect and induced effects through the multipliers in `parameters.toml` (the method
of the published border-delay studies). Collect only what the outcomes need.
"""

from operator import attrgetter

import numpy as np

from agents.cross_border_worker import NONFARM
from model import input_output
from model.freight import EXPORT_NORTH, FEEDS
from model.parameters import line_names

PORT_LINES = tuple(line_names())
COMMERCIAL_NORTH = ("east_commercial_standard", "east_commercial_fast", "east_commercial_empty")
COST_COLUMNS = ("cost_truck_delay_usd", "cost_detour_usd", "cost_outside_carriers_usd", "cost_spoilage_usd",
                "cost_crops_unharvested_usd",
                "cost_inventory_usd", "cost_held_loads_usd", "cost_stock_in_line_usd", "cost_stoppage_usd",
                "cost_commuter_time_usd", "cost_lost_wages_usd", "cost_visitor_time_usd", "cost_trips_forgone_usd",
                "cost_southbound_time_usd", "cost_port_switch_usd")
# Output by sector and side of the border (gross output, USD/day): what delay takes away from,
# measured the same way in a scenario and its counterfactual (output lost = the difference).
OUTPUT_SECTORS = (("agriculture", "us"), ("agriculture", "mx"), ("manufacturing", "mx"), ("trucking", "us"),
                  ("trucking", "mx"), ("retail_services", "us"), ("retail_services", "mx"), ("households", "mx"))
OUTPUT_COLUMNS = tuple(f"output_{sector}_{side}_usd" for sector, side in OUTPUT_SECTORS)
AGENT_JOBS = {"plant_jobs_mx": "jobs_manufacturing_mx", "field_crews_us": "jobs_agriculture_us",
              "commuters_employed_us": "jobs_services_us", "fleet_drivers_us": "jobs_trucking_us",
              "fleet_drivers_mx": "jobs_trucking_mx"}
JOB_COLUMNS = ("jobs_agriculture_us", "jobs_agriculture_mx", "jobs_manufacturing_mx",
               "jobs_trucking_us", "jobs_trucking_mx", "jobs_services_us", "jobs_retail_us")
_US_JOBS = tuple(c for c in JOB_COLUMNS if c.endswith("_us"))
_MX_JOBS = tuple(c for c in JOB_COLUMNS if c.endswith("_mx"))
NIGHT = slice(1, 4)  # 01:00-04:00, when the farm crews cross
MORNING = slice(6, 10)  # 06:00-10:00, the weekday morning of the press's wait snapshots
DAYTIME = slice(6, 22)  # 06:00-22:00, the hours the press's typical waits describe
# What each line's port did and what crossers meet: booth-hours staffed, booths staffed at 08:00,
# and the waits to primary crossers report (the day's worst hour; the morning's mean).
STAFFING_FIELDS = ("booth_hours", "morning_booths", "peak_hour_wait_min", "morning_wait_min")
LINE_FIELDS = ("served", "wait_mean_min", "wait_p95_min", "queue_at_close",
               "released", "time_in_port_mean_min", "time_in_port_p95_min")
_line_fields = attrgetter(*LINE_FIELDS)  # a LineDay's values in the order of LINE_FIELDS
_LINE_COLUMNS = {line: tuple(f"{line}_{field}" for field in LINE_FIELDS) for line in PORT_LINES}
_STAFFING_COLUMNS = {line: tuple(f"{line}_{field}" for field in STAFFING_FIELDS) for line in PORT_LINES}
DAILY_COLUMNS = (
    "date", "measured",
    "northbound_trucks", "northbound_trucks_loaded", "northbound_trucks_empty", "southbound_trucks",
    "northbound_trucks_released",
    "commercial_wait_mean_min", "commercial_wait_p95_min", "commercial_queue_at_close",
    "commercial_time_in_port_mean_min", "commercial_time_in_port_p95_min",
    "commercial_in_lot_at_close", "commercial_blocked_booth_hours",
    "mx_export_time_in_port_mean_min", "standard_crossing_time_mean_min", "certified_crossing_time_mean_min",
    "northbound_crossing_time_mean_min",
    "diverted_otay_mesa", "diverted_san_luis", "diverted_south_otay_mesa", "diverted_south_san_luis",
    "west_pedestrians", "west_vehicles", "east_pedestrians", "east_vehicles",
    "pedestrian_wait_mean_min", "vehicle_wait_mean_min",
    "pedestrian_time_in_port_mean_min", "vehicle_time_in_port_mean_min",
    "west_pedestrian_night_served", "west_pedestrian_night_wait_mean_min",
    *(column for line in PORT_LINES for column in _LINE_COLUMNS[line]),
    *(f"{line}_{field}" for line in PORT_LINES for field in STAFFING_FIELDS),
    "farm_commuters", "field_workers_us", "commuter_wait_hours", "commuter_time_hours", "commuter_paid_hours_lost",
    "commuters_quit",
    "visitor_trips", "visitor_spending_usd", "visitor_hours_in_port", "southbound_person_hours",
    "port_switch_person_hours",
    "harvest_loads", "goods_loads_made", "loads_dispatched", "spoiled_loads", "empties_around", "loads_around",
    *COST_COLUMNS, "cost_total_usd", *OUTPUT_COLUMNS,
    *JOB_COLUMNS, "jobs_direct_us", "jobs_direct_mx", "jobs_total_us", "jobs_total_mx",
    "trade_north_usd", "trade_south_usd",
)
MULTIPLIERS = {
    "jobs_agriculture_us": "agriculture.employment_multiplier",
    "jobs_agriculture_mx": "agriculture.employment_multiplier",
    "jobs_manufacturing_mx": "manufacturing.employment_multiplier",
    "jobs_trucking_us": "labour.nonfarm_employment_multiplier",
    "jobs_trucking_mx": "manufacturing.employment_multiplier",
    "jobs_services_us": "labour.nonfarm_employment_multiplier",
    "jobs_retail_us": "labour.nonfarm_employment_multiplier",
}


def empty_day(day, measured: bool) -> dict:
    """A fresh record for one day: zeros, the date and whether it counts (after warm-up)."""
    record = dict.fromkeys(DAILY_COLUMNS, 0.0)
    record["date"] = day.isoformat()
    record["measured"] = measured
    return record


def record_lines(model, results):
    """Per-line and per-port figures of the day."""
    today = model.today
    for line, r in zip(model.lines, results, strict=True):
        today.update(zip(_LINE_COLUMNS[line.name], _line_fields(r), strict=True))
    north = [results[model.line_index[n]] for n in COMMERCIAL_NORTH]
    served = [r.served for r in north]
    total = sum(served)
    today["northbound_trucks"] = total
    today["northbound_trucks_loaded"] = served[0] + served[1]
    today["northbound_trucks_empty"] = served[2]
    today["southbound_trucks"] = today["east_commercial_south_served"]
    today["commercial_wait_mean_min"] = sum(r.wait_mean_min * r.served for r in north) / total if total else 0.0
    # The pooled northbound p95 is approximated by the largest of the line p95s.
    today["commercial_wait_p95_min"] = max(r.wait_p95_min for r in north if r.served) if total else 0.0
    today["commercial_queue_at_close"] = sum(r.queue_at_close for r in north)
    released = sum(r.released for r in north)
    today["northbound_trucks_released"] = released
    today["commercial_time_in_port_mean_min"] = (sum(r.time_in_port_mean_min * r.released for r in north) / released
                                                 if released else 0.0)
    today["commercial_time_in_port_p95_min"] = max(r.time_in_port_p95_min for r in north if r.released) \
        if released else 0.0
    today["commercial_in_lot_at_close"] = sum(r.in_lot_at_close for r in north)
    # The whole northbound crossing of a loaded truck, as truckers speak of it: Mexico's export
    # customs, then the US line (each lane's mean time in port at both, added).
    exports = [results[model.line_index[n]] for n in EXPORT_NORTH]
    out = sum(r.released for r in exports)
    today["mx_export_time_in_port_mean_min"] = (sum(r.time_in_port_mean_min * r.released for r in exports) / out
                                                if out else 0.0)
    lanes = []
    for (mx, us), column in zip(FEEDS, ("standard_crossing_time_mean_min", "certified_crossing_time_mean_min"),
                                strict=True):
        mx_day, us_day = results[model.line_index[mx]], results[model.line_index[us]]
        today[column] = mx_day.time_in_port_mean_min + us_day.time_in_port_mean_min if us_day.released else 0.0
        lanes.append((today[column], us_day.released))
    today["northbound_crossing_time_mean_min"] = _weighted(lanes)
    today["commercial_blocked_booth_hours"] = sum(r.blocked_booth_hours for r in north)
    for port in ("west", "east"):
        today[f"{port}_pedestrians"] = today[f"{port}_pedestrian_served"]
        today[f"{port}_vehicles"] = sum(today[f"{port}_pov_{k}_served"] for k in ("general", "ready", "sentri"))
    ped = [(today[f"{p}_pedestrian_wait_mean_min"], today[f"{p}_pedestrian_served"]) for p in ("west", "east")]
    veh = [(today[f"{p}_pov_general_wait_mean_min"], today[f"{p}_pov_general_served"]) for p in ("west", "east")]
    today["pedestrian_wait_mean_min"] = _weighted(ped)
    today["vehicle_wait_mean_min"] = _weighted(veh)
    ped = [(today[f"{p}_pedestrian_time_in_port_mean_min"], today[f"{p}_pedestrian_released"])
           for p in ("west", "east")]
    veh = [(today[f"{p}_pov_general_time_in_port_mean_min"], today[f"{p}_pov_general_released"])
           for p in ("west", "east")]
    # Farm crews' hours at the downtown port: those arriving on foot at West from 01:00 to 04:00.
    west_ped = model.line_index["west_pedestrian"]
    night = model.arrivals_by_hour[west_ped, NIGHT]
    night_n = night.sum()
    today["west_pedestrian_night_served"] = night_n
    today["west_pedestrian_night_wait_mean_min"] = (
        float(night @ results[west_ped].wait_by_hour_min[NIGHT] / night_n) if night_n > 0 else 0.0)
    today["pedestrian_time_in_port_mean_min"] = _weighted(ped)
    today["vehicle_time_in_port_mean_min"] = _weighted(veh)
    booths = np.array(model.booths_today, dtype=float)  # (lines, 24), lines in the model's order
    wait = model.wait_by_hour_min
    arrived = model.arrivals_by_hour[:, MORNING]
    arrived_n = arrived.sum(axis=1)
    morning = np.divide((arrived * wait[:, MORNING]).sum(axis=1), arrived_n, out=np.zeros(len(results)),
                        where=arrived_n > 0)
    for line, *values in zip(model.lines, booths.sum(axis=1).tolist(), booths[:, 8].tolist(),
                             wait[:, DAYTIME].max(axis=1).tolist(), morning.tolist(), strict=True):
        today.update(zip(_STAFFING_COLUMNS[line.name], values, strict=True))


def _day_weighted(d, column: str, weights) -> float:
    """A daily mean over the days, weighted by the day's count (the sum of the weight columns)."""
    w = d[list(weights)].sum(axis=1).to_numpy()
    return float(np.average(d[column], weights=w)) if w.sum() > 0 else 0.0


def _weighted(pairs) -> float:
    n = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / n if n else 0.0


def finish_day(model):
    """Jobs and totals at the end of the day."""
    p = model.params
    today = model.today
    today["cost_total_usd"] = sum(today[c] for c in COST_COLUMNS)
    valley_loads = sum(g.harvested_loads * g.workers_per_load for g in model.growers if g.exports_north)
    today["jobs_agriculture_us"] = today["field_workers_us"]
    today["jobs_agriculture_mx"] = valley_loads
    today["jobs_manufacturing_mx"] = sum(m.jobs for m in model.manufacturers)
    drivers = p["trucking.drivers_per_truck"]
    today["jobs_trucking_us"] = sum(f.trucks for f in model.firms if f.base == "US") * drivers
    today["jobs_trucking_mx"] = sum(f.trucks for f in model.firms if f.base == "MX") * drivers
    wf = model.workforce
    nonfarm_employed = float(wf.headcount[(wf.sector == NONFARM) & wf.employed].sum())
    today["jobs_services_us"] = nonfarm_employed + model.labour_market.us_refilled
    today["jobs_retail_us"] = (today["visitor_spending_usd"] * 365 / 1e6
                               * p["crossers.retail_jobs_per_million_usd"])
    today["jobs_direct_us"] = sum(today[c] for c in _US_JOBS)
    today["jobs_direct_mx"] = sum(today[c] for c in _MX_JOBS)
    today["jobs_total_us"] = sum(today[c] * p[MULTIPLIERS[c]] for c in _US_JOBS)
    today["jobs_total_mx"] = sum(today[c] * p[MULTIPLIERS[c]] for c in _MX_JOBS)


def summarise(daily, params: dict, seed: int) -> dict:
    """The run summary over the measured days (after the warm-up).

    Args:
        daily: the daily table (a pandas DataFrame with DAILY_COLUMNS).
        params: the resolved parameters of the run.
        seed: the run's seed.

    """
    d = daily[daily["measured"]]
    output_usd = {side: {sector: float(d[f"output_{sector}_{side}_usd"].sum()) if (sector, side) in OUTPUT_SECTORS
                         else 0.0 for sector in input_output.SECTORS} for side in input_output.SIDES}
    trucks = d["northbound_trucks"].to_numpy()
    waits = d["commercial_wait_mean_min"].to_numpy()
    released = d["northbound_trucks_released"].to_numpy()
    jobs = {c.removeprefix("jobs_"): float(d[c].mean()) for c in
            (*JOB_COLUMNS, "jobs_direct_us", "jobs_direct_mx", "jobs_total_us", "jobs_total_mx")}
    return {
        "seed": seed,
        "days": int(len(d)),
        "first_day": str(d["date"].iloc[0])[:10] if len(d) else None,
        "last_day": str(d["date"].iloc[-1])[:10] if len(d) else None,
        "northbound_trucks": float(trucks.sum()),
        "northbound_trucks_loaded": float(d["northbound_trucks_loaded"].sum()),
        "southbound_trucks": float(d["southbound_trucks"].sum()),
        "northbound_trucks_released": float(released.sum()),
        "mean_commercial_wait_min": float(np.average(waits, weights=trucks)) if trucks.sum() else 0.0,
        "p95_commercial_wait_min": float(np.average(d["commercial_wait_p95_min"], weights=trucks))
        if trucks.sum() else 0.0,
        "mean_commercial_time_in_port_min": float(np.average(d["commercial_time_in_port_mean_min"], weights=released))
        if released.sum() else 0.0,
        "p95_commercial_time_in_port_min": float(np.average(d["commercial_time_in_port_p95_min"], weights=released))
        if released.sum() else 0.0,
        # The whole northbound crossing of loaded trucks (export customs to US release), by lane.
        **{f"mean_{key}_min": _day_weighted(d, column, weight) for key, column, weight in (
            ("mx_export_time_in_port", "mx_export_time_in_port_mean_min", ("east_mx_export_standard_released",
                                                                           "east_mx_export_express_released")),
            ("standard_crossing_time", "standard_crossing_time_mean_min", ("east_commercial_standard_released",)),
            ("certified_crossing_time", "certified_crossing_time_mean_min", ("east_commercial_fast_released",)),
            ("northbound_crossing_time", "northbound_crossing_time_mean_min",
             ("east_commercial_standard_released", "east_commercial_fast_released")))},
        "diverted_trucks": {"otay_mesa": float(d["diverted_otay_mesa"].sum()),
                            "san_luis": float(d["diverted_san_luis"].sum())},
        "diverted_trucks_south": {"otay_mesa": float(d["diverted_south_otay_mesa"].sum()),
                                  "san_luis": float(d["diverted_south_san_luis"].sum())},
        "pedestrians": {"calexico_west": float(d["west_pedestrians"].sum()),
                        "calexico_east": float(d["east_pedestrians"].sum())},
        "passenger_vehicles": {"calexico_west": float(d["west_vehicles"].sum()),
                               "calexico_east": float(d["east_vehicles"].sum())},
        "costs_usd": {c.removeprefix("cost_").removesuffix("_usd"): float(d[c].sum())
                      for c in (*COST_COLUMNS, "cost_total_usd")},
        "jobs": jobs,
        "trade_value_usd": {"north": float(d["trade_north_usd"].sum()),
                            "south": float(d["trade_south_usd"].sum())},
        "visitor_spending_usd": float(d["visitor_spending_usd"].sum()),
        "output_usd": output_usd,
        "agent_jobs": {kind: float(d[column].mean()) for kind, column in AGENT_JOBS.items()},
        # Value added and jobs the output supports (the input-output layer); a scenario minus its
        # counterfactual gives what delay costs, comparable with the published studies.
        **input_output.summarise(output_usd, params, len(d)),
    }
