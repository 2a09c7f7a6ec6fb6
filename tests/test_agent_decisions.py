"""Each agent kind's decisions, one at a time, on a small model."""

import numpy as np
import pytest

from agents import Grower, Manufacturer, TruckingFirm, Workforce
from agents.cross_border_worker import FARM, NONFARM, PEDESTRIAN, VEHICLE
from model import BorderModel


@pytest.fixture(scope="module")
def model():
    return BorderModel({"simulation.days": 1, "simulation.warmup_days": 0}, seed=1, collect=False)


def winter_grower(model):
    return Grower(model, "brawley", "imperial", "winter_vegetables", 1200.0,
                  [1, 1, 1, 0.4, 0, 0, 0, 0, 0, 0, 0.3, 0.9], 10.0, True, {"los_angeles": 1.0})


def test_grower_follows_the_crop_calendar(model):
    grower = winter_grower(model)
    assert grower.plan_harvest(1, 31) > 0
    assert grower.plan_harvest(7, 31) == 0


def test_grower_picks_less_with_fewer_or_late_crews(model):
    grower = winter_grower(model)
    grower.plan_harvest(1, 31)
    full = grower.harvest(1.0, 0.0)
    assert grower.harvest(0.5, 0.0) == pytest.approx(full / 2)
    assert grower.harvest(1.0, 0.25) == pytest.approx(full * 0.75)


def test_grower_plants_less_after_a_bad_season(model):
    good, bad = winter_grower(model), winter_grower(model)
    good.sell(100.0, 100.0)
    bad.sell(60.0, 100.0)
    good.plan_season(0.5)
    bad.plan_season(0.5)
    assert good.loads_per_year == pytest.approx(1200.0)
    assert bad.loads_per_year == pytest.approx(1200.0 * 0.8)


def plant(model, **kw):
    return Manufacturer(model, "aerospace", "mexicali_east_parks", 1000, 0.01, 3.0, 400.0, **kw)


def test_plant_stops_lines_when_inputs_run_out(model):
    m = plant(model)
    m.stock_days = 0.4
    made = m.produce(True)
    assert m.stopped_share == pytest.approx(0.6)
    assert made == pytest.approx(m.daily_output_loads * 0.4)
    assert m.stock_days == pytest.approx(0.0)


def test_plant_holds_more_stock_when_the_southbound_wait_is_long(model):
    m = plant(model)
    assert m.input_order(1.0, 4.0, 0.5) > m.input_order(1.0, 0.0, 0.5)


def test_plant_loses_orders_and_jobs_as_delivered_cost_rises(model):
    cheap, dear = plant(model), plant(model)
    for m, cost in ((cheap, 400.0), (dear, 4000.0)):
        m.book_costs(cost * 100, 100, 30000.0, 0.3)
        m.review_month(30000.0, -1.5, 3.0, 6, labour_available=1e9)
    assert dear.orders_index < cheap.orders_index == pytest.approx(1.0)
    assert dear.jobs < cheap.jobs == pytest.approx(1000.0)


def test_a_stopped_line_lowers_the_plants_margin_once(model):
    """Half a day stopped: the margin loses the value added of the loads not made (they are not
    among the loads made), and not the stoppage cost on top; the delivered cost holds it."""
    m = plant(model)
    m.stock_days = 0.5
    made = m.produce(True)
    assert m.stopped_share == pytest.approx(0.5) and made == pytest.approx(0.5 * m.daily_output_loads)
    stoppage = m.stopped_share * m.daily_output_loads * 30000.0 * 0.3
    m.book_costs(1000.0, made, 30000.0, 0.3, stoppage)
    assert m.month_margin_usd == pytest.approx(made * 30000.0 * 0.3 - 1000.0)
    assert m.month_cost_usd == pytest.approx(1000.0 + stoppage)


def test_plant_shrinks_after_sustained_losses(model):
    m = plant(model)
    for _ in range(6):
        m.book_costs(1e9, 10, 30000.0, 0.3)  # costs far above value added: a loss
        m.review_month(30000.0, 0.0, 1.0, 6, labour_available=1e9)
    assert m.losing_months >= 6 and m.jobs < 1000


def test_carrier_prices_by_cost_and_utilisation_and_grows_when_busy(model):
    firm = TruckingFirm(model, "MX", 100, 0.25)
    firm.set_rate(2.0, 90.0, 0.1, 0.85, 0.5)
    base_rate = firm.rate_usd
    assert base_rate == pytest.approx(2.0 * 90.0 * 1.1)
    firm.carry(700, 1150, 12.0, 90.0)  # 1150 of 1200 truck-hours, at a profit
    firm.set_rate(2.0, 90.0, 0.1, 0.85, 0.5)
    assert firm.rate_usd > base_rate
    assert firm.review_fleet(0.85, 0.02) > 0
    assert firm.capacity_loads(12.0, 3.0) < firm.capacity_loads(12.0, 2.0)


def test_carrier_chooses_another_crossing_only_when_the_wait_outweighs_the_detour(model):
    region = model.region
    east = region.truck_ports.index("calexico_east")
    calm = region.crossing_costs("mexicali_east_parks", "los_angeles", np.array([0.0, 1.0, 0.75]), 90.89)
    jammed = region.crossing_costs("mexicali_east_parks", "los_angeles", np.array([20.0, 1.0, 0.75]), 90.89)
    assert int(np.argmin(calm)) == east
    assert int(np.argmin(jammed)) != east


def workforce():
    return Workforce(headcount=[10, 10, 5], sector=[FARM, FARM, NONFARM], mode=[PEDESTRIAN, VEHICLE, PEDESTRIAN],
                     line=[0, 1, 0], wage_usd_per_hour=[19.75, 19.75, 16.0], rank=[0.25, 0.75, 0.5])


def test_commuters_cross_when_hired_or_on_workdays():
    wf = workforce()
    wf.decide_crossing(farm_hired_share=0.5, nonfarm_workday=False)
    assert wf.crossing.tolist() == [True, False, False]
    wf.decide_crossing(farm_hired_share=1.0, nonfarm_workday=True)
    assert wf.crossing.all()
    farm, other = wf.arrivals_by_line(2, persons_per_vehicle=2.0)
    assert farm.tolist() == [10.0, 5.0] and other.tolist() == [5.0, 0.0]


def test_commuters_lose_wages_only_beyond_their_slack():
    wf = workforce()
    wf.decide_crossing(1.0, True)
    waits = np.array([[30.0, 30.0], [200.0, 200.0]])
    day = wf.experience(waits, 90.0, 8.0, 1.0, 1.0)
    assert day.person_hours == pytest.approx((10 * 30 + 10 * 200 + 5 * 30) / 60)
    # Only the farm crew at the 200-minute line ran past its slack: 110 minutes of its paid work.
    assert day.farm_paid_hours_lost == pytest.approx(10 * 110 / 60)
    assert day.wages_usd == 0.0, "a farm crew's lost hours are lost harvest, not also wages"
    assert day.farm_days == 20


def test_commuters_quit_for_local_work_after_long_waits():
    wf = workforce()
    wf.decide_crossing(1.0, True)
    for _ in range(25):
        wf.experience(np.array([[60.0, 60.0], [470.0, 470.0]]), 90.0, 8.0, 1.0, 1.0)
        quit_farm, _ = wf.reconsider(90.0, 8.0, 1.0, 20.5, 20)
    assert not wf.employed[1] and wf.employed[0] and wf.employed[2]


def test_carriers_share_loads_among_crossings_by_generalised_cost():
    cost = np.array([[100.0, 600.0, 400.0], [500.0, 100.0, 300.0]])
    assert TruckingFirm.choose_crossing(cost, 0.0).argmax(axis=1).tolist() == [0, 1]
    shares = TruckingFirm.choose_crossing(cost, 50.0)
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert shares[0, 0] > 0.99 and shares[1, 1] > 0.98
    closed = cost + np.array([72.0, 1.0, 0.75]) * 90.0  # a 3-day closure at the first crossing
    assert TruckingFirm.choose_crossing(closed, 50.0)[0].argmax() == 2
    close_call = TruckingFirm.choose_crossing(np.array([[300.0, 330.0, 900.0]]), 50.0)[0]
    assert 0.2 < close_call[1] < 0.5, "a slightly dearer crossing still takes some loads"


def test_mexicali_valley_growers_plant_less_after_a_season_of_inspection_surges():
    """Valley growers sell what their produce kept of its value on the way north; a summer of
    weekly inspection surges (realistic referral shares, not a closure) lowers their margin and
    next season's acres, while the baseline's waits barely move them."""
    import datetime as dt

    from model import BorderModel, Event

    def valley_loads(events):
        m = BorderModel({"simulation.days": 275, "simulation.warmup_days": 0}, seed=0, events=events).run()
        return sum(g.loads_per_year for g in m.growers if g.exports_north), m

    surges = tuple(Event("secondary_share", dt.date(2024, 3, 4) + dt.timedelta(weeks=2 * k),
                         dt.date(2024, 3, 8) + dt.timedelta(weeks=2 * k), ("east_commercial_standard",
                         "east_commercial_fast"), value=0.5) for k in range(12))
    base, m = valley_loads(())
    surged, _ = valley_loads(surges)
    baseline = sum(g.baseline_loads_per_year for g in m.growers if g.exports_north)
    assert base > 0.97 * baseline
    assert surged < base


def test_a_month_of_hour_long_truck_waits_moves_plants_stock_and_orders():
    """At waits that happen (a month of 40% fewer commercial officers: about an hour in port each
    way), plants order more cover, the inputs the short southbound line cannot take go around by
    other ports (so the stock holds), and orders fall at the next monthly review, as delivered
    cost rises."""
    import datetime as dt

    from model import BorderModel, Event

    commercial = ("east_commercial_standard", "east_commercial_fast", "east_commercial_empty",
                  "east_commercial_south")
    cut = (Event("staffing", dt.date(2024, 2, 1), dt.date(2024, 2, 29), commercial, factor=0.6),)

    def month(events):
        m = BorderModel({"simulation.days": 62}, seed=0, events=events)
        on_order = []  # each night of the cut: a snapshot swings with the day's line (7 to 146 loads)
        while m.date < dt.date(2024, 2, 25):
            m.step()
            if m.date > dt.date(2024, 2, 1):
                on_order.append(float(m.freight.inputs_backlog.sum() + m.freight.inputs_in_line.sum()))
        stock = np.mean([p.stock_days for p in m.manufacturers])
        ordered = np.mean(on_order)
        wait_h = m.expected_delay_h(("east_commercial_south",))
        around = m.datacollector.get_table_dataframe("daily")["loads_around"].sum()
        m.run()
        return stock, ordered, wait_h, np.mean([p.orders_index for p in m.manufacturers]), around

    base, slow = month(()), month(cut)
    assert 0.5 < slow[2] < 2.0 and slow[2] > 3 * base[2], "southbound delay of about an hour"
    assert slow[4] > base[4] + 100, "inputs past the short line's room go around"
    assert slow[0] > 0.9 * base[0], "so the plants' stock holds"
    assert slow[1] > 2 * base[1], "more inputs on order through the month"
    assert slow[3] < base[3], "orders fall at the March review"
