"""The agents of the border economy: who they are, where they are, and how many.

Growers from the crop table, plants from the sector table, carriers from the fleet table,
commuters as cohorts drawn once from a stream of their own; each is put on its node of the
region's Network (Mesa cells) for the map. The numbers come from the shipped data and the
parameters; `BorderModel` calls these once, in this order (agents' ids follow it).
"""

import calendar
import csv
from importlib import resources

import numpy as np

from agents import CrossBorderWorker, Grower, Manufacturer, TruckingFirm, Workforce
from agents.cross_border_worker import FARM, NONFARM, PEDESTRIAN, VEHICLE

# Where carriers keep their trucks (assumption, for the map: Mexicali carriers at the yards by
# Garita Oriente, US carriers at the Calexico transfer yards; no carrier census found).
CARRIER_YARDS = {"MX": "calexico_east_mx", "US": "calexico"}


def data_rows(name):
    """Rows of a shipped CSV table in `model/data/`, as dicts."""
    text = resources.files("model").joinpath(f"data/{name}").read_text()
    return list(csv.DictReader(text.splitlines()))


def create_growers(model):
    """Growers of each crop group at each district (`crops.csv`), and the local farm workers:
    locals fill the crews first; the cross-border pool covers the rest at the peak.
    """
    p = model.params
    value = {"imperial": p["agriculture.imperial_value_usd"],
             "mexicali_valley": p["agriculture.mexicali_export_value_usd"]}
    places = {"imperial": ["brawley", "imperial", "holtville", "calipatria", "el_centro"],
              "mexicali_valley": ["valley_guadalupe_victoria", "valley_ciudad_morelos"]}
    per_load = p["agriculture.value_per_load_usd"]
    months = [m.lower() for m in calendar.month_abbr[1:]]
    for row in data_rows("crops.csv"):
        region = row["region"]
        dests = {k[5:]: float(v) for k, v in row.items() if k.startswith("dest_")}
        for place in places[region]:
            loads = value[region] * float(row["value_share"]) / len(places[region]) / per_load
            Grower(model, place, region, row["crop"], loads, [float(row[m]) for m in months],
                   p["agriculture.workers_per_load"] * float(row["labour_factor"]),
                   row["perishable"] == "true", dests)
    growers = model.agents_by_type[Grower]
    imperial = [g for g in growers if not g.exports_north]
    peak = max(
        sum(g.loads_per_year * g.month_share[m] / 30.0 * g.workers_per_load for g in imperial)
        for m in range(12)
    )
    # Locals fill the crews first; the cross-border pool covers the rest at the peak.
    return growers, max(0.0, peak - p["labour.farm_commuters_peak"])


def create_manufacturers(model):
    """Representative plants of each sector (`manufacturers.csv`), sized 1/rank."""
    p = model.params
    per_job_day = p["manufacturing.loads_per_job_year"] / (52 * p["manufacturing.working_days_per_week"])
    reference = p["trucking.free_flow_cycle_hours"] * p["trucking.cost_per_hour_usd"] * (
        1 + p["trucking.margin"])
    for row in data_rows("manufacturers.csv"):
        # Representative plants of a sector: a few large, more small (sizes in 1/rank).
        sizes = 1.0 / np.arange(1, int(row["plants"]) + 1)
        for size in sizes / sizes.sum():
            Manufacturer(model, row["sector"], row["place"], p["manufacturing.jobs"] * float(row["jobs_share"])
                         * size, per_job_day, p["manufacturing.target_cover_days"], reference)
    return model.agents_by_type[Manufacturer]


def create_trucking_firms(model):
    """Carriers of each base (`trucking_firms.csv`), sized 1/rank."""
    p = model.params
    for row in data_rows("trucking_firms.csv"):
        n = int(row["firms"])
        # Firm sizes follow 1/rank within a base (a few large carriers, many small ones).
        sizes = 1.0 / np.arange(1, n + 1)
        sizes = sizes / sizes.sum() * p["trucking.fleet_trucks"] * float(row["fleet_share"])
        for size in sizes:
            TruckingFirm(model, row["base"], size, p["trucking.fast_share"])
    return model.agents_by_type[TruckingFirm]


def create_workers(model):
    """Commuter cohorts by sector, mode, port and lane (a stream of their own), as one `Workforce`."""
    p = model.params
    per_agent = p["simulation.workers_per_agent"]
    rows = []
    for sector, total, wage in (
        (FARM, p["labour.farm_commuters_peak"], p["labour.farm_wage_usd_per_hour"]),
        (NONFARM, p["labour.nonfarm_commuters"], p["labour.service_wage_usd_per_hour"]),
    ):
        n = int(np.ceil(total / per_agent))
        heads = np.full(n, total / n) if n else np.zeros(0)
        rows.append((sector, heads, wage))
    stream = np.random.default_rng([model.seed, 101])
    headcount, sector, mode, line, wage, rank = [], [], [], [], [], []
    ready, sentri = p["labour.ready_share"], p["labour.sentri_share"]
    for sec, heads, w in rows:
        n = heads.shape[0]
        on_foot = stream.random(n) < p["labour.pedestrian_share"]
        west = stream.random(n) < np.where(on_foot, p["labour.west_share_on_foot"], p["labour.west_share"])
        lane_u = stream.random(n)
        for i in range(n):
            port = "west" if west[i] else "east"
            if on_foot[i]:
                name = f"{port}_pedestrian"
            else:
                lane = "sentri" if lane_u[i] < sentri else "ready" if lane_u[i] < sentri + ready else "general"
                name = f"{port}_pov_{lane}"
            line.append(model.line_index[name])
            mode.append(PEDESTRIAN if on_foot[i] else VEHICLE)
        headcount.append(heads)
        sector += [sec] * n
        wage += [w] * n
        rank.append((np.arange(n) + 0.5) / max(n, 1))
    workforce = Workforce(np.concatenate(headcount), sector, mode, line, wage, np.concatenate(rank))
    for row in range(workforce.headcount.shape[0]):
        CrossBorderWorker(model, workforce, row)
    return workforce


def place_agents(model):
    """Put every agent on its node of the region's Network (Mesa cells).

    Plants on their industrial park, growers on their farm district, carriers at their yard
    (`CARRIER_YARDS`), commuters at home: the residential district nearest the port they
    cross at (an assumption for the map; the model has no home addresses). Agents stay put;
    the map draws them from their cells.
    """
    graph = model.region.graph
    homes = [n for n, d in graph.nodes(data=True) if d["kind"] == "residential"]

    def nearest_home(port: str) -> str:
        x, y = graph.nodes[f"{port}_mx"]["pos"]
        return min(homes, key=lambda n: (graph.nodes[n]["pos"][0] - x) ** 2 + (graph.nodes[n]["pos"][1] - y) ** 2)

    home_by_line = [nearest_home(line.port) for line in model.lines]
    for agent in model.growers:
        agent.cell = model.grid[agent.place]
    for agent in model.manufacturers:
        agent.cell = model.grid[agent.place]
    for agent in model.firms:
        agent.cell = model.grid[CARRIER_YARDS[agent.base]]
    lines = model.workforce.line
    for agent in model.agents_by_type[CrossBorderWorker]:
        agent.cell = model.grid[home_by_line[lines[agent.row]]]
