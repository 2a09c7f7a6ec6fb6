"""Carriers choose a crossing by the wait a load expects at Calexico East: the whole crossing, export
customs then US line, by the standard lane for loads without certification and the FAST lane for
certified ones, in the fleet's proportions."""

import pytest

from model import BorderModel
from model.freight import FEEDS


def test_the_expected_crossing_weights_each_lane_by_the_fleets_certified_share():
    """About a quarter of the loads are certified: the FAST lane's short crossing is a quarter of
    what a load expects, not half (the mean of the two lanes made East look about 8 minutes quicker on a weekday)."""
    m = BorderModel({"simulation.start_date": "2024-03-04", "simulation.days": 12, "simulation.warmup_days": 7},
                    seed=0, collect=False)
    f, seen = m.freight, []
    waits_h = f.crossing_waits_h

    def note(east_wait_h):
        if not seen or seen[-1][0] != m.date:  # the first call of the day is the loads north
            fleet = sum(firm.trucks for firm in m.firms)
            share = sum(firm.fast_share * firm.trucks for firm in m.firms) / fleet
            standard, fast = (m.expected_delay_h((mx,)) + m.expected_delay_h((us,)) for mx, us in FEEDS)
            seen.append((m.date, east_wait_h, (1 - share) * standard + share * fast, (standard + fast) / 2, share))
        return waits_h(east_wait_h)

    f.crossing_waits_h = note
    m.run()
    assert len(seen) >= 8
    for _, east_wait_h, weighted, _, share in seen:
        assert 0.1 < share < 0.5
        assert east_wait_h == pytest.approx(weighted)
    assert sum(weighted - mean > 5 / 60 for _, _, weighted, mean, _ in seen) >= 3, "the lanes' crossings differ"
