"""The port's queue against queueing theory: M/M/c mean waits match Erlang C."""

import math

import numpy as np
import pytest

from model.port import _standard_quantiles
from model.queue_kernel import line_day, serve_in_order, split_tomorrow


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C)."""
    a = arrival_rate / service_rate
    rho = a / servers
    head = sum(a**k / math.factorial(k) for k in range(servers))
    tail = a**servers / (math.factorial(servers) * (1 - rho))
    p_wait = tail / (head + tail)
    return p_wait / (servers * service_rate - arrival_rate)


@pytest.mark.parametrize("servers", [1, 2, 4])
@pytest.mark.parametrize("rho", [0.5, 0.7, 0.9])
def test_mean_wait_of_mmc_queue_matches_erlang_c(servers, rho):
    service_min = 1.0
    arrival_rate = rho * servers / service_min
    n = 400_000 if rho < 0.85 else 1_500_000
    waits = []
    for seed in range(4):
        rng = np.random.default_rng([seed, servers, int(rho * 100)])
        arrival = np.cumsum(rng.exponential(1 / arrival_rate, n))
        service = rng.exponential(service_min, n)
        booths = np.full(int(arrival[-1] // 60) + 2, servers, dtype=np.int64)
        start = serve_in_order(arrival, service, booths)
        waits.append((start - arrival)[n // 10:].mean())  # drop the empty-system start
    expected = erlang_c_wait(arrival_rate, 1 / service_min, servers)
    assert np.mean(waits) == pytest.approx(expected, rel=0.05)


def test_a_crosser_is_never_served_while_every_booth_is_closed():
    rng = np.random.default_rng(3)
    arrival = np.sort(rng.uniform(0, 1440, 3000))
    service = rng.exponential(2.0, 3000)
    booths = np.zeros(24, dtype=np.int64)
    booths[6:20] = 3
    start = serve_in_order(arrival, service, booths)
    served = start[np.isfinite(start)]
    assert ((served >= 6 * 60) & (served < 20 * 60)).all()
    assert np.isinf(start).any(), "an overloaded day leaves crossers in line at closing"
    assert (start[np.isfinite(start)] >= arrival[np.isfinite(start)]).all()


def _first_free_booth_reference(arrival, service, booths_by_hour):
    """The queue's rule written plainly: each crosser, in order, takes the staffed booth that
    is free first; at a staffing change, booths free last close and new ones open; at the end of
    the horizon every booth closes."""
    booths_by_hour = [*booths_by_hour, 0]
    changes = [h for h in range(len(booths_by_hour)) if booths_by_hour[h] != (booths_by_hour[h - 1] if h else 0)]
    free, k, start = [], 0, []
    for t, d in zip(arrival, service, strict=True):
        while True:
            s = max(t, min(free)) if free else math.inf
            if k == len(changes) or s < changes[k] * 60.0:
                break
            h = changes[k]
            free = sorted(free)[: booths_by_hour[h]]
            free += [h * 60.0] * (booths_by_hour[h] - len(free))
            k += 1
        start.append(s)
        if s < math.inf:
            free.remove(min(free))
            free.append(s + d)
    return np.array(start)


@pytest.mark.parametrize("seed", range(6))
def test_queue_serves_as_the_first_free_booth_rule_says_under_changing_staffing(seed):
    rng = np.random.default_rng(seed)
    booths = rng.integers(0, 6, 30)
    booths[rng.random(30) < 0.3] = 0  # hours with every booth closed
    arrival = np.sort(rng.uniform(0, 24 * 60, 1500))
    service = rng.exponential(rng.uniform(0.5, 4.0), 1500)
    start = serve_in_order(arrival, service, booths)
    np.testing.assert_array_equal(start, _first_free_booth_reference(arrival, service, booths))


@pytest.mark.parametrize("servers", [1, 2, 4])
def test_a_lines_day_with_poisson_arrivals_matches_erlang_c(servers):
    """The whole day's pass (arrivals from the exponential spacings, inspection, the queue): with
    a flat profile and all-day booths, its mean wait is the M/M/c one (evenly spaced arrivals, for
    one, would wait far less)."""
    rho, service_min = 0.6, 1.0
    n_new = int(rho * servers / service_min * 24 * 60)
    rng = np.random.default_rng([11, servers])
    waits = []
    for _ in range(300):  # days, each starting empty: the mean has a standard error near 1%
        served, mean_min, *_ = line_day(
            rng.standard_exponential(n_new + 1), rng.random(n_new), _standard_quantiles(1.0), service_min,
            np.zeros(0), np.linspace(0.0, 1.0, 25), np.full(24, servers, dtype=np.int64),
            0.0, _standard_quantiles(0.5), 5.0, np.ones(24, dtype=np.int64), 10, np.zeros(0), np.zeros(0), 0.5)
        waits.append(mean_min)
    expected = erlang_c_wait(rho * servers / service_min, 1 / service_min, servers)
    assert np.mean(waits) == pytest.approx(expected, rel=0.05)


def test_a_booth_closing_on_the_hour_starts_nobody_at_that_minute():
    booths = np.array([1] * 10 + [0] + [1] * 13, dtype=np.int64)  # closed from 10:00 to 11:00
    arrival = np.array([599.0, 599.5])
    start = serve_in_order(arrival, np.array([1.0, 1.0]), booths)
    assert start[0] == 599.0
    assert start[1] == 660.0, "the booth is free at 10:00 exactly, when it closes: the crosser waits for 11:00"


def test_a_booth_staffed_in_the_last_hour_closes_at_midnight_and_its_line_waits_for_tomorrow():
    """At a port open all night the booths of 23:00 do not work on into the next day beside that
    day's officers: whoever they have not started by midnight is carried, with the wait so far."""
    booths = np.zeros(24, dtype=np.int64)
    booths[23] = 1
    start = serve_in_order(np.full(300, 23 * 60.0), np.full(300, 2.0), booths)
    assert np.isfinite(start).sum() == 30 and start[np.isfinite(start)].max() == 24 * 60.0 - 2.0
    # The day's pass: 300 arrivals evenly through the last hour; those left are tomorrow's line,
    # each having waited until midnight.
    spacings = np.ones(301)
    cdf = np.r_[np.zeros(24), 1.0]
    served, *_, packed, n_in_lot = line_day(
        spacings, np.full(300, 0.5), _standard_quantiles(0.0), 2.0, np.zeros(0), cdf, booths, 0.0,
        _standard_quantiles(0.5), 5.0, np.ones(24, dtype=np.int64), 10, np.zeros(0), np.zeros(0), 0.5)
    carried, *_ = split_tomorrow(packed, n_in_lot)
    arrival = 23 * 60.0 + 60.0 * np.arange(1, 301) / 301
    assert served == 30 and carried.shape[0] == 270
    np.testing.assert_allclose(carried, 24 * 60.0 - arrival[30:], atol=1e-9)


def test_a_crosser_referred_by_an_inspection_ending_after_midnight_waits_nothing_negative():
    """At a port open all night the booth's last inspection may end after midnight, when the docks
    have closed too: the crosser waits for tomorrow's dock, and no wait or blocked time of today is
    negative."""
    booths = np.zeros(24, dtype=np.int64)
    booths[23] = 1
    docks = np.zeros(24, dtype=np.int64)
    docks[23] = 1
    cdf = np.r_[np.zeros(24), 1.0]
    # One crosser at about 23:59 with a 5-minute inspection, referred (share 1).
    served, *_, sec_wait, blocked, referred, _, _, _, packed, n_in_lot = line_day(
        np.array([1.0, 1.0 / 59.0]), np.array([0.5]), _standard_quantiles(0.0), 5.0, np.zeros(0), cdf, booths,
        1.0, _standard_quantiles(0.0), 10.0, docks, 5, np.zeros(0), np.zeros(0), 0.5)
    assert served == 1 and referred == 1 and n_in_lot == 1
    assert sec_wait == 0.0 and blocked == 0.0


def test_a_lines_day_refuses_draws_that_do_not_cover_the_carried_crossers():
    with pytest.raises(ValueError, match="one uniform per crosser"):
        line_day(np.ones(11), np.full(10, 0.5), _standard_quantiles(1.0), 1.0, np.zeros(5), np.linspace(0.0, 1.0, 25),
                 np.ones(24, dtype=np.int64), 0.0, _standard_quantiles(0.5), 5.0, np.ones(24, dtype=np.int64), 10,
                 np.zeros(0), np.zeros(0), 0.5)
