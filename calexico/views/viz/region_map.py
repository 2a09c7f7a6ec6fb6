"""The map: real outlines, the supply graph at real longitudes and latitudes, what each place holds, the agents.

Why two panels: the region runs from Los Angeles to Phoenix, while the ports, the plants and
the commuters' homes sit within 15 km of each other at Calexico-Mexicali; the left panel shows
the region and the diversions, the right one zooms on the twin cities. The legend has a column of
its own beside them, so it never covers the map.

The outlines (land, the international border, state and county lines) ship with the project in
`data/outlines.json`, clipped to the region from public-domain sources (U.S. Census Bureau
cartographic boundaries and Natural Earth, via the npm packages us-atlas 3.0.1 and world-atlas
2.0.2; `data/README.md`, `scripts/build-map-outlines`); nothing is fetched at run time.
"""

import json
import math
from functools import cache
from pathlib import Path

import networkx as nx
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import Bbox

from agents import CrossBorderWorker

OUTLINES = Path(__file__).with_name("data") / "outlines.json"
KIND_COLOURS = {"farm_district": "#3a9a3a", "city": "#777777", "market": "#555555", "port": "#d62728",
                "industrial_park": "#1f77b4", "residential": "#9467bd"}
AGENT_COLOURS = {"grower": "#2ca02c", "plant": "#1f77b4", "carrier": "#8c564b",
                 "commuter": "#e377c2", "commuter (quit)": "#bbbbbb"}
SEA, LAND = "#d6e6f2", {"US": "#f5f2ea", "MX": "#ede3cf"}
REGION_BOX = (-117.9, -111.6, 31.2, 34.3)
ZOOM_BOX = (-115.62, -115.28, 32.54, 32.72)
# Where off-map places are drawn (the Mexican interior stands for Hermosillo and beyond).
DRAWN_AT = {"mexico_interior": (-111.75, 31.45)}
# Short names on the map; places not listed take their name up to " (" or " /".
SHORT_NAMES = {"los_angeles": "Los Angeles", "mexico_interior": "to Hermosillo and\nthe Mexican interior",
               "el_centro": "El Centro", "calexico": "Calexico", "mexicali_east_parks": "plants (east parks)",
               "mexicali_south_parks": "plants (south parks)", "mexicali_center": "homes (centre)",
               "mexicali_southeast": "homes (southeast)", "valley_guadalupe_victoria": "Valley farms (G. Victoria)",
               "valley_ciudad_morelos": "Valley farms (C. Morelos)"}
REGION_NAMES = ("los_angeles", "san_diego", "phoenix", "brawley", "calipatria", "holtville", "el_centro",
                "mexico_interior", "valley_guadalupe_victoria")
ZOOM_NAMES = ("calexico", "mexicali_east_parks", "mexicali_south_parks", "mexicali_center", "mexicali_southeast")
COUNTIES = ("Imperial County", "San Diego County", "Riverside County", "Yuma County", "Maricopa County",
            "Pima County", "La Paz County")
AREAS = {"CALIFORNIA": (-116.9, 33.55), "ARIZONA": (-112.9, 33.95), "BAJA CALIFORNIA": (-115.9, 31.6),
         "SONORA": (-113.2, 31.65), "UNITED STATES": (-114.7, 34.15), "MEXICO": (-114.45, 31.45)}
ZOOM_AREAS = {"CALEXICO (US)": (-115.575, 32.681), "MEXICALI (MX)": (-115.575, 32.628)}
PORT_SHOWN = {"calexico_east_us": "calexico_east", "calexico_west_us": "calexico_west",
              "otay_mesa_us": "otay_mesa", "san_luis_us": "san_luis"}
# Candidate label offsets in points (dx, dy, ha, va): tried in order until one collides with nothing.
OFFSETS = ((5, 4, "left", "bottom"), (5, -4, "left", "top"), (-5, 4, "right", "bottom"),
           (-5, -4, "right", "top"), (0, 7, "center", "bottom"), (0, -7, "center", "top"),
           (9, 0, "left", "center"), (-9, 0, "right", "center"), (12, 10, "left", "bottom"),
           (-12, -10, "right", "top"), (12, -10, "left", "top"), (-12, 10, "right", "bottom"))


@cache
def outlines() -> dict:
    """The shipped outlines: land by country, the border, state and county lines, county label points."""
    return json.loads(OUTLINES.read_text())


def _pos(graph, node):
    return DRAWN_AT.get(node, graph.nodes[node]["pos"])


def _name(graph, node) -> str:
    return SHORT_NAMES.get(node, graph.nodes[node]["name"].split(" (")[0].split(" /")[0])


def _jitter(n: int, radius: float, salt: int) -> np.ndarray:
    """Fixed offsets in a small disc so agents at one place spread out without moving each day."""
    rng = np.random.default_rng(salt)
    angle = rng.uniform(0, 2 * math.pi, n)
    r = radius * np.sqrt(rng.uniform(0.15, 1.0, n))
    return np.column_stack([r * np.cos(angle), r * np.sin(angle)])


def draw_outlines(ax, zoomed: bool = False):
    """Sea, land by country, county and state lines and the border, under everything else."""
    data = outlines()
    ax.set_facecolor(SEA)
    for country, rings in data["land"].items():
        ax.add_collection(PolyCollection(rings, facecolors=LAND[country], edgecolors="#9db4c8", linewidths=0.6,
                                         zorder=0.1))
    ax.add_collection(LineCollection(data["county_lines"], colors="#a9a9a9", linewidths=0.6,
                                     linestyles=(0, (3, 2)), zorder=0.3))
    ax.add_collection(LineCollection(data["state_lines"], colors="#7f7f7f", linewidths=1.0, zorder=0.4))
    ax.add_collection(LineCollection(data["border"], colors="#333333", linewidths=2.2 if zoomed else 1.6,
                                     zorder=1.5))


def _scale_bar(ax, box, km: float, left: bool = False):
    """A scale bar of `km` kilometres in a lower corner of the panel."""
    x0, x1, y0, y1 = box
    lat = y0 + 0.06 * (y1 - y0)
    length = km / (111.32 * math.cos(math.radians(lat)))
    right = x0 + 0.04 * (x1 - x0) + length if left else x1 - 0.04 * (x1 - x0)
    ax.plot([right - length, right], [lat, lat], color="black", lw=2.5, solid_capstyle="butt", zorder=6)
    ax.text(right - length / 2, lat + 0.012 * (y1 - y0), f"{km:g} km", ha="center", va="bottom", fontsize=8,
            zorder=6)


def _overlaps(box: Bbox, taken: list) -> float:
    """The area a box shares with the boxes already taken."""
    total = 0.0
    for other in taken:
        w = min(box.x1, other.x1) - max(box.x0, other.x0)
        h = min(box.y1, other.y1) - max(box.y0, other.y0)
        if w > 0 and h > 0:
            total += w * h
    return total


def place_labels(ax, renderer, items, taken: list, **style) -> list:
    """Annotate each (text, xy) at the first offset where its box collides with no box taken so far
    and stays inside the panel (else where it collides least); returns the annotations.

    Why: fixed offsets let names run into each other and off the panel ("Mexican interio...").
    """
    frame = ax.get_window_extent(renderer)
    placed = []
    for text, xy in items:
        best = None
        for dx, dy, ha, va in OFFSETS:
            note = ax.annotate(text, xy, xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, **style)
            box = note.get_window_extent(renderer).padded(1.5)
            outside = max(0.0, frame.x0 - box.x0) + max(0.0, box.x1 - frame.x1) + max(0.0, frame.y0 - box.y0) \
                + max(0.0, box.y1 - frame.y1)
            cost = _overlaps(box, taken) + 1000.0 * outside
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, note, box)
            else:
                note.remove()
            if cost == 0:
                break
        taken.append(best[2])
        placed.append(best[1])
    return placed


def _point_boxes(ax, points, renderer, radius: float = 4.0) -> list:
    """Boxes around place markers, so that labels avoid covering them."""
    xy = ax.transData.transform(np.asarray(points, float))
    return [Bbox.from_extents(x - radius, y - radius, x + radius, y + radius) for x, y in xy]


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
    """The region (left), Calexico-Mexicali (middle) and the legend (right), built once per run and
    redrawn each day.

    Why built once: making a matplotlib figure (outlines, axes, labels, legend) costs most of a redraw,
    and the page must step and redraw within a second. The outlines, the roads, the names and the
    legend never change during a run, so they are rendered once and kept as pixels; each day restores
    those pixels and draws over them only the artists marked animated: flows, diversions, places,
    agents and the numbers beside the ports.
    """

    def __init__(self, model, dpi: int = 100):
        """Lay out both panels and the legend for the model's region; `render` fills in the day."""
        graph = model.region.graph
        self.graph = graph
        self.figure = Figure(figsize=(13.5, 4.35), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        grid = self.figure.add_gridspec(1, 3, width_ratios=[1.35, 1, 0.36], left=0.005, right=0.995, bottom=0.02,
                                        top=0.93, wspace=0.03)
        region, zoom, key = (self.figure.add_subplot(grid[i]) for i in range(3))
        key.axis("off")
        self.nodes = list(graph.nodes)
        nodes_xy = np.array([_pos(graph, n) for n in self.nodes])
        colours = [KIND_COLOURS[graph.nodes[n]["kind"]] for n in self.nodes]
        roads = [(_pos(graph, u), _pos(graph, v)) for u, v, d in graph.edges(data=True)
                 if d["port"] is None and u < v]
        mx_roads = graph.edge_subgraph([(u, v) for u, v, d in graph.edges(data=True)
                                        if d["port"] is None and graph.nodes[u]["side"] == "MX"])
        detours = {port: np.array([_pos(graph, n) for n in nx.shortest_path(
            mx_roads, "calexico_east_mx", f"{port}_mx", weight="km")]) for port in ("otay_mesa", "san_luis")}
        self.flows, self.detours, self.places, self.agents = [], [], [], []
        for ax, box in ((region, REGION_BOX), (zoom, ZOOM_BOX)):
            zoomed = ax is zoom
            x0, x1, y0, y1 = box
            ax.set_xlim(x0, x1)
            ax.set_ylim(y0, y1)
            ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
            ax.set_xticks([])
            ax.set_yticks([])
            draw_outlines(ax, zoomed)
            ax.add_collection(LineCollection(roads, colors="#b5854b", linewidths=1.6 if zoomed else 1.1,
                                             alpha=0.8, zorder=1))
            half = 0.012 if zoomed else 0.09  # a crossing's arrow reaches this far either side of the border
            for port in (("calexico_east", "calexico_west") if zoomed else ("calexico_east", "otay_mesa", "san_luis")):
                (x, y_us), (_, y_mx) = graph.nodes[f"{port}_us"]["pos"], graph.nodes[f"{port}_mx"]["pos"]
                (line,) = ax.plot([x, x], [y_mx - half, y_us + half], color="#ff7f0e", solid_capstyle="butt",
                                  marker="^", markevery=[1], markersize=8 if zoomed else 6, zorder=2.5)
                self.flows.append((port, line))
            if not zoomed:
                for port, xy in detours.items():
                    (line,) = ax.plot(xy[:, 0], xy[:, 1], color="#d62728", alpha=0.75, zorder=2, linestyle="--")
                    self.detours.append((port, line))
            scatter = ax.scatter(nodes_xy[:, 0], nodes_xy[:, 1], s=20, c=colours, edgecolors="black",
                                 linewidths=0.6, alpha=0.6, zorder=3)
            self.places.append((40 if zoomed else 12, scatter))
            for kind, colour in AGENT_COLOURS.items():
                self.agents.append((kind, ax.scatter([], [], s=10 if zoomed else 4, color=colour, zorder=4, lw=0)))
        region.add_patch(Rectangle((ZOOM_BOX[0], ZOOM_BOX[2]), ZOOM_BOX[1] - ZOOM_BOX[0], ZOOM_BOX[3] - ZOOM_BOX[2],
                                   fill=False, ec="black", lw=0.9, zorder=5))
        _scale_bar(region, REGION_BOX, 100, left=True)
        _scale_bar(zoom, ZOOM_BOX, 5)
        zoom.set_title("Calexico - Mexicali: ports, plants, commuters' homes", fontsize=10)
        self.title = region.set_title("", fontsize=10)
        self._labels(graph, region, zoom)
        self._legend(key)
        self.today_layer = sorted((*[line for _, line in self.flows], *[line for _, line in self.detours],
                                   *[s for _, s in self.places], *[s for _, s in self.agents], *self.port_labels,
                                   self.title), key=lambda a: a.get_zorder())
        for artist in self.today_layer:
            artist.set_animated(True)
        self.canvas.draw()
        self.base = self.canvas.copy_from_bbox(self.figure.bbox)

    def _labels(self, graph, region, zoom):
        """Names of areas, counties and places, placed so that none covers another; the port labels
        (whose numbers change daily) get fixed places first, sized for their longest text.
        """
        self.canvas.draw()
        renderer = self.canvas.get_renderer()
        box = {"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#999999", "alpha": 0.9}
        arrow = {"arrowstyle": "-", "color": "#555555", "lw": 0.8}
        self.east_label = zoom.annotate("", graph.nodes["calexico_east_us"]["pos"], xytext=(0.985, 0.975),
                                        textcoords="axes fraction", ha="right", va="top", fontsize=8, bbox=box,
                                        arrowprops=arrow, zorder=7)
        self.west_label = zoom.annotate("", graph.nodes["calexico_west_us"]["pos"], xytext=(0.015, 0.975),
                                        textcoords="axes fraction", ha="left", va="top", fontsize=8, bbox=box,
                                        arrowprops=arrow, zorder=7)
        self.diverted_labels = {node: region.annotate("", graph.nodes[node]["pos"], xytext=(0, -26),
                                                      textcoords="offset points", ha="center", va="top", fontsize=7.5,
                                                      color="#b22222", bbox=box, zorder=7)
                                for node in ("otay_mesa_us", "san_luis_us")}
        samples = {self.east_label: "Calexico East\ntrucks 9,999, wait 999 min\nqueue at close 9,999",
                   self.west_label: "Calexico West\npedestrians 99,999, wait 999 min"}
        samples.update({note: "San Luis\n9,999 diverted" for note in self.diverted_labels.values()})
        taken = {region: [], zoom: []}
        for note, sample in samples.items():
            note.set_text(sample)
            taken[note.axes].append(note.get_window_extent(renderer).padded(2))
            note.set_text("")
        self.port_labels = [self.east_label, self.west_label, *self.diverted_labels.values()]
        for ax, names, areas in ((region, REGION_NAMES, AREAS), (zoom, ZOOM_NAMES, ZOOM_AREAS)):
            box_ = REGION_BOX if ax is region else ZOOM_BOX
            inside = [n for n in self.nodes if box_[0] <= _pos(graph, n)[0] <= box_[1]
                      and box_[2] <= _pos(graph, n)[1] <= box_[3]]
            # Places grow with what they hold (the zoom's most): labels keep clear of their usual size.
            taken[ax] += _point_boxes(ax, [_pos(graph, n) for n in inside], renderer, 6.0 if ax is region else 16.0)
            for text, xy in areas.items():
                note = ax.text(*xy, text, fontsize=8.5 if ax is region else 8, color="#6b6b6b", ha="center",
                               va="center", fontweight="bold", zorder=1.8)
                taken[ax].append(note.get_window_extent(renderer).padded(1))
            if ax is region:
                counties = outlines()["counties"]
                place_labels(ax, renderer, [(c.removesuffix(" County") + " Co.", counties[c]) for c in COUNTIES
                                            if c in counties], taken[ax], fontsize=7, color="#808080",
                             style="italic", zorder=1.8)
            place_labels(ax, renderer, [(_name(graph, n), _pos(graph, n)) for n in names], taken[ax],
                         fontsize=7.5, zorder=1.9)

    def _legend(self, key):
        handles = [Line2D([], [], marker="o", ls="", color=c, label=k.replace("_", " "), alpha=0.7,
                          markersize=7, markeredgecolor="black") for k, c in KIND_COLOURS.items()]
        handles += [Line2D([], [], marker="o", ls="", color=c, label=k + "s" if "quit" not in k else k,
                           markersize=5) for k, c in AGENT_COLOURS.items()]
        handles += [Line2D([], [], color="#ff7f0e", lw=4, marker="^", markevery=[1], label="crossing north"),
                    Line2D([], [], color="#d62728", lw=2, ls="--", label="diverted trucks"),
                    Line2D([], [], color="#b5854b", lw=1.5, label="modelled road links"),
                    Line2D([], [], color="#333333", lw=2, label="US-Mexico border"),
                    Line2D([], [], color="#7f7f7f", lw=1, label="state line"),
                    Line2D([], [], color="#a9a9a9", lw=0.8, ls=(0, (3, 2)), label="county line"),
                    Patch(fc=LAND["US"], ec="#9db4c8", label="United States"),
                    Patch(fc=LAND["MX"], ec="#9db4c8", label="Mexico")]
        key.legend(handles=handles, loc="upper left", fontsize=7.5, frameon=False, title="Places (size: what they\n"
                   "hold today) and agents", title_fontsize=7.5, alignment="left", borderaxespad=0,
                   labelspacing=0.3, handleheight=0.6)
        key.text(0, -0.02, "Arrows: width by trucks a day\n(Calexico West: pedestrians / 10).\nOutlines: U.S. "
                 "Census Bureau,\nNatural Earth (public domain).", fontsize=6.5, color="#555555", va="bottom",
                 transform=key.transAxes)

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
            line.set_linewidth(1.5 + 8 * math.sqrt(max(flows[port], 0.0) / 1500.0))
            line.set_visible(flows[port] > 0)
        for port, line in self.detours:
            line.set_visible(flows[port] > 0)
            line.set_linewidth(1 + 5 * math.sqrt(max(flows[port], 0.0) / 300.0))
        for scale, scatter in self.places:
            scatter.set_sizes([20 + scale * math.sqrt(max(held.get(n, 0.0), 0.0)) for n in self.nodes])
        for kind, scatter in self.agents:
            scatter.set_offsets(points[kind].reshape(-1, 2))
        for node, label in self.diverted_labels.items():
            name = graph.nodes[node]["name"].split(" POE")[0].split(" (")[0].removesuffix(" AZ")
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
        return self.canvas
