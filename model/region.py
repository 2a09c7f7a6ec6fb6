"""The region as a networkx graph of real places, and the cost of moving a load across it.

Why split the cost at the border: every cross-border path uses exactly one crossing edge, so
the cheapest generalised-cost path from an origin to a destination is the cheapest, over the
crossings a truck may use, of (road to the crossing) + (the crossing, including the wait a
carrier expects there) + (road from it). The road parts are networkx shortest paths computed
once; the daily choice only adds today's expected waits. `cheapest_path` checks this against
networkx on the full graph with wait-weighted crossing edges.
"""

import csv
import math
from importlib import resources

import networkx as nx
import numpy as np

KM_PER_MILE = 1.609344


def _rows(name: str):
    text = resources.files("model").joinpath(f"data/{name}").read_text()
    return list(csv.DictReader(text.splitlines()))


def great_circle_km(lon1, lat1, lon2, lat2) -> float:
    """Great-circle distance on a sphere of radius 6,371 km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def build_graph(circuity: float) -> nx.DiGraph:
    """The supply graph: places with (lon, lat), roads both ways, crossings both ways."""
    graph = nx.DiGraph()
    for row in _rows("places.csv"):
        graph.add_node(row["id"], name=row["name"], kind=row["kind"], side=row["side"],
                       pos=(float(row["lon"]), float(row["lat"])))
    for row in _rows("roads.csv"):
        a, b = row["a"], row["b"]
        (x1, y1), (x2, y2) = graph.nodes[a]["pos"], graph.nodes[b]["pos"]
        km = great_circle_km(x1, y1, x2, y2) * circuity
        hours = km / float(row["speed_kmh"])
        for u, v in ((a, b), (b, a)):
            graph.add_edge(u, v, km=km, hours=hours, road=row["road"], port=None)
    for row in _rows("crossings.csv"):
        us, mx = row["us_node"], row["mx_node"]
        (x1, y1), (x2, y2) = graph.nodes[us]["pos"], graph.nodes[mx]["pos"]
        km = great_circle_km(x1, y1, x2, y2)
        for u, v in ((mx, us), (us, mx)):
            graph.add_edge(u, v, km=km, hours=km / 20.0, road="crossing", port=row["port"],
                           trucks=row["trucks"] == "true")
    return graph


class Region:
    """The graph and the generalised cost of trucking a load between two places."""

    def __init__(self, circuity: float, cost_per_mile_usd: float):
        self.graph = build_graph(circuity)
        self.cost_per_mile_usd = cost_per_mile_usd
        self.truck_ports = []
        self.crossing_edges = {}
        for u, v, data in self.graph.edges(data=True):
            if data["port"] and data.get("trucks") and self.graph.nodes[u]["side"] == "MX":
                self.truck_ports.append(data["port"])
                self.crossing_edges[data["port"]] = (u, v)
        self.truck_ports.sort()
        roads = self.graph.edge_subgraph(
            [(u, v) for u, v, d in self.graph.edges(data=True) if d["port"] is None]
        )
        self._road_km = dict(nx.all_pairs_dijkstra_path_length(roads, weight="km"))

    def road_km(self, a: str, b: str) -> float:
        """Shortest road distance between two places on the same side (inf if none)."""
        if a == b:
            return 0.0
        return self._road_km.get(a, {}).get(b, math.inf)

    def crossing_km(self, origin: str, destination: str) -> np.ndarray:
        """Road km from origin to destination through each truck crossing (in truck_ports order)."""
        out = []
        for port in self.truck_ports:
            mx, us = self.crossing_edges[port]
            a, b = (mx, us) if self.graph.nodes[origin]["side"] == "MX" else (us, mx)
            out.append(self.road_km(origin, a) + self.graph.edges[a, b]["km"] + self.road_km(b, destination))
        return np.array(out)

    def crossing_costs(self, origin: str, destination: str, wait_h: np.ndarray,
                       cost_per_hour_usd: float) -> np.ndarray:
        """Generalised cost (USD) of a load through each crossing: distance plus expected wait.

        Distance is costed per mile (ATRI's marginal cost covers driving time); waiting per
        truck-hour.
        """
        miles = self.crossing_km(origin, destination) / KM_PER_MILE
        return miles * self.cost_per_mile_usd + wait_h * cost_per_hour_usd

    def cheapest_path(self, origin: str, destination: str, wait_h: dict, cost_per_hour_usd: float):
        """The cheapest path on the full graph by networkx, with waits on crossing edges.

        Used to check the decomposition; the model calls `crossing_costs` on its hot path.
        """
        def weight(u, v, data):
            if data["port"] is not None and not data.get("trucks"):
                return None
            cost = data["km"] / KM_PER_MILE * self.cost_per_mile_usd
            if data["port"] is not None:
                cost += wait_h.get(data["port"], 0.0) * cost_per_hour_usd
            return cost

        return nx.single_source_dijkstra(self.graph, origin, destination, weight=weight)
