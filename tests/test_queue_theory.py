"""The port's queue against queueing theory: M/M/c mean waits match Erlang C."""

import math

import numpy as np
import pytest

from model.queue_kernel import serve_in_order


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
