"""The Solara page: Mesa's SolaraViz with the region map, the outcome plots and the headline panel.

Serve it with `calexico viz` (or `solara run calexico/views/viz/app.py`). The controls in the sidebar
are `CONTROLS`; Reset rebuilds `ViewedModel` with them, Step runs one day of it and of its
no-delay twin. Each run keeps its two figures (built on its first redraw, updated in place every
day after) and they are encoded to PNG here, so the page can say how long a redraw took.
"""

import io
import threading
import time
import weakref
from html import escape

import solara
from mesa.visualization import SolaraViz, solara_viz
from PIL import Image

from calexico.running import scenarios
from calexico.views.viz.plots import PlotsFigure, headline
from calexico.views.viz.region_map import MapFigure
from calexico.views.viz.viewed_model import CONTROL_KEYS, EVENT_CHOICES, FAST, STANDARD, ViewedModel, default


def _slider(kind, label, key, lo, hi, step):
    return {"type": kind, "label": label, "value": default(key), "min": lo, "max": hi, "step": step}


CONTROLS = {
    "scenario_name": {"type": "Select", "label": "Scenario", "value": "baseline",
                      "values": list(scenarios.available())},
    "seed": {"type": "SliderInt", "label": "Seed", "value": 0, "min": 0, "max": 99, "step": 1},
    "commercial_booths": _slider("SliderInt", "Staffed commercial booths (standard)",
                                 CONTROL_KEYS["commercial_booths"], 0, 10, 1),
    "fast_booths": _slider("SliderInt", "FAST commercial lanes", CONTROL_KEYS["fast_booths"], 0, 6, 1),
    "commercial_close_hour": _slider("SliderInt", "Commercial lanes close at (hour, weekdays)",
                                     CONTROL_KEYS["commercial_close_hour"], 7, 24, 1),
    "primary_min": _slider("SliderFloat", "Primary inspection (min per truck)", STANDARD + "primary_min",
                           0.2, 10.0, 0.1),
    "secondary_share": _slider("SliderFloat", "Secondary referral share", CONTROL_KEYS["secondary_share"],
                               0.0, 1.0, 0.01),
    "fast_share": _slider("SliderFloat", "FAST share of loaded trucks", CONTROL_KEYS["fast_share"],
                          0.0, 1.0, 0.01),
    "event": {"type": "Select", "label": "Event", "value": "none", "values": list(EVENT_CHOICES)},
    "event_start_day": {"type": "SliderInt", "label": "Event starts on day", "value": 5, "min": 1, "max": 90,
                        "step": 1},
    "event_days": {"type": "SliderInt", "label": "Event lasts (days)", "value": 3, "min": 1, "max": 30,
                   "step": 1},
    "warmup_days": 0,
}


# Each run's figures, by name; they go when Reset replaces the run. One lock: matplotlib is not thread-safe.
_FIGURES = weakref.WeakKeyDictionary()
_DRAWING = threading.Lock()


def _png(model, name, figure_class) -> bytes:
    """Draw the run's figure for the day just run and encode it, remembering how long it took.

    Why PNG level 1: on localhost a few more kilobytes cost less than the slower compression.
    """
    t0, cpu0 = time.perf_counter(), time.thread_time()
    with _DRAWING:
        figures = _FIGURES.setdefault(model, {})
        if name not in figures:
            figures[name] = figure_class(model)
        canvas = figures[name].render(model)
        width, height = canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="png", compress_level=1)
    model.redraw_s[name] = time.perf_counter() - t0
    model.redraw_cpu_s[name] = time.thread_time() - cpu0
    return buffer.getvalue()


def RegionMap(model):
    """The supply graph, the border, the places and the agents on the day just run."""
    with solara.Card("Region map", margin=0) as card:
        solara.Image(_png(model, "map", MapFigure), width="100%")
    return card


def OutcomePlots(model):
    """Waits, trucks, jobs and cumulative costs over the days run so far."""
    with solara.Card("Outcomes", margin=0) as card:
        solara.Image(_png(model, "plots", PlotsFigure), width="100%")
    return card


def Headline(model):
    """The run so far against the no-delay counterfactual, and how long the last day took.

    Plain HTML rather than Markdown: Solara's Markdown loads KaTeX, which its bundled assets lack.
    """
    rows = headline(model)
    done = model.days_done
    date = model.today.get("date", model.date.isoformat())
    parts = [f"<p><b>Day {done}</b> ({escape(date) if done else 'not started: press Step'}), scenario "
             f"<code>{escape(model.scenario_name)}</code>, seed {model.seed}</p>"]
    if model.input_error:
        parts.append(f"<p style='color:#b00'><b>Control refused, showing the baseline:</b> "
                     f"{escape(model.input_error)}</p>")
    if rows:
        cells = "".join(f"<tr><td>{escape(a)}</td>" + "".join(f"<td align='right'>{escape(x)}</td>"
                                                               for x in (b, c, d)) + "</tr>"
                        for a, b, c, d in rows)
        parts.append("<table style='border-collapse:collapse;width:100%;font-size:14px'><tr><th></th>"
                     "<th align='right'>this run</th><th align='right'>no delay</th>"
                     f"<th align='right'>difference</th></tr>{cells}</table>")
    p = model.params
    parts.append(f"<p>In force: {p[STANDARD + 'booths']} standard + {p[FAST + 'booths']} FAST commercial "
                 f"booths, weekday close {p['hours.east_commercial.weekday_close']}:00, primary "
                 f"{p[STANDARD + 'primary_min']:.1f} min, secondary {p[STANDARD + 'secondary_share']:.0%}, "
                 f"FAST share {p['trucking.fast_share']:.0%}, events {len(model.events)}.</p>")
    redraw = sum(model.redraw_s.values())
    cpu = sum(model.redraw_cpu_s.values())
    parts.append(f"<p>Last day: model {model.step_s * 1000:.0f} ms (run and twin), "
                 f"redraw {redraw * 1000:.0f} ms (map and plots; {cpu * 1000:.0f} ms of CPU).</p>")
    with solara.Card("Headline: against a port with no delay", margin=0) as card:
        solara.HTML(tag="div", unsafe_innerHTML="".join(parts))
    return card


def _layout(n_components: int) -> list[dict]:
    """The map across the top, the headline and the plots side by side below it.

    Mesa 3.5.1 lays components out two to a row with no option to change it; ComponentsView
    looks this function up in its module at render time, so replacing it is enough.
    """
    cells = [(0, 0, 12, 14), (0, 14, 5, 16), (5, 14, 7, 16)]  # map, headline, plots: x, y, w, h
    return [{"i": i, "x": x, "y": y, "w": w, "h": h, "moved": False}
            for i, (x, y, w, h) in enumerate(cells[:n_components])]


solara_viz.make_initial_grid_layout = _layout
ViewedModel().step()  # load the compiled queue kernel (0.3 s) now rather than on the first Step
model = ViewedModel()
page = SolaraViz(model, components=[(RegionMap, 0), (Headline, 0), (OutcomePlots, 0)],
                 model_params=CONTROLS, name="Calexico East border economy")
