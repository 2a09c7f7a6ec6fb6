"""Secondary inspection behind primary: the tandem queue, its lot, blocking and carry-over."""

import math

import numpy as np
import pytest

from model.parameters import resolve
from model.port import Line, _standard_quantiles
from model.queue_kernel import line_day, tandem_in_order
from tests.test_queue_theory import erlang_c_wait


class _Staffed:
    """Servers staffed by the hour, written plainly: at a change, those free last leave; at the
    end of the horizon, all leave."""

    def __init__(self, by_hour):
        self.by_hour = by_hour = [*by_hour, 0]
        self.changes = [h for h in range(len(by_hour)) if by_hour[h] != (by_hour[h - 1] if h else 0)]
        self.k = 0
        self.free = []

    def next_change_min(self):
        return self.changes[self.k] * 60.0 if self.k < len(self.changes) else math.inf

    def change(self):
        h = self.changes[self.k]
        self.free = sorted(self.free)[: self.by_hour[h]]
        self.free += [h * 60.0] * (self.by_hour[h] - len(self.free))
        self.k += 1

    def earliest(self, t):
        return max(t, min(self.free)) if self.free else math.inf

    def start(self, t):
        while self.next_change_min() <= self.earliest(t) and self.next_change_min() < math.inf:
            self.change()
        return self.earliest(t)

    def occupy(self, until):
        self.free.remove(min(self.free))
        self.free.append(until)


def _tandem_reference(arrival, service, referred, secondary, booths, docks, lot_places, in_lot_secondary):
    """The tandem rule in plain Python: booths in line order; then the lot (blocking when full)
    and the docks in the order the referred finish primary. A referred crosser is settled once
    the line has moved past the minute it finished primary (nobody still to start can finish
    before it); until then its booth counts as free from that minute."""
    primary, dock_pool = _Staffed(booths), _Staffed(docks)
    n = len(arrival)
    start, leave, dock = [math.inf] * n, [math.inf] * n, [math.inf] * n
    sequence, at_booth = [], []  # at_booth: (minute primary ends, crosser) of the referred not yet settled
    last = 0.0

    def to_dock(enter, minutes):
        nonlocal last
        g = dock_pool.start(max(enter, last))
        sequence.append(g)
        if g < math.inf:
            last = g
            dock_pool.occupy(g + minutes)
        return g

    def settle():
        done, i = min(at_booth)
        at_booth.remove((done, i))
        ahead = len(sequence) - lot_places
        enter = max(done, sequence[ahead]) if lot_places > 0 and ahead >= 0 else done
        dock[i] = to_dock(enter, secondary[i])
        leave[i] = enter if lot_places > 0 else dock[i]
        if done in primary.free:  # the booth is held (unless it closed meanwhile)
            primary.free[primary.free.index(done)] = leave[i]

    lot_starts = [to_dock(0.0, m) for m in in_lot_secondary]
    for i in range(n + 1):
        t = arrival[i] if i < n else math.inf
        while True:  # the staffing changes and the referred leaving primary before i starts, in time order
            s, change = primary.earliest(t), primary.next_change_min()
            if at_booth and min(at_booth)[0] <= min(s, change):
                settle()
            elif change <= s and change < math.inf:
                primary.change()
            else:
                break
        if s == math.inf:
            break
        start[i] = s
        leave[i] = s + service[i]
        primary.occupy(leave[i])
        if referred[i]:
            at_booth.append((leave[i], i))
    return np.array(start), np.array(leave), np.array(dock), np.array(lot_starts)


@pytest.mark.parametrize("seed", range(8))
def test_tandem_queue_follows_the_plain_rule_with_blocking_and_staffing(seed):
    rng = np.random.default_rng([seed, 5])
    n = 800
    booths = rng.integers(0, 4, 24)
    booths[rng.random(24) < 0.2] = 0
    docks = rng.integers(0, 3, 24)
    arrival = np.sort(rng.uniform(0, 20 * 60, n))
    service = rng.exponential(rng.uniform(0.5, 3.0), n)
    referred = rng.random(n) < rng.uniform(0.05, 0.9)
    secondary = rng.exponential(rng.uniform(5, 60), n)
    lot = int(rng.integers(0, 6))
    in_lot = rng.exponential(30.0, int(rng.integers(0, 8)))
    n_served, *got = tandem_in_order(arrival, service, referred, secondary, booths, docks, lot, in_lot)
    start, leave, dock, lot_starts = _tandem_reference(arrival, service, referred, secondary, booths, docks, lot,
                                                       in_lot)
    served = np.isfinite(start)
    assert n_served == served.sum() and served[:n_served].all()
    np.testing.assert_allclose(got[0][:n_served], start[served], rtol=1e-12)
    np.testing.assert_allclose(got[1][:n_served], leave[served], rtol=1e-12)
    in_secondary = served & referred
    np.testing.assert_allclose(got[2][in_secondary], dock[in_secondary], rtol=1e-12)
    np.testing.assert_allclose(got[3], lot_starts, rtol=1e-12)
    blocked = got[1][:n_served] - (got[0] + service)[:n_served]
    assert (blocked > 1e-9).any(), "the case exercises blocking"


def test_with_an_unlimited_lot_secondary_is_its_own_mmc_queue():
    """Tandem theory (Burke): a stationary M/M/1 primary sends a Poisson stream to secondary, so
    with room for everyone in the lot the wait for a dock is the M/M/c one (Erlang C)."""
    lam, share, docks, secondary_min = 0.5, 0.4, 3, 10.0  # docks busy 67% of the time
    waits = []
    for seed in range(4):
        rng = np.random.default_rng([seed, 17])
        n = 300_000
        arrival = np.cumsum(rng.exponential(1 / lam, n))
        hours = int(arrival[-1] // 60) + 2
        referred = rng.random(n) < share
        secondary = rng.exponential(secondary_min, n)
        _, start, leave, dock, _ = tandem_in_order(
            arrival, rng.exponential(1.0, n), referred, secondary, np.ones(hours, dtype=np.int64),
            np.full(hours, docks, dtype=np.int64), n + 1, np.zeros(0))
        wait = (dock - leave)[referred]
        waits.append(wait[len(wait) // 10:].mean())
    expected = erlang_c_wait(lam * share, 1 / secondary_min, docks)
    assert np.mean(waits) == pytest.approx(expected, rel=0.05)


def _day(lot_places, share, docks=1, n=600, carried_lot=0):
    booths = np.zeros(24, dtype=np.int64)
    booths[6:20] = 2
    dock_hours = np.zeros(24, dtype=np.int64)
    dock_hours[6:22] = docks
    rng = np.random.default_rng(3)
    n_lot = carried_lot
    return line_day(rng.standard_exponential(n + 1), rng.random(n), _standard_quantiles(0.6), 1.5, np.zeros(0),
                    np.linspace(0.0, 1.0, 25), booths, share, _standard_quantiles(0.5), 45.0, dock_hours,
                    lot_places, np.full(n_lot, 100.0), np.full(n_lot, 45.0), 0.5)


def test_a_full_lot_holds_primary_booths_and_the_primary_line_grows():
    free_lot = _day(lot_places=10_000, share=0.3)
    small_lot = _day(lot_places=3, share=0.3)
    assert small_lot[6] > 60.0, "blocked crossers hold their booths for hours"
    assert free_lot[6] == 0.0
    assert small_lot[0] < free_lot[0], "fewer crossers reach primary"
    assert small_lot[1] > 2 * free_lot[1], "the wait to reach primary grows"


def test_time_in_port_counts_secondary_for_the_referred():
    none_referred = _day(lot_places=30, share=0.0)
    some_referred = _day(lot_places=30, share=0.05, docks=3)
    assert none_referred[9] == pytest.approx(none_referred[1] + 1.5, rel=0.05), "wait plus primary inspection"
    assert some_referred[9] > some_referred[1] + 1.5 + 0.05 * 45.0 * 0.9
    assert none_referred[8] == none_referred[0], "everyone not referred is released when primary is done"


def test_crossers_left_in_the_lot_overnight_go_first_the_next_day():
    params = resolve({"lines.east_commercial_standard.secondary_booths": 1,
                      "lines.east_commercial_standard.lot_places": 10_000})
    line = Line("east_commercial_standard", 0, params)
    cdf = np.linspace(0.0, 1.0, 25)
    booths = line.booths_by_hour(0, 1.0, False)
    rng = np.random.default_rng(1)
    first = line.serve_day(800, cdf, booths, 1.6, 0.5, rng)
    assert first.in_lot_at_close > 50, "one dock cannot inspect 400 referrals in a day"
    carried = line.in_lot_min.copy()
    assert (carried > 4 * 60).all(), "their time in port runs on overnight"
    second = line.serve_day(0, cdf, np.zeros(24, dtype=np.int64), 1.6, 0.5, rng)  # only the docks work
    assert second.released == first.in_lot_at_close - second.in_lot_at_close > 0
    assert second.time_in_port_mean_min > carried.min(), "released today after the night in the lot"
