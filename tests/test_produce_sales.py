"""Mexicali Valley growers sell each day's harvest at the share of value their produce kept on its
way north, the signal that sets next season's acres."""

import pytest

from model import BorderModel


def test_a_sundays_spoilage_does_not_price_the_sundays_harvest_at_nothing():
    """Nothing crosses on Sundays, so the day's share of value kept was spoilage over nothing
    delivered: zero, and the whole harvest sold for nothing. The last day's share stands instead."""
    m = BorderModel({"simulation.start_date": "2024-01-15", "simulation.days": 21, "simulation.warmup_days": 0,
                     "agriculture.shelf_life_days": 2}, seed=0, collect=False)
    sales = []
    deliver = m.freight.deliver

    def deliver_and_note(day, results, port_today):
        before = sum(g.season_revenue_usd for g in m.growers if g.exports_north)
        potential = sum(g.season_potential_usd for g in m.growers if g.exports_north)
        deliver(day, results, port_today)
        sold = sum(g.season_revenue_usd for g in m.growers if g.exports_north) - before
        could = sum(g.season_potential_usd for g in m.growers if g.exports_north) - potential
        sales.append((day, m.today["cost_spoilage_usd"], sold / could if could else None))

    m.freight.deliver = deliver_and_note
    m.run()
    sundays = [(spoiled, share) for day, spoiled, share in sales if day.weekday() == 6]
    assert sum(spoiled > 0 for spoiled, _ in sundays) >= 2, "the case under test: produce spoils on Sundays"
    saturdays = [share for day, _, share in sales if day.weekday() == 5]
    for (_, share), saturday in zip(sundays, saturdays, strict=True):
        assert share == pytest.approx(saturday), "Saturday's share, the last day produce crossed"
    assert min(saturdays) > 0.9
