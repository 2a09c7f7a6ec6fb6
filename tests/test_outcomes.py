"""`outcomes.finish_day` on a small hand-made day: totals, jobs by sector and side, multipliers."""

import datetime as dt
from types import SimpleNamespace as NS

import numpy as np
import pytest

from agents.cross_border_worker import FARM, NONFARM
from model import outcomes


def _day() -> NS:
    """A model with just what finish_day reads; every number chosen by hand."""
    today = outcomes.empty_day(dt.date(2024, 1, 2), True)
    today.update(cost_truck_delay_usd=100.0, cost_detour_usd=20.0, cost_spoilage_usd=3.0, cost_inventory_usd=4.0,
                 cost_stoppage_usd=5.0, cost_commuter_time_usd=6.0, cost_lost_wages_usd=7.0,
                 field_workers_us=30.0, visitor_spending_usd=1000.0)
    params = {"trucking.drivers_per_truck": 1.5, "crossers.retail_jobs_per_million_usd": 20.0,
              "agriculture.employment_multiplier": 1.5, "manufacturing.employment_multiplier": 2.0,
              "labour.nonfarm_employment_multiplier": 1.25}
    return NS(
        params=params, today=today,
        growers=[NS(harvested_loads=10, workers_per_load=2.0, exports_north=True),
                 NS(harvested_loads=5, workers_per_load=3.0, exports_north=False)],  # sells locally: not counted
        manufacturers=[NS(jobs=100.0), NS(jobs=50.0)],
        firms=[NS(trucks=4, base="US"), NS(trucks=8, base="MX"), NS(trucks=2, base="US")],
        workforce=NS(headcount=np.array([10.0, 20.0, 30.0, 40.0]), sector=np.array([NONFARM, NONFARM, FARM, NONFARM]),
                     employed=np.array([True, False, True, True])),
        labour_market=NS(us_refilled=5.0),
    )


def test_finish_day_totals_the_costs():
    model = _day()
    outcomes.finish_day(model)
    assert model.today["cost_total_usd"] == pytest.approx(145.0)


def test_finish_day_counts_direct_jobs_by_sector_and_side():
    model = _day()
    outcomes.finish_day(model)
    t = model.today
    assert t["jobs_agriculture_us"] == 30.0  # field workers crossing to US farms today
    assert t["jobs_agriculture_mx"] == 20.0  # 10 export loads x 2 workers; the local grower is not counted
    assert t["jobs_manufacturing_mx"] == 150.0
    assert t["jobs_trucking_us"] == pytest.approx(6 * 1.5) and t["jobs_trucking_mx"] == pytest.approx(8 * 1.5)
    assert t["jobs_services_us"] == pytest.approx(10 + 40 + 5)  # employed non-farm commuters + refilled posts
    assert t["jobs_retail_us"] == pytest.approx(1000 * 365 / 1e6 * 20)  # a year's spending at today's rate
    assert t["jobs_direct_us"] == pytest.approx(30 + 9 + 55 + 7.3)
    assert t["jobs_direct_mx"] == pytest.approx(20 + 150 + 12)


def test_finish_day_applies_each_sectors_multiplier_to_total_jobs():
    model = _day()
    outcomes.finish_day(model)
    assert model.today["jobs_total_us"] == pytest.approx(30 * 1.5 + (9 + 55 + 7.3) * 1.25)
    assert model.today["jobs_total_mx"] == pytest.approx(20 * 1.5 + (150 + 12) * 2.0)


def test_finish_day_with_no_activity_gives_zero_jobs():
    model = _day()
    model.today.update(field_workers_us=0.0, visitor_spending_usd=0.0)
    model.growers, model.manufacturers, model.firms = [], [], []
    model.workforce.employed[:] = False
    model.labour_market.us_refilled = 0.0
    outcomes.finish_day(model)
    assert model.today["jobs_total_us"] == 0 and model.today["jobs_total_mx"] == 0
