"""The hindcast: the ports' dated changes land on their dates, and `calexico hindcast` writes its files."""

import datetime as dt

import pandas as pd
import pytest

from calexico.analysis import hindcast
from calexico.cli import main
from model import BorderModel
from model import history as model_history
from model.freight import TRUCK_LINES
from model.parameters import ParameterError


def model_on(day: str, **extra) -> BorderModel:
    """A model with its history, built to start on `day` (no warm-up)."""
    return BorderModel({"simulation.history": True, "simulation.start_date": day, "simulation.days": 3,
                        "simulation.warmup_days": 0, **extra}, seed=1, collect=False)


def line(model, name):
    return model.lines[model.line_index[name]]


def step_to(model, day: str):
    while model.date <= dt.date.fromisoformat(day):
        model.step()


def test_west_lanes_change_on_the_day_construction_began():
    model = model_on("2022-09-24")
    step_to(model, "2022-09-25")
    assert line(model, "west_pov_general").booths == 5
    step_to(model, "2022-09-26")
    assert line(model, "west_pov_general").booths == 4
    # The general and Ready lanes are one set the port re-signs (staffing.SHARED_LANES): 4 + 3 now.
    booths = model.port_conditions(dt.date(2022, 9, 27))["booths"]
    signed = booths[model.line_index["west_pov_general"]] + booths[model.line_index["west_pov_ready"]]
    assert signed.max() == 4 + line(model, "west_pov_ready").booths


def test_east_passenger_hours_end_at_14_from_26_april_2020():
    model = model_on("2020-04-24")
    step_to(model, "2020-04-25")
    assert line(model, "east_pov_general").hours["weekday"] == (6, 22)
    step_to(model, "2020-04-26")
    assert line(model, "east_pov_general").hours["sunday"] == (6, 14)
    booths = model.port_conditions(dt.date(2020, 4, 27))["booths"][model.line_index["east_pedestrian"]]
    assert booths[13] > 0 and booths[14] == 0
    assert line(model, "east_commercial_standard").hours["weekday"] == (6, 20)  # cargo unchanged


def test_the_travel_restriction_cuts_visitors_not_commuters_from_21_march_2020():
    model = model_on("2020-03-19")
    step_to(model, "2020-03-20")
    visitors, commuters = model.crossing_demand.potential.copy(), model.workforce.headcount.copy()
    step_to(model, "2020-03-21")
    assert model.crossing_demand.potential.sum() == pytest.approx(0.3 * visitors.sum())
    assert (model.workforce.headcount == commuters).all()


def test_the_2024_baseline_reads_no_history_and_the_history_ends_in_its_lanes():
    baseline = BorderModel({"simulation.days": 1}, seed=1, collect=False)
    assert baseline.history is None
    late = model_on("2024-06-01")
    for a, b in zip(baseline.lines, late.lines, strict=True):
        assert a.booths == b.booths, a.name
        assert a.secondary_booths == b.secondary_booths, a.name
    assert late.history.demand["demand.freight"] == 1.0


def test_a_history_with_an_unknown_key_is_refused_naming_it():
    with pytest.raises(ParameterError, match="lines.nowhere.booths"):
        model_history.parse({"change": [{"date": "2020-01-01", "source": "x", "set": {"lines.nowhere.booths": 3}}]})


def test_every_change_has_a_source_and_events_are_dated_inside_2018_2024():
    history = model_history.load()
    assert all(c.source for c in history.changes)
    assert all(dt.date(2018, 1, 1) <= c.date <= dt.date(2024, 12, 31) for c in history.changes)
    assert len(history.events()) >= 8


def test_event_windows_are_the_three_months_either_side():
    before, after = hindcast.event_windows(dt.date(2020, 3, 21))
    assert before == ["2019-12", "2020-01", "2020-02"] and after == ["2020-04", "2020-05", "2020-06"]


def test_the_command_writes_monthly_fit_figures_and_report(tmp_path):
    out = tmp_path / "h"
    assert main(["hindcast", "--from", "2024-11", "--to", "2024-12", "--reps", "2", "--workers", "1",
                 "--out", str(out)]) == 0
    monthly = pd.read_csv(out / "monthly.csv")
    assert list(monthly.columns) == ["port", "measure", "month", "model", "model_ci95_low", "model_ci95_high",
                                     "observed"]
    assert len(monthly) == 2 * len(hindcast.SERIES)
    assert (monthly["model_ci95_low"] <= monthly["model"]).all()
    assert (monthly["model"] <= monthly["model_ci95_high"]).all()
    fit = pd.read_csv(out / "fit.csv")
    assert set(fit["scope"]) >= {"overall", "year"}
    assert (out / "figures" / "hindcast_calexico_east.png").stat().st_size > 0
    assert "Monthly error by year" in (out / "report.md").read_text()
    doc = tmp_path / "calibration.md"
    doc.write_text("# Calibration\n")
    hindcast.write_docs_section(out, doc)
    hindcast.write_docs_section(out, doc)  # a second write replaces the section
    assert doc.read_text().count(hindcast.START_MARK) == 1
    assert (tmp_path / "figures" / "hindcast_calexico_west.png").exists()
    # The reading written by hand after a run is in one file, which both the report and the docs take.
    reading = hindcast.READING_FILE.read_text().strip()
    assert reading.startswith("What the model gets right and wrong")
    assert reading in (out / "report.md").read_text() and reading in doc.read_text()


@pytest.mark.parametrize("args,fragment", [
    (["--from", "2018-01"], "--from/--to"),
    (["--from", "2020-13"], "--from"),
    (["--from", "2021-05", "--to", "2021-01"], "--to"),
    (["--reps", "0"], "--reps"),
])
def test_bad_months_and_reps_exit_2_with_one_line(tmp_path, capsys, args, fragment):
    assert main(["hindcast", "--out", str(tmp_path / "h"), *args]) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1


def test_a_change_of_trucking_costs_mid_run_reaches_the_freight():
    """`set_parameters` moves what carriers pay and route by from that day (the freight kept the
    parameters it was built with)."""
    model = BorderModel({"simulation.days": 12, "simulation.warmup_days": 0}, seed=1)
    for _ in range(6):
        model.step()
    cost_h = model.params["trucking.cost_per_hour_usd"]
    model.set_parameters({"trucking.cost_per_hour_usd": 2 * cost_h, "trucking.cost_per_mile_usd": 0.0})
    assert model.freight.params is model.params
    assert (model.freight.produce_route_usd == 0).all(), "the route costs are worked out again"
    seen = []
    deliver = model.freight.deliver
    model.freight.deliver = lambda day, results, port_today: (seen.append(results), deliver(day, results, port_today))
    model.step()
    truck_h = sum(seen[0][model.line_index[n]].wait_hours + seen[0][model.line_index[n]].secondary_wait_hours
                  for n in TRUCK_LINES)
    assert truck_h > 0
    assert model.today["cost_truck_delay_usd"] == pytest.approx(truck_h * 2 * cost_h)
