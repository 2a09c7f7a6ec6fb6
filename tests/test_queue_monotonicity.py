"""More booths never lengthen the line; slower inspection never shortens it."""

import numpy as np
import pytest

from model import resolve
from model.port import Line


def serve(booths: int, primary_min: float, n: int = 900, seed: int = 5, days: int = 1):
    params = resolve({"lines.east_commercial_standard.booths": booths})
    line = Line("east_commercial_standard", 0, params)
    rng = np.random.default_rng(seed)
    cdf = np.concatenate(([0.0], np.cumsum(np.r_[np.zeros(6), np.full(14, 1 / 14), np.zeros(4)])))
    out = []
    for day in range(days):
        booths_by_hour = line.booths_by_hour(day, 1.0, closed=False)
        out.append(line.serve_day(n, cdf, booths_by_hour, primary_min, 0.05, rng))
    return out


@pytest.mark.parametrize("booths", [1, 2, 3])
def test_one_more_booth_never_lengthens_the_wait_or_lowers_throughput(booths):
    fewer, more = serve(booths, 1.5), serve(booths + 1, 1.5)
    for a, b in zip(fewer, more, strict=True):
        assert b.wait_mean_min <= a.wait_mean_min + 1e-9
        assert b.served >= a.served


@pytest.mark.parametrize("minutes", [1.0, 1.6, 2.5])
def test_slower_inspection_never_shortens_the_wait(minutes):
    fast, slow = serve(2, minutes), serve(2, minutes * 1.25)
    for a, b in zip(fast, slow, strict=True):
        assert b.wait_mean_min >= a.wait_mean_min - 1e-9
        assert b.served <= a.served


def test_what_is_in_line_at_closing_waits_for_the_morning():
    """Carried crossers are served first the next morning, and their wait includes the minutes
    they spent in the night's line (from arrival to closing) as well as the morning's.

    Checked against two twins of the next day with the same draws: one whose carried crossers
    had waited nothing before closing (the difference in total wait must be exactly the carried
    minutes), and one with no carried queue at all (today's arrivals then wait less).
    """
    params = resolve({"lines.east_commercial_standard.booths": 1})
    cdf = np.concatenate(([0.0], np.cumsum(np.r_[np.zeros(6), np.full(14, 1 / 14), np.zeros(4)])))
    line = Line("east_commercial_standard", 0, params)
    first = line.serve_day(400, cdf, line.booths_by_hour(0, 1.0, closed=False), 2.5, 0.0,
                           np.random.default_rng(1))
    carried = line.carried_wait_min.copy()
    assert first.queue_at_close == carried.size > 0 and (carried > 0).all()

    def next_day(carried_wait_min):
        twin = Line("east_commercial_standard", 0, params)
        twin.carried_wait_min = carried_wait_min
        return twin.serve_day(100, cdf, twin.booths_by_hour(1, 1.0, closed=False), 2.5, 0.0,
                              np.random.default_rng(2))

    with_night, without_night = next_day(carried), next_day(np.zeros_like(carried))
    assert with_night.queue_at_close == 0  # every carried crosser was served this morning
    assert with_night.served == without_night.served == carried.size + 100
    assert (with_night.wait_hours - without_night.wait_hours) * 60 == pytest.approx(carried.sum())
    assert with_night.wait_mean_min > without_night.wait_mean_min
    no_queue = next_day(np.zeros(0))
    assert no_queue.wait_mean_min < without_night.wait_mean_min  # today's arrivals queue behind them
