"""The map: the supply graph at real longitudes and latitudes, what each place holds, the agents.

Why two panels: the region runs from Los Angeles to Phoenix, while the ports, the plants and
the commuters' homes sit within 15 km of each other at Calexico-Mexicali; the left panel shows
the region and the diversions, the right one zooms on the twin cities.
"""

import math

import networkx as nx
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from agents import CrossBorderWorker

KIND_COLOURS = {"farm_district": "#3a9a3a", "city": "#777777", "market": "#555555", "port": "#d62728",
                "industrial_park": "#1f77b4", "residential": "#9467bd"}
AGENT_COLOURS = {"grower": "#2ca02c", "plant": "#1f77b4", "carrier": "#8c564b",
                 "commuter": "#e377c2", "commuter (quit)": "#bbbbbb"}
REGION_BOX = (-117.9, -111.6, 31.2, 34.3)
ZOOM_BOX = (-115.62, -115.28, 32.54, 32.72)
# Where off-map places are drawn (the Mexican interior stands for Hermosillo and beyond).
DRAWN_AT = {"mexico_interior": (-111.9, 31.75)}
# The border beyond the modelled crossings, read off a map: west of Tijuana, the Colorado
# river corner south of San Luis, and the Sonora line toward Nogales (approximate).
BORDER_ENDS = ((-117.9, 32.53), (-114.81, 32.49), (-111.0, 31.33))
ZOOM_LABELS = {"mexicali_east_parks": "plants (east parks)", "mexicali_south_parks": "plants (south parks)",
               "mexicali_center": "homes (centre)", "mexicali_southeast": "homes (southeast)",
               "calexico": "Calexico yards"}
PORT_SHOWN = {"calexico_east_us": "calexico_east", "calexico_west_us": "calexico_west",
              "otay_mesa_us": "otay_mesa", "san_luis_us": "san_luis"}


def _pos(graph, node):
    return DRAWN_AT.get(node, graph.nodes[node]["pos"])


def _jitter(n: int, radius: float, salt: int) -> np.ndarray:
    """Fixed offsets in a small disc so agents at one place spread out without moving each day."""
    rng = np.random.default_rng(salt)
    angle = rng.uniform(0, 2 * math.pi, n)
    r = radius * np.sqrt(rng.uniform(0.15, 1.0, n))
    return np.column_stack([r * np.cos(angle), r * np.sin(angle)])


def border_line(graph) -> np.ndarray:
    """The border as a line through the midpoints of each crossing's US and MX nodes."""
    mids = []
    for u, v, data in graph.edges(data=True):
        if data["port"] and graph.nodes[u]["side"] == "US":
            (x1, y1), (x2, y2) = graph.nodes[u]["pos"], graph.nodes[v]["pos"]
            mids.append(((x1 + x2) / 2, (y1 + y2) / 2))
    points = sorted(mids) + [BORDER_ENDS[0], *BORDER_ENDS[1:]]
    return np.array(sorted(points))


def node_loads(model) -> dict:
    """What each place holds today, in its own unit: the size of its marker and its label."""
    today = model.today
    held = {}
    for g in model.growers:
        held[g.place] = held.get(g.place, 0.0) + g.harvested_loads
    for m in model.manufacturers:
        held[m.place] = held.get(m.place, 0.0) + m.jobs / 100.0
    wf = model.workforce
    employed = float(wf.headcount[wf.employed].sum())
    held["mexicali_center"] = held["mexicali_southeast"] = employed / 200.0
    held["calexico_east_us"] = today.get("commercial_queue_at_close", 0.0) + today.get(
        "east_pedestrian_queue_at_close", 0.0)
    held["calexico_west_us"] = today.get("west_pedestrian_queue_at_close", 0.0) + today.get(
        "west_pov_general_queue_at_close", 0.0)
    held["otay_mesa_us"] = today.get("diverted_otay_mesa", 0.0)
    held["san_luis_us"] = today.get("diverted_san_luis", 0.0)
    return held


def agent_points(model) -> dict:
    """(x, y) arrays of agents by kind, each at its cell of the model's Network (its place);
    commuters at their port while crossing, else at home.
    """
    graph = model.region.graph
    out = {}
    groups = {"grower": model.growers, "plant": model.manufacturers, "carrier": model.firms}
    for salt, (kind, agents) in enumerate(groups.items()):
        xy = np.array([_pos(graph, a.cell.coordinate) for a in agents]) + _jitter(len(agents), 0.012, salt)
        out[kind] = xy
    wf = model.workforce
    n = wf.headcount.shape[0]
    homes = np.empty(n, dtype=object)
    for agent in model.agents_by_type[CrossBorderWorker]:
        homes[agent.row] = agent.cell.coordinate
    homes = homes.astype(str)
    ports = np.array([model.lines[i].port for i in wf.line])
    places = np.where(wf.crossing, np.char.add(ports.astype(str), "_us"), homes)
    xy = np.array([_pos(graph, p) for p in places]) + _jitter(n, 0.01, 7)
    out["commuter"] = xy[wf.employed]
    out["commuter (quit)"] = xy[~wf.employed]
    return out


class MapFigure:
    """The region (left) and Calexico-Mexicali (right), built once per run and redrawn each day.

    Why built once: making a matplotlib figure (axes, ticks, legend) cost most of a redraw, and the
    page must step and redraw within a second. The axes, the roads and the border never change
    during a run, so they are rendered once and kept as pixels; each day restores those pixels and
    draws over them only the artists marked animated: flows, diversions, places, agents and the
    labels near them; then the legend's pixels, also kept, go back on top.
    """

    def __init__(self, model, dpi: int = 72):
        """Lay out both panels for the model's region; `render` fills in the day."""
        graph = model.region.graph
        self.graph = graph
        self.figure = Figure(figsize=(12, 5.0), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        region, zoom = self.figure.subplots(1, 2, width_ratios=[1.35, 1])
        self.figure.subplots_adjust(left=0.05, right=0.99, bottom=0.1, top=0.93, wspace=0.12)
        self.nodes = list(graph.nodes)
        nodes_xy = np.array([_pos(graph, n) for n in self.nodes])
        colours = [KIND_COLOURS[graph.nodes[n]["kind"]] for n in self.nodes]
        roads = [(_pos(graph, u), _pos(graph, v)) for u, v, d in graph.edges(data=True)
                 if d["port"] is None and u < v]
        crossings = [(d["port"], (_pos(graph, u), _pos(graph, v))) for u, v, d in graph.edges(data=True)
                     if d["port"] and graph.nodes[u]["side"] == "MX"]
        mx_roads = graph.edge_subgraph([(u, v) for u, v, d in graph.edges(data=True)
                                        if d["port"] is None and graph.nodes[u]["side"] == "MX"])
        detours = {port: np.array([_pos(graph, n) for n in nx.shortest_path(
            mx_roads, "calexico_east_mx", f"{port}_mx", weight="km")]) for port in ("otay_mesa", "san_luis")}
        border = border_line(graph)
        self.flows, self.detours, self.places, self.agents = [], [], [], []
        for ax, box in ((region, REGION_BOX), (zoom, ZOOM_BOX)):
            ax.add_collection(LineCollection(roads, colors="#cccccc", linewidths=1.2, zorder=1))
            ax.plot(border[:, 0], border[:, 1], color="black", lw=1.5, linestyle=(0, (6, 3)), zorder=1.5)
            for port, ((x1, y1), (x2, y2)) in crossings:
                (line,) = ax.plot([x1, x2], [y1, y2], color="#ff7f0e", zorder=2, solid_capstyle="round")
                self.flows.append((port, line))
            for port, xy in detours.items():
                (line,) = ax.plot(xy[:, 0], xy[:, 1], color="#d62728", alpha=0.7, zorder=2, linestyle="--")
                self.detours.append((port, line))
            scatter = ax.scatter(nodes_xy[:, 0], nodes_xy[:, 1], s=20, c=colours, edgecolors="black",
                                 linewidths=0.6, alpha=0.55, zorder=3)
            self.places.append((12 if box == REGION_BOX else 40, scatter))
            for kind, colour in AGENT_COLOURS.items():
                self.agents.append((kind, ax.scatter([], [], s=9 if ax is zoom else 4, color=colour, zorder=4,
                                                     lw=0)))
            x0, x1, y0, y1 = box
            ax.set_xlim(x0, x1)
            ax.set_ylim(y0, y1)
            ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
            ax.tick_params(labelsize=7)
            ax.set_xlabel("longitude", fontsize=8)
            ax.set_ylabel("latitude", fontsize=8)
        self.diverted_labels = {}
        for node, port in PORT_SHOWN.items():
            if port in ("otay_mesa", "san_luis"):
                self.diverted_labels[node] = region.annotate(
                    "", graph.nodes[node]["pos"], xytext=(0, -22), textcoords="offset points", fontsize=7,
                    ha="center", color="#d62728")
        base_labels = [region.annotate(graph.nodes[node]["name"].split(" (")[0].split(" /")[0], _pos(graph, node),
                                       xytext=(4, 4), textcoords="offset points", fontsize=7)
                       for node in ("los_angeles", "san_diego", "phoenix", "brawley", "mexico_interior")]
        self.east_label = zoom.annotate("", graph.nodes["calexico_east_us"]["pos"], xytext=(-20, 22),
                                        textcoords="offset points", fontsize=7, ha="center")
        self.west_label = zoom.annotate("", graph.nodes["calexico_west_us"]["pos"], xytext=(-10, 22),
                                        textcoords="offset points", fontsize=7, ha="center")
        for node, label in ZOOM_LABELS.items():
            zoom.annotate(label, graph.nodes[node]["pos"], xytext=(6, -10), textcoords="offset points",
                          fontsize=6.5)
        base_labels += [zoom.text(ZOOM_BOX[0] + 0.005, 32.672, "US", fontsize=8, va="bottom"),
                        zoom.text(ZOOM_BOX[0] + 0.005, 32.66, "MX", fontsize=8, va="top")]
        handles = [Line2D([], [], marker="o", ls="", color=c, label=k.replace("_", " "), alpha=0.6,
                          markersize=7) for k, c in KIND_COLOURS.items()]
        handles += [Line2D([], [], marker="o", ls="", color=c, label=k + "s" if "quit" not in k else k,
                           markersize=4) for k, c in AGENT_COLOURS.items()]
        handles += [Line2D([], [], color="#ff7f0e", lw=3, label="crossing flow"),
                    Line2D([], [], color="#d62728", lw=2, ls="--", label="diverted trucks"),
                    Line2D([], [], color="black", lw=1.5, ls=(0, (6, 3)), label="border")]
        legend = region.legend(handles=handles, fontsize=6.5, loc="lower left", ncol=2, framealpha=0.85)
        zoom.set_title("Calexico - Mexicali: queues, plants, commuters", fontsize=10)
        self.title = region.set_title("", fontsize=10)
        # Today's layer: everything above the roads and the border but the labels far from what grows
        # (cities, US/MX). The rest is the base, drawn once and kept as pixels; so is the legend,
        # pasted back over today's layer to stay on top.
        self.today_layer = sorted((a for ax in (region, zoom) for a in (*ax.lines, *ax.collections, *ax.texts)
                                   if a.get_zorder() >= 2 and a not in base_labels), key=lambda a: a.get_zorder())
        self.today_layer.append(self.title)
        for artist in self.today_layer:
            artist.set_animated(True)
        self.canvas.draw()
        self.base = self.canvas.copy_from_bbox(self.figure.bbox)
        self.legend = self.canvas.copy_from_bbox(legend.get_window_extent().padded(2))

    def render(self, model) -> FigureCanvasAgg:
        """Draw the day just simulated over the cached base; returns the canvas holding the pixels."""
        held = node_loads(model)
        points = agent_points(model)
        today = model.today
        graph = self.graph
        flows = {"calexico_east": today.get("northbound_trucks", 0.0),
                 "calexico_west": today.get("west_pedestrians", 0.0) / 10.0,
                 "otay_mesa": today.get("diverted_otay_mesa", 0.0),
                 "san_luis": today.get("diverted_san_luis", 0.0)}
        for port, line in self.flows:
            line.set_linewidth(1 + 6 * math.sqrt(flows[port] / 1500.0))
        for port, line in self.detours:
            line.set_visible(flows[port] > 0)
            line.set_linewidth(1 + 5 * math.sqrt(max(flows[port], 0.0) / 300.0))
        for scale, scatter in self.places:
            scatter.set_sizes([20 + scale * math.sqrt(max(held.get(n, 0.0), 0.0)) for n in self.nodes])
        for kind, scatter in self.agents:
            scatter.set_offsets(points[kind].reshape(-1, 2))
        for node, label in self.diverted_labels.items():
            name = graph.nodes[node]["name"].split(" POE")[0].split(" (")[0]
            label.set_text(f"{name}\n{held[node]:,.0f} diverted")
        self.east_label.set_text(f"Calexico East\ntrucks {today.get('northbound_trucks', 0):,.0f}, "
                                 f"wait {today.get('commercial_wait_mean_min', 0):.0f} min\n"
                                 f"queue at close {today.get('commercial_queue_at_close', 0):,.0f}")
        self.west_label.set_text(f"Calexico West\npedestrians {today.get('west_pedestrians', 0):,.0f}, "
                                 f"wait {today.get('west_pedestrian_wait_mean_min', 0):.0f} min")
        self.title.set_text(f"The region on {today.get('date', model.date.isoformat())}")
        self.canvas.restore_region(self.base)
        for artist in self.today_layer:
            self.figure.draw_artist(artist)
        self.canvas.restore_region(self.legend)
        return self.canvas
