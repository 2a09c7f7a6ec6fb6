"""The kernel's one-pass day gives what queueing by `tandem_in_order` and then counting gives.

`line_day` queues crossers and counts their waits in the same loop, for speed. The reference
here does it the plain way: the same draws, `tandem_in_order` (itself checked against a
reference implementation and queueing theory), then every statistic counted in Python.
"""

import numpy as np
import pytest

from model.port import _standard_quantiles
from model.queue_kernel import UNSERVED, line_day, split_tomorrow, tandem_in_order


def _draws(spacings, uniforms, quantiles, mean_min, n_carry, cdf, booths, share, sec_quantiles, sec_mean):
    """Arrival minutes, inspection minutes, referrals and secondary minutes, as line_day draws them."""
    n_new = spacings.shape[0] - 1
    n = n_carry + n_new
    u = np.cumsum(spacings)[:n_new] / spacings.sum()
    arrival = np.empty(n)
    for j, x in enumerate(u):
        h = 0
        while h < 23 and cdf[h + 1] < x:
            h += 1
        lo, hi = cdf[h], cdf[h + 1]
        arrival[n_carry + j] = h * 60.0 + (min(60.0, (x - lo) * 60.0 / (hi - lo)) if hi > lo else 30.0)
    open_hours = np.flatnonzero(booths > 0)
    carry_at = open_hours[0] * 60.0 if open_hours.size else 0.0
    if n_new:
        carry_at = min(carry_at, arrival[n_carry])
    arrival[:n_carry] = carry_at
    strata = quantiles.shape[0]
    scaled = uniforms * strata
    service = mean_min * quantiles[scaled.astype(int)]
    rest = scaled - scaled.astype(int)
    referred = rest < share
    secondary = np.zeros(n)
    pick = np.minimum((rest[referred] / max(share, 1e-300) * strata).astype(int), strata - 1)
    secondary[referred] = sec_mean * sec_quantiles[pick]
    return arrival, service, referred, secondary, (open_hours[-1] + 1) * 60.0 if open_hours.size else 0.0


def _p95(values, bin_min):
    if not len(values):
        return 0.0
    bins = np.minimum((np.asarray(values) / bin_min).astype(int), 4095)
    rank = int(np.ceil(0.95 * len(values)))
    b = np.sort(bins)[rank - 1]
    return min((b + 1) * bin_min, max(values))


def reference_day(spacings, uniforms, quantiles, mean_min, carried, cdf, booths, share, sec_quantiles, sec_mean,
                  docks, lot_places, in_lot_min, in_lot_sec, bin_min):
    """line_day's results the two-pass way: queue with tandem_in_order, then count."""
    n_carry = carried.shape[0]
    arrival, service, referred, secondary, last_open = _draws(
        spacings, uniforms, quantiles, mean_min, n_carry, cdf, booths, share, sec_quantiles, sec_mean)
    horizon = booths.shape[0] * 60.0
    n_served, start, leave, dock, lot_dock = tandem_in_order(arrival, service, referred, secondary, booths, docks,
                                                             lot_places, in_lot_sec)
    prior = np.concatenate([carried, np.zeros(len(arrival) - n_carry)])
    in_port, port_hour, sec_wait, inspect, blocked = [], [], 0.0, 0.0, 0.0
    left_lot, left_lot_sec = [], []
    for r, g in enumerate(lot_dock):
        if g < UNSERVED:
            sec_wait += g
            inspect += in_lot_sec[r]
            in_port.append(in_lot_min[r] + g + in_lot_sec[r])
            port_hour.append(None)
        else:
            sec_wait += horizon
            left_lot.append(in_lot_min[r] + horizon)
            left_lot_sec.append(in_lot_sec[r])
    hours = np.minimum(23, (arrival / 60.0).astype(int))
    # The referred reach the lot in the order they finish primary (ties in line order): those
    # left in it tonight head tomorrow's sequence in that order.
    for i in sorted(range(n_served), key=lambda i: (start[i] + service[i], i)):
        inspect += service[i]
        release = start[i] + service[i]
        if referred[i]:
            blocked += max(0.0, min(leave[i], horizon) - release)
            if dock[i] >= UNSERVED:
                sec_wait += max(0.0, horizon - release)
                left_lot.append(horizon - arrival[i] + prior[i])
                left_lot_sec.append(secondary[i])
                continue
            sec_wait += dock[i] - release
            inspect += secondary[i]
            release = dock[i] + secondary[i]
        in_port.append(release - arrival[i] + prior[i])
        port_hour.append(hours[i])
    waits = start[:n_served] - arrival[:n_served] + prior[:n_served]  # in line order, as hours[:n_served]
    left = prior[n_served:] + np.maximum(0.0, last_open - arrival[n_served:])
    return {"served": n_served, "wait_mean": waits.mean() if n_served else 0.0,
            "wait_p95": _p95(waits, bin_min), "wait_total": waits.sum(), "left": left,
            "inspect": inspect, "secondary_wait": sec_wait, "blocked": blocked,
            "referred": int(referred[:n_served].sum()),
            "released": len(in_port), "port_mean": np.mean(in_port) if in_port else 0.0,
            "port_p95": _p95(in_port, 4 * bin_min), "wait_by_hour": (hours[:n_served], waits),
            "port_by_hour": [(h, t) for h, t in zip(port_hour, in_port, strict=True) if h is not None],
            "left_in_lot": np.array(left_lot), "left_in_lot_secondary": np.array(left_lot_sec)}


CASES = {
    "a quiet pedestrian day": dict(n=800, booths=3, share=0.01, docks=1, lot=30, carried=0, lot_carried=0),
    "a busy line carrying its queue": dict(n=3000, booths=2, share=0.02, docks=1, lot=30, carried=400, lot_carried=0),
    "a full lot blocking the booths": dict(n=900, booths=2, share=0.3, docks=1, lot=3, carried=50, lot_carried=6),
    "no lot at all": dict(n=600, booths=2, share=0.2, docks=2, lot=0, carried=0, lot_carried=0),
    "many booths and a night closure": dict(n=5000, booths=9, share=0.05, docks=3, lot=20, carried=20, lot_carried=2),
    "docks that never open": dict(n=300, booths=1, share=0.5, docks=0, lot=5, carried=0, lot_carried=4),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_one_pass_day_equals_queueing_then_counting(case):
    c = CASES[case]
    rng = np.random.default_rng([len(case), c["n"]])
    n = c["carried"] + c["n"]
    booths = np.zeros(24, dtype=np.int64)
    booths[6:20] = c["booths"]
    booths[12] = max(0, c["booths"] - 1)  # a booth closes for lunch: a staffing change mid-day
    if case == "many booths and a night closure":
        booths[:] = c["booths"]
        booths[2:4] = 0
    docks = np.zeros(24, dtype=np.int64)
    docks[6:22] = c["docks"]
    args = (rng.standard_exponential(c["n"] + 1), rng.random(n), _standard_quantiles(0.6), 1.5,
            rng.uniform(0.0, 300.0, c["carried"]), np.linspace(0.0, 1.0, 25), booths, c["share"],
            _standard_quantiles(0.5), 45.0, docks, c["lot"], rng.uniform(0.0, 200.0, c["lot_carried"]),
            rng.uniform(10.0, 90.0, c["lot_carried"]), 0.5)
    hist, port_hist, released_by_hour = np.zeros(4096, dtype=np.int64), np.zeros(4096, dtype=np.int64), np.zeros(24)
    by_hour, port_by_hour = np.zeros(24), np.zeros(24)
    (served, mean, p95, wait_total, inspect, sec_wait, blocked, referred, released, port_mean, port_p95, packed,
     n_in_lot) = line_day(*args, hist, port_hist, released_by_hour, by_hour, port_by_hour)
    left, left_lot, left_lot_sec = split_tomorrow(packed, n_in_lot)
    ref = reference_day(*args)
    assert served == ref["served"] and referred == ref["referred"] and released == ref["released"]
    assert served < n or case != "a busy line carrying its queue", "the case should leave some in line"
    for got, want in ((mean, "wait_mean"), (p95, "wait_p95"), (wait_total, "wait_total"), (inspect, "inspect"),
                      (sec_wait, "secondary_wait"), (blocked, "blocked"), (port_mean, "port_mean"),
                      (port_p95, "port_p95")):
        assert got == pytest.approx(ref[want], rel=1e-9, abs=1e-9), want
    for got, want in ((left, "left"), (left_lot, "left_in_lot"), (left_lot_sec, "left_in_lot_secondary")):
        assert np.allclose(got, ref[want], rtol=1e-9, atol=1e-9), want
    hours, waits = ref["wait_by_hour"]
    for h in np.unique(hours):
        assert by_hour[h] == pytest.approx(waits[hours == h].mean(), rel=1e-9)
    port_hours = np.array([h for h, _ in ref["port_by_hour"]])
    in_port = np.array([t for _, t in ref["port_by_hour"]])
    for h in np.unique(port_hours):
        assert port_by_hour[h] == pytest.approx(in_port[port_hours == h].mean(), rel=1e-9), f"time in port, hour {h}"


def test_a_line_that_reuses_its_histograms_gets_the_same_day_and_leaves_them_clear():
    """The port's lines hand the kernel their own histograms every day; a day must leave them
    zeroed, or the next day's 95th percentiles would count yesterday's crossers too."""
    hist, port_hist = np.zeros(4096, dtype=np.int64), np.zeros(4096, dtype=np.int64)
    # The middle day starts with trucks left in the lot overnight after long hours in port: the
    # lot's own bins of the time-in-port histogram lie far above today's crossers'.
    for n, booths_open, lot_carried in ((2000, 2, 0), (300, 1, 8), (2000, 2, 0)):
        rng = np.random.default_rng(n + lot_carried)
        booths = np.zeros(24, dtype=np.int64)
        booths[6:20] = booths_open
        args = (rng.standard_exponential(n + 1), rng.random(n), _standard_quantiles(0.6), 1.5, np.zeros(0),
                np.linspace(0.0, 1.0, 25), booths, 0.1, _standard_quantiles(0.5), 45.0, booths, 10,
                np.full(lot_carried, 5000.0), np.full(lot_carried, 45.0), 0.5)
        fresh = line_day(*args)
        reused = line_day(*args, hist, port_hist)
        assert (fresh[2], fresh[10]) == (reused[2], reused[10]), "the same wait and time-in-port p95s"
        assert fresh[2] > 0.5, "a day with a line, so its histogram has more than the first bin"
        assert not hist.any() and not port_hist.any()
