"""Every cost is counted once: components sum to the total, and pairs that could overlap don't."""

import datetime as dt

import numpy as np
import pytest

from calexico.running.runs import daily_table
from model import BorderModel
from model.outcomes import COST_COLUMNS, OUTPUT_COLUMNS
from model.parameters import Event, resolve_lines

SHORT = {"simulation.days": 30}


@pytest.fixture(scope="module")
def winter():
    return daily_table(BorderModel(SHORT, seed=3).run())


def test_cost_components_sum_to_the_total(winter):
    np.testing.assert_allclose(winter[list(COST_COLUMNS)].sum(axis=1), winter["cost_total_usd"], rtol=1e-12)
    assert (winter[list(COST_COLUMNS)] >= 0).all().all()
    for column in ("cost_visitor_time_usd", "cost_held_loads_usd", "cost_stock_in_line_usd",
                   "cost_commuter_time_usd", "cost_truck_delay_usd"):
        assert winter[column].sum() > 0, f"{column} is counted"


def test_spoilage_counts_lost_loads_and_quality_loss_on_delivered_loads_only():
    """Without quality loss, spoilage is exactly the loads lost past their shelf life: the two
    parts of spoilage never count the same load."""
    d = daily_table(BorderModel({**SHORT, "agriculture.quality_loss_per_hour": 0.0,
                                 "agriculture.shelf_life_days": 1}, seed=3).run())
    assert d["spoiled_loads"].sum() > 0
    np.testing.assert_allclose(d["cost_spoilage_usd"], d["spoiled_loads"] * 30000.0, rtol=1e-9)


def test_crops_left_in_the_field_are_their_own_component_not_spoilage():
    d = daily_table(BorderModel({**SHORT, "labour.slack_min": 0.0, "agriculture.quality_loss_per_hour": 0.0,
                                 "agriculture.shelf_life_days": 60}, seed=3).run())
    assert d["cost_crops_unharvested_usd"].sum() > 0, "crews held at the port pick less"
    assert d["cost_spoilage_usd"].sum() == 0


def test_without_waiting_there_is_no_delay_cost_but_output_goes_on(winter):
    free = daily_table(BorderModel({**SHORT, "port.waiting": False}, seed=3).run())
    for column in ("cost_truck_delay_usd", "cost_stock_in_line_usd", "cost_crops_unharvested_usd"):
        assert free[column].sum() == 0, column
    assert (free[list(OUTPUT_COLUMNS)].sum() > 0).all()
    assert free["output_households_mx_usd"].sum() >= winter["output_households_mx_usd"].sum(), \
        "commuters earn at least as much when nobody waits"


def test_a_stopped_line_costs_the_value_added_of_the_loads_not_made_once():
    """Plants without cover stop when the southbound line closes. Their stoppage is the value added
    of the loads not made, which includes the idle workers' pay: wages are not added again."""
    shut = (Event("closure", dt.date(2024, 1, 8), dt.date(2024, 1, 12), resolve_lines("commercial", "test", "lines")),)
    model = BorderModel({**SHORT, "simulation.warmup_days": 0, "manufacturing.target_cover_days": 0.0,
                         "manufacturing.cover_per_wait_hour": 0.0}, seed=3, events=shut)
    p = model.params
    stopped_days = 0
    for _ in range(20):
        model.step()
        lost = sum(plant.stopped_share * plant.daily_output_loads for plant in model.manufacturers)
        expected = lost * p["manufacturing.value_per_load_usd"] * p["manufacturing.value_added_share"]
        assert model.today["cost_stoppage_usd"] == pytest.approx(expected, rel=1e-9, abs=1e-6)
        stopped_days += lost > 0
    assert stopped_days >= 3, "the case under test: plants stop"


def test_held_produce_carries_the_inventory_cost_of_produce_not_of_goods():
    model = BorderModel({**SHORT, "agriculture.value_per_load_usd": 15000.0}, seed=3)
    p, freight = model.params, model.freight
    held = []  # the backlogs' value when the day books their cost (ageing comes next)
    age = freight._age_produce
    freight._age_produce = lambda: (held.append(
        freight.produce_backlog.sum() * 15000.0
        + (freight.goods_backlog.sum() + freight.inputs_backlog.sum()) * p["manufacturing.value_per_load_usd"]), age())
    for _ in range(10):
        model.step()
    assert freight.produce_backlog.sum() > 0, "the case under test: produce waits with the shippers"
    per_day = p["manufacturing.holding_cost_per_year"] / 365
    assert model.today["cost_held_loads_usd"] == pytest.approx(held[-1] * per_day)
