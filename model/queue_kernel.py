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
def _sift_down(heap, size, value):
    """Replace the root of a min-heap of `size` booth free-times by `value`."""
    j = 0
    while True:
        left = 2 * j + 1
        if left >= size:
            break
        m = left
        if left + 1 < size and heap[left + 1] < heap[left]:
            m = left + 1
        if heap[m] < value:
            heap[j] = heap[m]
            j = m
        else:
            break
    heap[j] = value


@njit(cache=True)
def _restaff(heap, size, new_size, at_min):
    """Change the number of staffed booths at a staffing change.

    Booths that open are free from `at_min`; booths that close are those that would be free
    last (their officers finish the inspection underway and leave). A sorted array is a
    valid min-heap, so sorting rebuilds it.
    """
    live = np.sort(heap[:size])
    if new_size <= size:
        heap[:new_size] = live[:new_size]
    else:
        heap[:size] = live
        heap[size:new_size] = at_min
        heap[:new_size] = np.sort(heap[:new_size])
    return new_size


@njit(cache=True)
def serve_in_order(arrival_min, service_min, booths_by_hour):
    """Start times of service for crossers in arrival order (FCFS, earliest free booth).

    The staffed booths' free times are kept in a min-heap, so each crosser costs
    O(log booths); staffing changes at hour boundaries rebuild the heap.

    Args:
        arrival_min: sorted arrival times (minutes).
        service_min: each crosser's inspection time (minutes), attached to the crosser.
        booths_by_hour: booths staffed in each hour of the horizon.

    Returns:
        Start times; inf for crossers no booth serves within the horizon.

    """
    n = arrival_min.shape[0]
    n_hours = booths_by_hour.shape[0]
    start = np.empty(n)
    max_booths = 1
    for h in range(n_hours):
        max_booths = max(max_booths, booths_by_hour[h])
    heap = np.zeros(max_booths)
    # Staffing changes: the hours at which the number of booths differs from the hour before.
    change_hour = np.empty(n_hours, dtype=np.int64)
    n_changes = 0
    previous = 0
    for h in range(n_hours):
        if booths_by_hour[h] != previous:
            change_hour[n_changes] = h
            n_changes += 1
            previous = booths_by_hour[h]
    size = 0
    k = 0  # the next staffing change to apply
    for i in range(n):
        t = arrival_min[i]
        while True:
            s = max(t, heap[0]) if size > 0 else UNSERVED
            if k >= n_changes or s < change_hour[k] * 60.0:
                break
            h = change_hour[k]
            size = _restaff(heap, size, booths_by_hour[h], h * 60.0)
            k += 1
        start[i] = s
        if s < UNSERVED:
            _sift_down(heap, size, s + service_min[i])
    return start


@njit(cache=True)
def arrivals_from_gaps(gaps, cdf_by_hour):
    """Sorted arrival minutes for len(gaps)-1 crossers, spread by a daily profile.

    Normalised cumulative exponential spacings are sorted uniforms; each is mapped through
    the inverse of the piecewise-linear cumulative profile (uniform within an hour), so the
    times come out sorted without a sort.

    Args:
        gaps: n + 1 standard exponential draws.
        cdf_by_hour: cumulative share of arrivals at each hour boundary (25 values, 0 to 1).

    """
    n = gaps.shape[0] - 1
    total = gaps.sum()
    out = np.empty(n)
    acc = 0.0
    h = 0
    for i in range(n):
        acc += gaps[i]
        u = acc / total
        while h < 23 and cdf_by_hour[h + 1] < u:
            h += 1
        lo = cdf_by_hour[h]
        width = cdf_by_hour[h + 1] - lo
        frac = 0.5 if width <= 0 else min(1.0, (u - lo) / width)
        out[i] = (h + frac) * 60.0
    return out


@njit(cache=True)
def line_day(gaps, strata, quantiles, mean_min, carried_wait_min, cdf_by_hour, booths_by_hour, bin_min):
    """One line's day at primary: yesterday's carried crossers first, then today's arrivals.

    Everything per crosser happens here in one compiled pass (arrival times, inspection
    times, service, statistics), because this is where a simulated year spends its time.

    Args:
        gaps: n_new + 1 standard exponential draws that place today's arrivals.
        strata: for every crosser (carried first, then new), a stratum of the inspection-time
            distribution; its time is `mean_min * quantiles[stratum]`.
        quantiles: the mean-1 inspection-time distribution at equal-probability strata.
        mean_min: mean primary inspection minutes today.
        carried_wait_min: minutes already waited by those left in line at last closing.
        cdf_by_hour: cumulative arrival profile over today's hours (25 values).
        booths_by_hour: booths staffed in each hour of today.
        bin_min: width of the histogram bins for the 95th percentile.

    Returns:
        (mean wait, p95 wait, mean wait by arrival hour (24), total wait minutes, time each
        served crosser left primary, minutes waited so far by those still in line at closing,
        total inspection minutes of those served).

    """
    n_carry = carried_wait_min.shape[0]
    new = arrivals_from_gaps(gaps, cdf_by_hour)
    n = n_carry + new.shape[0]
    first_open = -1.0
    last_open = 0.0
    for h in range(booths_by_hour.shape[0]):
        if booths_by_hour[h] > 0:
            if first_open < 0:
                first_open = h * 60.0
            last_open = (h + 1) * 60.0
    arrival = np.empty(n)
    carry_at = max(first_open, 0.0)
    if new.shape[0] > 0:
        carry_at = min(carry_at, new[0])
    arrival[:n_carry] = carry_at
    arrival[n_carry:] = new
    service = np.empty(n)
    for i in range(n):
        service[i] = mean_min * quantiles[strata[i]]
    start = serve_in_order(arrival, service, booths_by_hour)

    # First come, first served: those still in line at closing are the last in order.
    n_served = 0
    while n_served < n and start[n_served] < UNSERVED:
        n_served += 1
    done_at = np.empty(n_served)
    left = np.empty(n - n_served)
    n_bins = 4096
    hist = np.zeros(n_bins, dtype=np.int64)
    by_hour = np.zeros(24)
    by_hour_n = np.zeros(24)
    total = 0.0
    inspect = 0.0
    max_wait = 0.0
    for i in range(n_served):
        w = start[i] - arrival[i]
        if i < n_carry:
            w += carried_wait_min[i]
        total += w
        max_wait = max(max_wait, w)
        h = min(23, int(arrival[i] // 60.0))
        by_hour[h] += w
        by_hour_n[h] += 1
        hist[min(int(w / bin_min), n_bins - 1)] += 1
        done_at[i] = start[i] + service[i]
        inspect += service[i]
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
    return mean, p95, by_hour, total, done_at, left, inspect
