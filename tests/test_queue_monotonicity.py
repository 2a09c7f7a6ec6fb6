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
    days = serve(1, 2.5, n=800, days=2)
    assert days[0].queue_at_close > 0
    # Carried crossers are served first the next morning and their wait includes the night's line.
    assert days[1].served > 0 and days[1].wait_p95_min > 0
