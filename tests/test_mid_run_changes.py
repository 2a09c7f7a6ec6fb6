"""`BorderModel.set_parameters` and the history's dated changes refuse the keys a running model
never reads again: such a change did nothing, silently."""

import datetime as dt

import numpy as np
import pytest

from model import BorderModel, history
from model.parameters import SPECS, Event, ParameterError
from model.region import KM_PER_MILE


class _Recording(dict):
    """The parameters, noting every key read."""

    read = set()

    def __getitem__(self, key):
        _Recording.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        _Recording.read.add(key)
        return super().get(key, default)


def _keys_a_running_model_reads() -> set:
    """Every key read after the model is built, over a year with events on the cargo, southbound and
    passenger lines (so the branches they take read their keys too): what `set_parameters`
    reconfigures and what the day reads from the model's parameters."""
    day = dt.date(2024, 3, 4)
    cargo = ("east_commercial_standard", "east_commercial_fast", "east_mx_export_standard", "east_mx_export_express")
    events = (Event("closure", day, day + dt.timedelta(days=2), cargo),
              Event("staffing", dt.date(2024, 5, 1), dt.date(2024, 5, 20), cargo[:2], factor=0.5),
              Event("closure", dt.date(2024, 6, 3), dt.date(2024, 6, 4), ("east_commercial_south",)),
              Event("primary_factor", dt.date(2024, 7, 1), dt.date(2024, 7, 20), ("west_pov_general",), factor=2.0),
              Event("secondary_share", dt.date(2024, 8, 1), dt.date(2024, 8, 20), cargo[:1], value=0.3))
    model = BorderModel({}, seed=0, events=events, collect=False)
    _Recording.read = set()
    model.params = _Recording(model.params)
    for line in model.lines:  # what set_parameters reconfigures
        line.configure(model.params)
    model.staffing.configure(model.lines, model.params)
    model.freight.configure()
    model.port_choice.reconsider_share = model.params["crossers.reconsider_share"]
    model.run()
    return _Recording.read


def test_the_keys_refused_mid_run_are_those_a_running_model_never_reads():
    never_read = set(SPECS) - _keys_a_running_model_reads()
    refused = {key for key in SPECS if history.built_only(key)}
    assert refused == never_read, (
        f"read mid-run but refused: {sorted(refused - never_read)}; never read mid-run but allowed: "
        f"{sorted(never_read - refused)} (update history.BUILT_ONLY)")


def test_set_parameters_refuses_a_key_read_only_when_the_model_is_built_and_changes_nothing():
    model = BorderModel({"simulation.days": 3, "simulation.warmup_days": 0}, seed=1, collect=False)
    model.step()
    before = dict(model.params)
    with pytest.raises(ParameterError) as refused:
        model.set_parameters({"lines.west_pov_general.booths": 6, "labour.nonfarm_commuters": 1000})
    assert refused.value.key == "labour.nonfarm_commuters" and refused.value.value == 1000
    assert "read only when the model is built" in str(refused.value) and "demand.commuters" in str(refused.value)
    assert model.params == before, "nothing of a refused change is applied"
    model.set_parameters({"lines.west_pov_general.booths": 6})  # a key the day reads
    assert model.lines[model.line_index["west_pov_general"]].booths == 6


def test_a_history_that_sets_a_key_read_only_at_build_is_refused_naming_it():
    raw = {"change": [{"date": "2021-01-01", "source": "a test", "set": {"crossers.city_speed_kmh": 30.0}}]}
    with pytest.raises(ParameterError) as refused:
        history.parse(raw, where="my_history.toml")
    assert refused.value.where == "my_history.toml [[change]] 1"
    assert refused.value.key == "crossers.city_speed_kmh"


def test_a_cost_per_mile_set_mid_run_reaches_the_region_graph_and_the_carriers_routes():
    model = BorderModel({"simulation.days": 2, "simulation.warmup_days": 0}, seed=1, collect=False)
    model.step()
    before = model.freight.goods_route_usd.copy()
    doubled = 2.0 * model.params["trucking.cost_per_mile_usd"]
    model.set_parameters({"trucking.cost_per_mile_usd": doubled})
    assert model.region.cost_per_mile_usd == doubled
    assert model.freight.goods_route_usd == pytest.approx(2.0 * before)
    origin, destination = "mexicali_east_parks", "los_angeles"
    cost, _path = model.region.cheapest_path(origin, destination, {}, 0.0)
    assert cost == pytest.approx(model.region.crossing_costs(origin, destination, np.zeros(3), 0.0).min())
    assert cost == pytest.approx(model.region.crossing_km(origin, destination).min() / KM_PER_MILE * doubled)
