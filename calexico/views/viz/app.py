"""The Solara page: the region map, the headline against no delay, the outcome plots, and the controls.

Serve it with `calexico viz` (or `solara run calexico/views/viz/app.py --production`). Reset rebuilds
`ViewedModel` with the sidebar's controls, Step runs one day of it and of its no-delay twin (Mesa's
`ModelController` provides Reset, play and Step). Each run keeps its two figures (built on its
first redraw, updated in place every day after) and they are encoded to PNG here, so the page
can say how long a redraw took.

Why a page of our own rather than Mesa's `SolaraViz`: SolaraViz shows developer controls (play
and render intervals, threads, page tabs, "Time: 3.0") and, given a model instance, holds one model
for every browser session of the server. Here `Page` builds each session's own model
(`solara.use_memo` runs once per browser page), shows each control's value beside it, describes
the chosen scenario, and says when a moved control waits for Reset.
"""

import io
import threading
import time
import weakref
from html import escape

import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter
from PIL import Image

from calexico.running import scenarios
from calexico.views.viz.plots import PlotsFigure, headline
from calexico.views.viz.region_map import MapFigure
from calexico.views.viz.viewed_model import CONTROL_KEYS, EVENT_CHOICES, FAST, STANDARD, ViewedModel, default

PLAY_INTERVAL_MS = 150  # between days when playing: the page redraws in about a quarter of a second


def _slider(kind, label, key, lo, hi, step, shown):
    return {"type": kind, "label": label, "value": default(key), "min": lo, "max": hi, "step": step, "shown": shown}


def _share(x) -> str:
    return f"{x:.0%}"


CONTROLS = {
    "scenario_name": {"type": "Select", "label": "Scenario", "value": "baseline",
                      "values": list(scenarios.available())},
    "seed": {"type": "SliderInt", "label": "Seed", "value": 0, "min": 0, "max": 99, "step": 1, "shown": str},
    "commercial_booths": _slider("SliderInt", "Staffed commercial booths (standard)",
                                 CONTROL_KEYS["commercial_booths"], 0, 10, 1, str),
    "fast_booths": _slider("SliderInt", "FAST commercial lanes", CONTROL_KEYS["fast_booths"], 0, 6, 1, str),
    "commercial_close_hour": _slider("SliderInt", "Commercial lanes close at (weekdays)",
                                     CONTROL_KEYS["commercial_close_hour"], 7, 24, 1, lambda h: f"{h}:00"),
    "primary_min": _slider("SliderFloat", "Primary inspection per truck", STANDARD + "primary_min",
                           0.2, 10.0, 0.1, lambda m: f"{m:.1f} min"),
    "secondary_share": _slider("SliderFloat", "Trucks referred to secondary", CONTROL_KEYS["secondary_share"],
                               0.0, 1.0, 0.01, _share),
    "fast_share": _slider("SliderFloat", "FAST share of loaded trucks", CONTROL_KEYS["fast_share"],
                          0.0, 1.0, 0.01, _share),
    "event": {"type": "Select", "label": "Event", "value": "none", "values": list(EVENT_CHOICES)},
    "event_start_day": {"type": "SliderInt", "label": "Event starts on day", "value": 5, "min": 1, "max": 90,
                        "step": 1, "shown": str},
    "event_days": {"type": "SliderInt", "label": "Event lasts", "value": 3, "min": 1, "max": 30, "step": 1,
                   "shown": lambda n: f"{n} day{'s' if n != 1 else ''}"},
}
FIXED = {"warmup_days": 0}
INITIAL = {**{name: spec["value"] for name, spec in CONTROLS.items()}, **FIXED}

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


@solara.component
def RegionMap(model):
    """The outlines, the supply graph, the places and the agents on the day just run."""
    update_counter.get()
    with solara.Card("Region map", margin=0) as card:
        solara.Image(_png(model, "map", MapFigure), width="100%")
    return card


@solara.component
def OutcomePlots(model):
    """Waits, trucks and jobs against the no-delay twin, and the cost of delay so far."""
    update_counter.get()
    with solara.Card("Outcomes: this run (solid) and the same run with no delay (dashed)", margin=0) as card:
        solara.Image(_png(model, "plots", PlotsFigure), width="100%")
    return card


@solara.component
def Headline(model):
    """The run so far against the no-delay counterfactual, and how long the last day took.

    Plain HTML rather than Markdown: Solara's Markdown loads KaTeX, which its bundled assets lack.
    """
    update_counter.get()
    rows = headline(model)
    done = model.days_done
    date = model.today.get("date", model.date.isoformat())
    parts = [f"<p><b>Day {done}</b> ({escape(date) if done else 'not started: press Step'}), scenario "
             f"<code>{escape(model.scenario_name)}</code>, seed {model.seed}</p>"]
    if model.input_error:
        parts.append(f"<p style='color:#b00'><b>Control refused, showing the baseline:</b> "
                     f"{escape(model.input_error)}</p>")
    if rows:
        pad = "padding:2px 0 2px 12px;white-space:nowrap"
        cells = "".join(f"<tr><td>{escape(a)}</td>" + "".join(f"<td align='right' style='{pad}'>{escape(x)}</td>"
                                                               for x in (b, c, d)) + "</tr>"
                        for a, b, c, d in rows)
        parts.append("<table style='border-collapse:collapse;width:100%;font-size:14px'><tr><th></th>"
                     f"<th align='right' style='{pad}'>this run</th><th align='right' style='{pad}'>no delay</th>"
                     f"<th align='right' style='{pad}'>difference</th></tr>{cells}</table>")
    if 0 < done < 28:
        parts.append(f"<p style='color:#555;font-size:13px'>A cold start, {done} day{'s' if done > 1 else ''} in: "
                     "plants review their employment at each month's end and carriers learn the waits over weeks, "
                     "so early differences can have either sign. The year of <code>calexico run</code> starts "
                     "after a four-week warm-up.</p>")
    p = model.params
    parts.append(f"<p>In force: {p[STANDARD + 'booths']} standard + {p[FAST + 'booths']} FAST commercial "
                 f"booths, weekday close {p['hours.east_commercial.weekday_close']}:00, primary "
                 f"{p[STANDARD + 'primary_min']:.1f} min, secondary {p[STANDARD + 'secondary_share']:.0%}, "
                 f"FAST share {p['trucking.fast_share']:.0%}, events {len(model.events)}.</p>")
    redraw = sum(model.redraw_s.values())
    cpu = sum(model.redraw_cpu_s.values())
    parts.append(f"<p style='color:#555;font-size:13px'>Last day: model {model.step_s * 1000:.0f} ms (run and twin), "
                 f"redraw {redraw * 1000:.0f} ms (map and plots; {cpu * 1000:.0f} ms of CPU).</p>")
    with solara.Card("Headline: against a port with no delay", margin=0) as card:
        solara.HTML(tag="div", unsafe_innerHTML="".join(parts))
    return card


@solara.component
def Control(name: str, value, on_value):
    """One control with its value shown beside its name; a slider gets the sidebar's full width."""
    spec = CONTROLS[name]
    with solara.Column(gap="0px", classes=["control", f"control-{name}"]):
        if spec["type"] == "Select":
            solara.Select(spec["label"], value=value, values=spec["values"], on_value=on_value)
            if name == "scenario_name":
                description = scenarios.available().get(value, "")
                solara.HTML(tag="div", unsafe_innerHTML=escape(description),
                            classes=["scenario-description"], style="font-size:13px;color:#444;margin-bottom:8px")
            return
        solara.HTML(tag="div", unsafe_innerHTML=f"{escape(spec['label'])}: <b>{escape(spec['shown'](value))}</b>",
                    classes=["control-value"], style="font-size:14px;margin-top:6px")
        slider = solara.SliderFloat if spec["type"] == "SliderFloat" else solara.SliderInt
        slider("", value=value, min=spec["min"], max=spec["max"], step=spec["step"], on_value=on_value,
               thumb_label=True)


def waiting_for_reset(controls: dict, built: dict) -> list[str]:
    """The labels of the controls moved since the run was built (they act when Reset is pressed)."""
    return [CONTROLS[name]["label"] for name in CONTROLS if controls.get(name) != built.get(name)]


@solara.component
def Page():
    """The whole page; each browser session builds and keeps its own model."""
    first = solara.use_memo(lambda: ViewedModel(**INITIAL), dependencies=[])
    model = solara.use_reactive(first)
    controls = solara.use_reactive(dict(INITIAL))
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)

    def set_control(name, value):
        controls.value = {**controls.value, name: value}

    solara.Title("Calexico East border economy")
    with solara.AppBar():
        solara.AppBarTitle("Calexico East border economy: what delay at the port costs")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run"):
            ModelController(model, model_parameters=controls, play_interval=play_interval,
                            render_interval=render_interval, use_threads=use_threads)
            moved = waiting_for_reset(controls.value, model.value.controls)
            if moved:
                solara.Warning(f"Changed: {', '.join(moved)}. Press Reset to start a run with them; "
                               "the run shown keeps its settings until then.", classes=["reset-cue"])
        with solara.Card("Scenario and controls"):
            for name in CONTROLS:
                Control(name, controls.value[name], lambda value, name=name: set_control(name, value))
    with solara.Column():
        RegionMap(model.value)
        with solara.Columns([4, 8]):
            Headline(model.value)
            OutcomePlots(model.value)


ViewedModel().step()  # load the compiled queue kernel (0.3 s) now rather than on the first Step
