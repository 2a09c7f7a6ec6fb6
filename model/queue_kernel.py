"""The compiled kernel of a port's lines: a first-come first-served multi-server queue.

Why compiled: the region's passenger and pedestrian lines take some 30,000 crossers a day, ten
million a year; a Python loop would cost seconds per simulated year. The kernel is plain
numba-compiled Python so it reads like the queueing textbook it implements.

Time is in minutes from the start of the day. Booths are numbered 0..n-1 and staffing is a
prefix: in hour h the booths 0..booths_by_hour[h]-1 are open. A booth never starts an
inspection while it is closed; one that is underway finishes. Crossers still in line when no
booth will open again within the horizon are returned as unserved (carried to the next day).
"""

import numpy as np
from numba import njit

UNSERVED = np.inf


@njit(cache=True)
def _take_first_free(free, size, done_min):
    """The booth free earliest takes a crosser and is next free at `done_min`.

    `free[:size]` is the Kiefer-Wolfowitz vector of the staffed booths' free times, in
    ascending order, with `free[size]` = inf as a sentinel. Dropping the first and inserting
    `done_min` (never earlier than it) in order is, element by element, `done_min` clamped
    between its neighbours: branch-free, so it costs a few nanoseconds a crosser.
    """
    free[0] = min(done_min, free[1])  # done_min >= free[0]: the clamp's lower side is moot
    for j in range(1, size):
        free[j] = min(max(free[j], done_min), free[j + 1])


@njit(cache=True)
def _restaff(free, size, new_size, at_min):
    """Change the number of staffed booths at a staffing change.

    Booths that open are free from `at_min`; booths that close are those that would be free
    last (their officers finish the inspection underway and leave).
    """
    if new_size > size:
        free[size:new_size] = at_min
        free[:new_size] = np.sort(free[:new_size])
    free[new_size] = UNSERVED
    return new_size


@njit(cache=True)
def _changes_and_free_times(booths_by_hour):
    """The hours at which the number of staffed booths differs from the hour before, and the
    vector of booth free times (no booth staffed yet), long enough for the most booths ever
    staffed plus the sentinel.
    """
    n_hours = booths_by_hour.shape[0]
    change_hour = np.empty(n_hours, dtype=np.int64)
    n_changes = 0
    previous = 0
    max_booths = 1
    for h in range(n_hours):
        max_booths = max(max_booths, booths_by_hour[h])
        if booths_by_hour[h] != previous:
            change_hour[n_changes] = h
            n_changes += 1
            previous = booths_by_hour[h]
    return change_hour[:n_changes], np.full(max_booths + 1, UNSERVED)


@njit(cache=True)
def _start_after_changes(t, free, size, k, change_hour, booths_by_hour):
    """When a crosser arriving at minute t starts, once the staffing changes due before then
    are applied (rare: a few times a day). Returns (start, booths staffed, next change).
    """
    s = max(t, free[0])
    while k < change_hour.shape[0] and s >= change_hour[k] * 60.0:
        h = change_hour[k]
        size = _restaff(free, size, booths_by_hour[h], h * 60.0)
        k += 1
        s = max(t, free[0])  # free[0] is inf while no booth is staffed
    return s, size, k


@njit(cache=True)
def _change_min(change_hour, k):
    """Minute of the next staffing change (inf when none is left)."""
    return change_hour[k] * 60.0 if k < change_hour.shape[0] else UNSERVED


@njit(cache=True)
def serve_in_order(arrival_min, service_min, booths_by_hour):
    """Start times of service for crossers in arrival order (FCFS, earliest free booth).

    The staffed booths' free times are kept in order (`_take_first_free`), so a crosser
    costs a few branch-free comparisons; staffing changes at hour boundaries add or drop
    booths between crossers.

    Args:
        arrival_min: sorted arrival times (minutes).
        service_min: each crosser's inspection time (minutes), attached to the crosser.
        booths_by_hour: booths staffed in each hour of the horizon.

    Returns:
        Start times; inf for crossers no booth serves within the horizon.

    """
    n = arrival_min.shape[0]
    start = np.empty(n)
    change_hour, free = _changes_and_free_times(booths_by_hour)
    size = 0
    k = 0
    next_change_min = _change_min(change_hour, 0)
    for i in range(n):
        s = max(arrival_min[i], free[0])  # free[0] is inf while no booth is staffed
        if s >= next_change_min:
            s, size, k = _start_after_changes(arrival_min[i], free, size, k, change_hour, booths_by_hour)
            next_change_min = _change_min(change_hour, k)
        start[i] = s
        if s < UNSERVED:
            _take_first_free(free, size, s + service_min[i])
    return start


@njit(cache=True, fastmath={"reassoc", "contract", "arcp"})  # no ninf/nnan: inf marks the unserved
def line_day(spacings, uniforms, quantiles, mean_min, carried_wait_min, cdf_by_hour, booths_by_hour,
             secondary_share, secondary_quantiles, secondary_mean_min, secondary_booths, bin_min):
    """One line's day: yesterday's carried crossers first, then today's arrivals, primary
    inspection, referrals to secondary, and the day's statistics, in one compiled pass.

    This is where a simulated year spends its time, so it takes its randomness as two arrays
    drawn by numpy (two draw calls per line and day) and allocates little.

    Args:
        spacings: n_new + 1 standard exponential draws, for the n_new crossers arriving today:
            the spacings that place their arrivals.
        uniforms: n uniforms on [0, 1), one per crosser in line order (carried crossers
            first), whose leading digits pick the stratum of the inspection-time distribution
            and whose remaining digits (again uniform) decide the referral to secondary.
        quantiles: the mean-1 primary inspection-time distribution at equal-probability strata.
        mean_min: mean primary inspection minutes today.
        carried_wait_min: minutes already waited by those left in line at last closing.
        cdf_by_hour: cumulative arrival profile over today's hours (25 values).
        booths_by_hour: booths staffed in each hour of today.
        secondary_share: probability that primary refers a crosser to secondary.
        secondary_quantiles: the mean-1 secondary inspection-time distribution.
        secondary_mean_min: mean secondary inspection minutes.
        secondary_booths: secondary booths staffed in each hour from the start of today.
        bin_min: width of the histogram bins for the 95th percentile (4,096 bins: a p95 above
            4,096 x bin_min minutes, 34 hours at 0.5 min, is reported as the longest wait).

    Returns:
        (served, mean wait, p95 wait, mean wait by arrival hour (24), total wait minutes,
        minutes waited so far by those still in line at closing, total inspection minutes,
        total minutes waited for secondary, number referred).
    """
    n_carry = carried_wait_min.shape[0]
    n_new = spacings.shape[0] - 1
    n = n_carry + n_new
    if uniforms.shape[0] != n:  # compiled code does not check bounds: a short array reads garbage
        raise ValueError("line_day needs one uniform per crosser, carried crossers included")
    n_strata = quantiles.shape[0]
    arrival = np.empty(n)
    # Today's arrivals, already sorted: normalised cumulative exponential spacings are sorted
    # uniforms; each maps through the inverse of the piecewise-linear cumulative profile
    # (uniform within an hour) to minutes.
    total = spacings.sum()
    acc = 0.0
    h = 0
    for i in range(n_carry, n):
        acc += spacings[i - n_carry]
        u = acc / total
        while h < 23 and cdf_by_hour[h + 1] < u:
            h += 1
        lo = cdf_by_hour[h]
        width = cdf_by_hour[h + 1] - lo
        frac = 0.5 if width <= 0 else min(1.0, (u - lo) / width)
        arrival[i] = (h + frac) * 60.0
    first_open = -1.0
    last_open = 0.0
    for h in range(booths_by_hour.shape[0]):
        if booths_by_hour[h] > 0:
            if first_open < 0:
                first_open = h * 60.0
            last_open = (h + 1) * 60.0
    carry_at = max(first_open, 0.0)
    if n_new > 0:
        carry_at = min(carry_at, arrival[n_carry])
    arrival[:n_carry] = carry_at
    service = np.empty(n)
    for i in range(n):
        service[i] = mean_min * quantiles[int(uniforms[i] * n_strata)]
    start = serve_in_order(arrival, service, booths_by_hour)

    # First come, first served: those still in line at closing are the last in order.
    n_served = 0
    while n_served < n and start[n_served] < UNSERVED:
        n_served += 1
    left = np.empty(n - n_served)
    n_bins = 4096
    inv_bin = 1.0 / bin_min
    hist = np.zeros(n_bins, dtype=np.int64)
    by_hour = np.zeros(24)
    by_hour_n = np.zeros(24)
    total = 0.0
    inspect = 0.0
    max_wait = 0.0
    referred_at = np.empty(n_served)
    referred_min = np.empty(n_served)
    n_ref = 0
    for i in range(n_served):
        w = start[i] - arrival[i]
        if i < n_carry:
            w += carried_wait_min[i]
        total += w
        max_wait = max(max_wait, w)
        h = min(23, int(arrival[i] * (1.0 / 60.0)))  # arrival >= 0: truncation is floor
        by_hour[h] += w
        by_hour_n[h] += 1
        hist[min(int(w * inv_bin), n_bins - 1)] += 1
        inspect += service[i]
        scaled = uniforms[i] * n_strata
        u = scaled - int(scaled)  # the digits below the stratum: uniform again
        if u < secondary_share:
            # Given a referral, u / share is again uniform: it picks the secondary time.
            stratum = min(int(u / secondary_share * n_strata), n_strata - 1)
            referred_at[n_ref] = start[i] + service[i]
            referred_min[n_ref] = secondary_mean_min * secondary_quantiles[stratum]
            n_ref += 1
    for i in range(n_served, n):
        prior = carried_wait_min[i] if i < n_carry else 0.0
        left[i - n_served] = prior + max(0.0, last_open - arrival[i])
    mean = total / n_served if n_served else 0.0
    p95 = 0.0
    if n_served:
        rank = int(np.ceil(0.95 * n_served))
        acc = 0
        for b in range(n_bins):
            acc += hist[b]
            if acc >= rank:
                p95 = min((b + 1) * bin_min, max_wait)
                break
    for h in range(24):
        by_hour[h] = by_hour[h] / by_hour_n[h] if by_hour_n[h] > 0 else mean

    secondary_wait = 0.0
    if n_ref > 0:
        order = np.argsort(referred_at[:n_ref])
        sec_arrival = referred_at[:n_ref][order]
        sec_service = referred_min[:n_ref][order]
        sec_start = serve_in_order(sec_arrival, sec_service, secondary_booths)
        for i in range(n_ref):
            secondary_wait += sec_start[i] - sec_arrival[i]
            inspect += sec_service[i]
    return n_served, mean, p95, by_hour, total, left, inspect, secondary_wait, n_ref
