"""The port's tandem queue held to an independent simulator where Erlang C does not apply.

ciw (open queueing networks, blocking after service) runs the line the kernel runs: Poisson
arrivals, exponential inspections, primary booths, a secondary lot of limited size and docks,
both starting empty and staffed all along. When the lot is full a referred crosser holds its
booth; ciw lets the blocked into the lot in the order they were blocked and serves the lot first
come first served, which is the kernel's rule: the lot and the docks take the referred in the
order they leave primary.

Both simulators are given the same draws (common random numbers: the same gaps between
arrivals, the same inspection minutes and referrals for the same crosser), so their difference
carries no sampling noise at all: with the same rule they give every crosser the same waits
(they agree to 1e-9 minutes), and a different rule shows at once. Under the line-order rule the
kernel used before, 28% of the blocking-heavy regime's crossers wait to primary differently
(by up to 68 minutes), and in the other regimes 8-13% of the referred wait differently for a
dock. Each mean on its own (13,000-18,000 crossers, 700-2,800 of them referred, per regime) has
a sampling error, common to both simulators, that these short runs of heavy queues leave large
(batch means over 10 batches: 6-60% for the means, largest where the mean is a fraction of a
minute); it does not enter their difference, which is what the test measures. The four runs take
about 30 s, nearly all of it in ciw.
"""

import ciw
import numpy as np
import pytest

from model.queue_kernel import tandem_in_order

# name: (arrivals per minute, booths, primary minutes, share referred, docks, secondary minutes,
# lot places, days simulated)
REGIMES = {
    "light": (1.0, 3, 2.0, 0.05, 2, 20.0, 10, 10),
    "primary near capacity": (1.35, 3, 2.0, 0.05, 3, 20.0, 10, 10),
    "secondary near capacity, a large lot": (0.55, 3, 2.0, 0.15, 2, 20.0, 30, 25),
    "blocking-heavy": (0.55, 3, 2.0, 0.15, 2, 20.0, 3, 25),  # docks busy 83%, a lot of 3
}


class _InTurn(ciw.dists.Distribution):
    """The given gaps between arrivals, one after another."""

    def __init__(self, minutes):
        self.minutes, self.next = minutes, 0

    def sample(self, t=None, ind=None):
        self.next += 1
        return self.minutes[self.next - 1]


class _ByCrosser(ciw.dists.Distribution):
    """Each crosser's own inspection minutes (ciw numbers crossers 1, 2, ... as they arrive)."""

    def __init__(self, minutes):
        self.minutes = minutes

    def sample(self, t=None, ind=None):
        return self.minutes[ind.id_number - 1]


def _draws(rate, primary_min, share, secondary_min, n, seed):
    rng = np.random.default_rng(seed)
    return (rng.exponential(1 / rate, n), rng.exponential(primary_min, n), rng.random(n) < share,
            rng.exponential(secondary_min, n))


def _ciw_waits(booths, docks, lot, gaps, primary, referred, secondary, horizon_min):
    """Each crosser's wait to primary and wait for a dock (blocked at the booth plus in the lot)."""
    ciw.seed(0)  # nothing is drawn by ciw itself; the seed only fixes its tie-breaking
    network = ciw.create_network(
        arrival_distributions=[_InTurn(gaps.tolist()), None],
        service_distributions=[_ByCrosser(primary.tolist()), _ByCrosser(secondary.tolist())],
        routing=ciw.routing.ProcessBased(lambda ind, sim: [2] if referred[ind.id_number - 1] else []),
        number_of_servers=[booths, docks], queue_capacities=[float("inf"), lot])
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(horizon_min)
    n = gaps.shape[0]
    to_primary, in_lot, blocked = np.full(n, np.nan), np.full(n, np.nan), np.zeros(n)
    for r in sim.get_all_records():
        if r.node == 1:
            to_primary[r.id_number - 1], blocked[r.id_number - 1] = r.waiting_time, r.time_blocked
        else:
            in_lot[r.id_number - 1] = r.waiting_time
    return to_primary, in_lot + blocked


@pytest.mark.parametrize("regime", list(REGIMES))
def test_the_tandem_queue_gives_the_waits_ciw_gives(regime):
    rate, booths, primary_min, share, docks, secondary_min, lot, days = REGIMES[regime]
    horizon_min = days * 1440.0
    n = int(rate * horizon_min * 1.1) + 100
    gaps, primary, referred, secondary = _draws(rate, primary_min, share, secondary_min, n, len(regime))
    arrival = np.cumsum(gaps)
    hours = int(arrival[-1] // 60) + 24 * 365  # staffed all along, so everyone is served
    served, start, leave, dock, _ = tandem_in_order(
        arrival, primary, referred, secondary, np.full(hours, booths, dtype=np.int64),
        np.full(hours, docks, dtype=np.int64), lot, np.zeros(0))
    assert served == n
    kernel_primary = start - arrival
    kernel_dock = np.where(referred, dock - (start + primary), np.nan)
    ciw_primary, ciw_dock = _ciw_waits(booths, docks, lot, gaps, primary, referred, secondary, horizon_min)
    # Crossers who joined in the first 90% of the horizon have all left ciw's secondary by its end.
    counted = arrival < 0.9 * horizon_min
    inspected = counted & referred
    assert not np.isnan(ciw_primary[counted]).any() and not np.isnan(ciw_dock[inspected]).any()
    assert inspected.sum() > 500

    # The means agree (within 5%: the yardstick) ...
    assert kernel_primary[counted].mean() == pytest.approx(ciw_primary[counted].mean(), rel=0.05)
    assert kernel_dock[inspected].mean() == pytest.approx(ciw_dock[inspected].mean(), rel=0.05)
    # ... and so does every crosser's wait: the same rule, not only the same averages.
    np.testing.assert_allclose(kernel_primary[counted], ciw_primary[counted], rtol=0, atol=1e-6)
    np.testing.assert_allclose(kernel_dock[inspected], ciw_dock[inspected], rtol=0, atol=1e-6)
    if regime == "blocking-heavy":
        held = leave - (start + primary) > 1e-9
        assert held[inspected].mean() > 0.3, "many referred crossers find the lot full and hold their booth"
        assert (np.diff(dock[inspected]) < 0).any() and (np.diff(start[inspected] + primary[inspected]) < 0).any(), \
            "crossers finish primary out of line order, so the order the lot follows matters"

