"""The compiled kernel of a port's lines: a tandem queue, primary booths then secondary docks.

Why compiled: the region's passenger and pedestrian lines take some 30,000 crossers a day, ten
million a year; a Python loop would cost seconds per simulated year. The kernel is plain
numba-compiled Python so it reads like the queueing textbook it implements.

Time is in minutes from the start of the day. Booths are numbered 0..n-1 and staffing is a
prefix: in hour h the booths 0..booths_by_hour[h]-1 are open. A booth never starts an
inspection while it is closed; one that is underway finishes. Every booth closes at the end of
the horizon, so a booth staffed in its last hour (at a port open all night) does not work on
into the next day beside that day's officers. Crossers still in line when no booth will open
again within the horizon are returned as unserved (carried to the next day).

Secondary inspection is a second multi-server queue behind primary, with docks staffed by hour
and a lot of limited size. Crossers reach primary in the order they joined the line (first come,
first served at the earliest free booth); the referred then reach the lot and the docks in the
order they leave primary, which is the order they finish their primary inspection: a referred
truck drives from its booth to the secondary lot, so the lot fills, and the docks take trucks
from it, in that order (and when the lot is full, the trucks held at their booths go in as
places free, the one that has waited longest first). A referred crosser leaves its primary
booth for the lot when a place is free there; when the lot is full it keeps the booth
(blocking after service) until the crosser `lot_places` ahead of it in the secondary sequence
starts its inspection, so a secondary backlog takes primary booths out of service. Referred
crossers not yet inspected at the end of the day stay in the lot overnight, first in
tomorrow's sequence.

A crosser's place in the secondary sequence is known only once every crosser who could finish
primary before it has started primary, so the kernels keep the referred still at their booths
in a short list ordered by the minute they finish primary, and settle each (its place in the
lot, its dock, the minute its booth is free again) as soon as the line has moved past that
minute. Until then its booth counts as free when its inspection ends, which is also how a
staffing change ranks it when it picks the booths to close.
"""

from functools import partial

import numpy as np
from numba import njit

UNSERVED = np.inf
# Compiled with numpy's rules for a division by zero (inf or nan, no check on every division):
# about 5% off the kernel's time. Every division here is guarded against a zero divisor.
compiled = partial(njit, cache=True, error_model="numpy")


@compiled
def _take_first_free(free, size, done_min):
    """The booth free earliest takes a crosser and is next free at `done_min`.

    `free[:size]` is the Kiefer-Wolfowitz vector of the staffed booths' free times, in
    ascending order, with `free[size]` = inf as a sentinel. The first is dropped and
    `done_min` (never earlier than it) inserted in order: every element becomes `done_min`
    clamped between its neighbours, branch-free. Even with two or three booths this costs less
    than moving the earlier ones down until a scan meets a later one, a scan whose end the
    processor cannot predict (a year's kernel time 10-14% less than with the scan up to four
    booths, the arrivals of a week of the default run).
    """
    free[0] = min(done_min, free[1])  # done_min >= free[0]: the clamp's lower side is moot
    for j in range(1, size):
        free[j] = min(max(free[j], done_min), free[j + 1])


@compiled
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


@compiled
def _changes_and_free_times(booths_by_hour):
    """The hours at which the number of staffed booths differs from the hour before (the end of
    the horizon among them, when the booths still staffed close), and the vector of booth free
    times (no booth staffed yet), long enough for the most booths ever staffed plus the sentinel.
    """
    n_hours = booths_by_hour.shape[0]
    change_hour = np.empty(n_hours + 1, dtype=np.int64)
    n_changes = 0
    previous = 0
    max_booths = 1
    for h in range(n_hours):
        max_booths = max(max_booths, booths_by_hour[h])
        if booths_by_hour[h] != previous:
            change_hour[n_changes] = h
            n_changes += 1
            previous = booths_by_hour[h]
    if previous != 0:
        change_hour[n_changes] = n_hours
        n_changes += 1
    return change_hour[:n_changes], np.full(max_booths + 1, UNSERVED)


@compiled
def _booths_in(booths_by_hour, h):
    """Booths staffed in hour h: none from the end of the horizon."""
    return booths_by_hour[h] if h < booths_by_hour.shape[0] else 0


@compiled
def _start_after_changes(t, free, size, k, change_hour, booths_by_hour):
    """When a crosser arriving at minute t starts, once the staffing changes due before then
    are applied (rare: a few times a day). Returns (start, booths staffed, next change).
    """
    s = max(t, free[0])
    while k < change_hour.shape[0] and s >= change_hour[k] * 60.0:
        h = change_hour[k]
        size = _restaff(free, size, _booths_in(booths_by_hour, h), h * 60.0)
        k += 1
        s = max(t, free[0])  # free[0] is inf while no booth is staffed
    return s, size, k


@compiled
def _change_min(change_hour, k):
    """Minute of the next staffing change (inf when none is left)."""
    return change_hour[k] * 60.0 if k < change_hour.shape[0] else UNSERVED


@compiled
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


@compiled
def _p95(hist, n, bin_min, max_value):
    """The 95th percentile of n values from their histogram (bins of bin_min minutes)."""
    if n == 0:
        return 0.0
    rank = int(np.ceil(0.95 * n))
    acc = 0
    for b in range(hist.shape[0]):
        acc += hist[b]
        if acc >= rank:
            return min((b + 1) * bin_min, max_value)
    return max_value


@compiled
def _dock_start(enter, last_start, dock_free, dock_size, k, change_hour, docks_by_hour):
    """When a crosser in the lot since `enter` starts secondary: at the first free staffed
    dock, never before the crosser ahead of it in the sequence. Returns (start, docks, k).
    """
    t = max(enter, last_start)
    g = max(t, dock_free[0])
    if g >= _change_min(change_hour, k):
        g, dock_size, k = _start_after_changes(t, dock_free, dock_size, k, change_hour, docks_by_hour)
    return g, dock_size, k


@compiled
def _lot_at_dawn(in_lot_secondary_min, n, docks_by_hour):
    """The secondary queue as the day starts: the docks' staffing, and the dock starts of those
    left in the lot overnight, who head the secondary sequence.

    Returns:
        (secondary starts in sequence order, with room for n more; the docks' staffing changes;
        their free times; docks staffed; the next change; the last secondary start).
    """
    n_lot = in_lot_secondary_min.shape[0]
    sequence = np.empty(n_lot + n)
    dock_change_hour, dock_free = _changes_and_free_times(docks_by_hour)
    dock_size, dock_k = 0, 0
    last_start = 0.0
    for r in range(n_lot):  # already in the lot: they only wait for a dock
        g, dock_size, dock_k = _dock_start(0.0, last_start, dock_free, dock_size, dock_k, dock_change_hour,
                                           docks_by_hour)
        sequence[r] = g
        if g < UNSERVED:
            last_start = g
            _take_first_free(dock_free, dock_size, g + in_lot_secondary_min[r])
    return sequence, dock_change_hour, dock_free, dock_size, dock_k, last_start


@compiled
def _hold_booth(free, size, done, leave):
    """The booth whose crosser finished primary at `done` is held until `leave` (>= done).

    Its entry in the ordered free times moves up to `leave`. A booth closed in the meantime has
    no entry (its blocked crosser still waits, but nobody else would use the booth).
    """
    p = 0
    while p < size and free[p] != done:
        p += 1
    if p == size:
        return
    while free[p + 1] < leave:
        free[p] = free[p + 1]
        p += 1
    free[p] = leave


@compiled
def _await_settling(pending_done, pending_who, head, tail, done, i):
    """Put referred crosser i, finishing primary at `done`, in the list of those at their booths
    whose place in the secondary sequence is not yet known (ordered by `done`). Returns the new
    tail.
    """
    j = tail
    while j > head and pending_done[j - 1] > done:  # usually none: later crossers finish later
        pending_done[j] = pending_done[j - 1]
        pending_who[j] = pending_who[j - 1]
        j -= 1
    pending_done[j] = done
    pending_who[j] = i
    return tail + 1


@compiled
def _settle(done, secondary_min, sequence, n_seq, lot_places, dock_free, dock_size, dock_k, dock_change_hour,
            docks_by_hour, last_start, free, size):
    """The referred crosser next to leave primary (it finished at `done`) takes its place in the
    secondary sequence: it enters the lot when a place is free there, which is when the crosser
    `lot_places` ahead of it has started its inspection, holding its booth until then (with no
    lot, until a dock takes it), and starts at the first free staffed dock, never before the
    crosser ahead of it.

    Returns:
        (secondary start, minute the booth is free again, docks staffed, next dock change, last
        secondary start).
    """
    enter = max(done, sequence[n_seq - lot_places]) if 0 < lot_places <= n_seq else done
    g, dock_size, dock_k = _dock_start(enter, last_start, dock_free, dock_size, dock_k, dock_change_hour,
                                       docks_by_hour)
    sequence[n_seq] = g
    if g < UNSERVED:
        last_start = g
        _take_first_free(dock_free, dock_size, g + secondary_min)
    leave = enter if lot_places > 0 else g
    if leave > done:
        _hold_booth(free, size, done, leave)
    return g, leave, dock_size, dock_k, last_start


@compiled(fastmath={"reassoc", "contract", "arcp"})  # no ninf/nnan: inf marks the unserved
def tandem_in_order(arrival_min, service_min, referred, secondary_min, booths_by_hour, docks_by_hour, lot_places,
                    in_lot_secondary_min):
    """Primary booths in line order, then for the referred a lot and secondary docks in the
    order they leave primary.

    Each crosser, in line order, starts primary at the first free staffed booth
    (`serve_in_order`'s rule). The referred are numbered in the order they finish primary (those
    already in the lot at the start of the day, `in_lot_secondary_min` their inspection minutes,
    first). Referred crosser m enters the lot when a place is free there, which is when the
    crosser `lot_places` ahead of it in that sequence has started its inspection; until then it
    holds its booth (blocking after service). With no lot, it holds the booth until a dock takes
    it. It starts secondary at the first free staffed dock, never before the crosser ahead of it.

    Returns:
        (crossers served at primary (a prefix of the line), primary start, time the crosser
        leaves its booth, secondary start (inf for the referred not started within the
        horizon; unset for those not referred), secondary start of those already in the
        lot). Entries past the served prefix are unset.
    """
    n = arrival_min.shape[0]
    n_lot = in_lot_secondary_min.shape[0]
    start = np.empty(n)
    leave = np.empty(n)
    dock = np.empty(n)
    n_served = 0
    change_hour, free = _changes_and_free_times(booths_by_hour)
    size, k = 0, 0
    next_change_min = _change_min(change_hour, 0)
    sequence, dock_change_hour, dock_free, dock_size, dock_k, last_start = _lot_at_dawn(
        in_lot_secondary_min, n, docks_by_hour)
    n_seq = n_lot
    pending_done = np.empty(n)
    pending_who = np.empty(n, dtype=np.int64)
    head = tail = 0
    next_event = next_change_min
    for i in range(n + 1):
        t = arrival_min[i] if i < n else UNSERVED  # after the last crosser: settle the referred left
        s = max(t, free[0])  # free[0] is inf while no booth is staffed
        while s >= next_event and next_event < UNSERVED:
            # In time order, before crosser i starts: the referred leaving primary, whose place in
            # the secondary sequence is now known (nobody still to start can finish before
            # them), and the staffing changes.
            if head < tail and pending_done[head] <= next_change_min:
                j = pending_who[head]
                dock[j], leave[j], dock_size, dock_k, last_start = _settle(
                    pending_done[head], secondary_min[j], sequence, n_seq, lot_places, dock_free, dock_size, dock_k,
                    dock_change_hour, docks_by_hour, last_start, free, size)
                n_seq += 1
                head += 1
            else:
                h = change_hour[k]
                size = _restaff(free, size, _booths_in(booths_by_hour, h), h * 60.0)
                k += 1
                next_change_min = _change_min(change_hour, k)
            next_event = min(next_change_min, pending_done[head]) if head < tail else next_change_min
            s = max(t, free[0])
        if s >= UNSERVED:
            break  # first come, first served: everyone behind waits for tomorrow too
        n_served += 1
        start[i] = s
        done = s + service_min[i]
        leave[i] = done
        if referred[i]:  # its booth counts as free at `done` until it is settled
            tail = _await_settling(pending_done, pending_who, head, tail, done, i)
            next_event = min(next_event, done)
        _take_first_free(free, size, done)
    return n_served, start, leave, dock, sequence[:n_lot].copy()


@compiled(fastmath={"reassoc", "contract", "arcp"})  # no ninf/nnan: inf marks the unserved
def line_day(spacings, uniforms, quantiles, mean_min, carried_wait_min, cdf_by_hour, booths_by_hour,
             secondary_share, secondary_quantiles, secondary_mean_min, docks_by_hour, lot_places,
             in_lot_min, in_lot_secondary_min, bin_min, hist=None, port_hist=None, released_by_hour=None,
             wait_by_hour_min=None, time_in_port_by_hour_min=None):
    """One line's day through primary and secondary, in one compiled pass.

    Draws the day (arrival times, inspection times, referrals), then queues it by
    `tandem_in_order`'s rule and counts the day's statistics in the same pass: a crosser's wait
    is counted when it starts primary, a referred crosser's secondary when it is settled, so no
    start time is stored. This is where a
    simulated year spends its time, so it takes its randomness as two arrays drawn by numpy and
    allocates little (`tests/test_line_day_in_one_pass.py` checks it against the two-pass way).

    Args:
        spacings: n_new + 1 standard exponential draws, for the n_new crossers arriving today:
            the spacings that place their arrivals.
        uniforms: n uniforms on [0, 1), one per crosser in line order (carried crossers
            first), whose leading digits pick the stratum of the inspection-time distribution
            and whose remaining digits (again uniform) decide the referral to secondary and
            pick its time.
        quantiles: the mean-1 primary inspection-time distribution at equal-probability strata.
        mean_min: mean primary inspection minutes today.
        carried_wait_min: minutes already waited by those left in line at last closing.
        cdf_by_hour: cumulative arrival profile over today's hours (25 values).
        booths_by_hour: primary booths staffed in each hour of today.
        secondary_share: probability that primary refers a crosser to secondary.
        secondary_quantiles: the mean-1 secondary inspection-time distribution.
        secondary_mean_min: mean secondary inspection minutes.
        docks_by_hour: secondary docks staffed in each hour of today.
        lot_places: places in the secondary lot for referred crossers waiting for a dock.
        in_lot_min: time in port so far of referred crossers left in the lot yesterday.
        in_lot_secondary_min: their secondary inspection minutes (drawn when referred).
        bin_min: width of the histogram bins for the wait's 95th percentile (4,096 bins); time
            in port uses bins four times as wide.
        hist: the line's own 4,096 zeroed bins for the wait's histogram, used and left zeroed
            again, so that a day does not clear 32 kB it mostly never touches (optional).
        port_hist: the same for the time in port's histogram (optional).
        released_by_hour: 24 zeroed counts to which each release is added in the hour it
            happens (optional): the line's outflow, which feeds a line behind it.
        wait_by_hour_min: 24 zeroed values where the mean wait by arrival hour is written
            (optional; without it the figures are not kept): a row of the day's table of every
            line, so that no array is made per line and day.
        time_in_port_by_hour_min: the same for the mean time in port by arrival hour.

    Returns:
        (served at primary, mean wait to primary, its p95, total wait minutes, total inspection
        minutes, total minutes waited between primary and secondary (lot and blocking), minutes
        booths were held by blocked crossers, number referred, number released, mean time in
        port, its p95, tomorrow's line and lot, and how many are in the lot). The by-hour figures
        are written into the arrays given. Tomorrow's line and lot are one array (`split_tomorrow`
        splits it): the minutes waited so far by those still in line at closing, then the time
        in port so far of referred crossers left in the lot, then their secondary inspection
        minutes. One array, not three, because returning an array costs some 2.5 microseconds a
        day and line, more than the rest of the call for a quiet line.
    """
    n_carry = carried_wait_min.shape[0]
    n_new = spacings.shape[0] - 1
    n = n_carry + n_new
    if uniforms.shape[0] != n:  # compiled code does not check bounds: a short array reads garbage
        raise ValueError("line_day needs one uniform per crosser, carried crossers included")
    n_strata = quantiles.shape[0]
    horizon_min = booths_by_hour.shape[0] * 60.0
    arrival = np.empty(n + 1)
    arrival[n] = UNSERVED  # a last 'crosser' who never comes: reaching it settles the referred left
    # Today's arrivals, already sorted: normalised cumulative exponential spacings are sorted
    # uniforms; each maps through the inverse of the piecewise-linear cumulative profile
    # (uniform within an hour) to minutes.
    scale = 1.0 / spacings.sum()
    acc = 0.0
    h = 0
    lo, hi = cdf_by_hour[0], cdf_by_hour[1]
    per_u_min = 60.0 / (hi - lo) if hi > lo else 0.0  # minutes per unit of the cumulative profile
    for i in range(n_carry, n):
        acc += spacings[i - n_carry]
        u = acc * scale
        if u > hi and h < 23:  # into a later hour: a few times a day
            while h < 23 and cdf_by_hour[h + 1] < u:
                h += 1
            lo, hi = cdf_by_hour[h], cdf_by_hour[h + 1]
            per_u_min = 60.0 / (hi - lo) if hi > lo else 0.0
        arrival[i] = h * 60.0 + (min(60.0, (u - lo) * per_u_min) if per_u_min > 0 else 30.0)
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
    referred = np.zeros(n, dtype=np.bool_)
    secondary = np.zeros(n)
    for i in range(n):
        scaled = uniforms[i] * n_strata
        service[i] = mean_min * quantiles[int(scaled)]
        u = scaled - int(scaled)  # the digits below the stratum: uniform again
        if u < secondary_share:
            # Given a referral, u / share is again uniform: it picks the secondary time.
            referred[i] = True
            secondary[i] = secondary_mean_min * secondary_quantiles[min(int(u / secondary_share * n_strata),
                                                                        n_strata - 1)]
    # The queue and the day's statistics in one pass (tandem_in_order's rule, crosser by
    # crosser): each crosser's primary start, booth release and dock start are known as soon as
    # it is queued, so its waits are counted there and then, and no start time is stored.
    n_bins = 4096
    port_bin = 4.0 * bin_min
    if hist is None:
        hist = np.zeros(n_bins, dtype=np.int64)
    if port_hist is None:
        port_hist = np.zeros(n_bins, dtype=np.int64)
    if released_by_hour is None:
        released_by_hour = np.zeros(24)
    if wait_by_hour_min is None:
        wait_by_hour_min = np.zeros(24)
    if time_in_port_by_hour_min is None:
        time_in_port_by_hour_min = np.zeros(24)
    by_hour, port_by_hour = wait_by_hour_min, time_in_port_by_hour_min
    by_hour_n = np.zeros(24)
    port_by_hour_n = np.zeros(24)
    wait_total = inspect = secondary_wait = blocked = port_total = 0.0
    max_wait = max_port = 0.0
    n_released = n_referred = 0
    n_lot = in_lot_min.shape[0]
    left_in_lot = np.empty(n_lot + n)
    left_in_lot_secondary = np.empty(n_lot + n)
    n_left_in_lot = 0
    change_hour, free = _changes_and_free_times(booths_by_hour)
    size, k = 0, 0
    next_change_min = _change_min(change_hour, 0)
    sequence, dock_change_hour, dock_free, dock_size, dock_k, last_start = _lot_at_dawn(
        in_lot_secondary_min, n, docks_by_hour)
    for r in range(n_lot):  # those left in the lot overnight: released today, or still there
        g = sequence[r]
        if g < UNSERVED:
            secondary_wait += g
            inspect += in_lot_secondary_min[r]
            t = in_lot_min[r] + g + in_lot_secondary_min[r]
            released_by_hour[min(23, int((g + in_lot_secondary_min[r]) * (1.0 / 60.0)))] += 1.0
            port_total += t
            max_port = max(max_port, t)
            port_hist[min(int(t / port_bin), n_bins - 1)] += 1
            n_released += 1
        else:
            secondary_wait += horizon_min
            left_in_lot[n_left_in_lot] = in_lot_min[r] + horizon_min
            left_in_lot_secondary[n_left_in_lot] = in_lot_secondary_min[r]
            n_left_in_lot += 1
    n_seq = n_lot
    n_served = 0
    pending_done = np.empty(n)
    pending_who = np.empty(n, dtype=np.int64)
    head = tail = 0
    next_event = next_change_min
    # Arrivals are sorted, so the hour only moves forward: each hour's sums are kept in
    # registers and written when it ends, and the many crossers in the first bin of a
    # histogram are counted apart (a memory add per crosser would chain the loop). The
    # referred are counted out of line order, when they are settled, straight into the arrays.
    hour, hour_wait, hour_n, hour_port, hour_port_n = 0, 0.0, 0.0, 0.0, 0.0
    first_bin = port_first_bin = 0
    per_bin, per_port_bin = 1.0 / bin_min, 1.0 / port_bin
    for i in range(n + 1):
        s = max(arrival[i], free[0])  # free[0] is inf while no booth is staffed
        while s >= next_event and next_event < UNSERVED:
            # In time order, before crosser i starts: the referred leaving primary, whose place in
            # the secondary sequence is now known (nobody still to start can finish before
            # them), and the staffing changes.
            if head < tail and pending_done[head] <= next_change_min:
                j, done = pending_who[head], pending_done[head]
                head += 1
                g, leave, dock_size, dock_k, last_start = _settle(
                    done, secondary[j], sequence, n_seq, lot_places, dock_free, dock_size, dock_k, dock_change_hour,
                    docks_by_hour, last_start, free, size)
                n_seq += 1
                prior = carried_wait_min[j] if j < n_carry else 0.0
                # An inspection underway at closing may end after midnight (done > horizon): the
                # crosser then waits for a dock from tomorrow, and nothing before.
                blocked += max(0.0, min(leave, horizon_min) - done)
                if g >= UNSERVED:  # still in the lot (or at its booth) tonight
                    secondary_wait += max(0.0, horizon_min - done)
                    left_in_lot[n_left_in_lot] = horizon_min - arrival[j] + prior
                    left_in_lot_secondary[n_left_in_lot] = secondary[j]
                    n_left_in_lot += 1
                else:
                    secondary_wait += g - done
                    inspect += secondary[j]
                    release = g + secondary[j]
                    t = release - arrival[j] + prior
                    released_by_hour[min(23, int(release * (1.0 / 60.0)))] += 1.0
                    max_port = max(max_port, t)
                    port_hist[min(int(t * per_port_bin), n_bins - 1)] += 1
                    h = min(23, int(arrival[j] * (1.0 / 60.0)))
                    port_by_hour[h] += t
                    port_by_hour_n[h] += 1.0
            else:
                h = change_hour[k]
                size = _restaff(free, size, _booths_in(booths_by_hour, h), h * 60.0)
                k += 1
                next_change_min = _change_min(change_hour, k)
            next_event = min(next_change_min, pending_done[head]) if head < tail else next_change_min
            s = max(arrival[i], free[0])
        if s >= UNSERVED:
            break  # first come, first served: everyone behind waits for tomorrow too
        n_served += 1
        prior = carried_wait_min[i] if i < n_carry else 0.0
        w = s - arrival[i] + prior
        max_wait = max(max_wait, w)
        h = min(23, int(arrival[i] * (1.0 / 60.0)))  # arrival >= 0: truncation is floor
        if h != hour:
            by_hour[hour], by_hour_n[hour] = hour_wait, hour_n
            port_by_hour[hour] += hour_port
            port_by_hour_n[hour] += hour_port_n
            hour, hour_wait, hour_n, hour_port, hour_port_n = h, 0.0, 0.0, 0.0, 0.0
        hour_wait += w
        hour_n += 1.0
        b = min(int(w * per_bin), n_bins - 1)
        if b == 0:
            first_bin += 1
        else:
            hist[b] += 1
        inspect += service[i]
        done = s + service[i]
        _take_first_free(free, size, done)  # a referred crosser's booth counts as free at `done` until settled
        if referred[i]:
            n_referred += 1
            tail = _await_settling(pending_done, pending_who, head, tail, done, i)
            next_event = min(next_event, done)
            continue
        t = done - arrival[i] + prior
        released_by_hour[min(23, int(done * (1.0 / 60.0)))] += 1.0
        max_port = max(max_port, t)
        b = min(int(t * per_port_bin), n_bins - 1)
        if b == 0:
            port_first_bin += 1
        else:
            port_hist[b] += 1
        hour_port += t
        hour_port_n += 1.0
    by_hour[hour], by_hour_n[hour] = hour_wait, hour_n
    port_by_hour[hour] += hour_port
    port_by_hour_n[hour] += hour_port_n
    hist[0] += first_bin
    port_hist[0] += port_first_bin
    for h in range(24):
        wait_total += by_hour[h]
        port_total += port_by_hour[h]
        n_released += int(port_by_hour_n[h])
    n_left = n - n_served
    tomorrow = np.empty(n_left + 2 * n_left_in_lot)
    for i in range(n_served, n):
        prior = carried_wait_min[i] if i < n_carry else 0.0
        tomorrow[i - n_served] = prior + max(0.0, last_open - arrival[i])
    tomorrow[n_left:n_left + n_left_in_lot] = left_in_lot[:n_left_in_lot]
    tomorrow[n_left + n_left_in_lot:] = left_in_lot_secondary[:n_left_in_lot]
    mean = wait_total / n_served if n_served else 0.0
    p95 = _p95(hist, n_served, bin_min, max_wait)
    port_mean = port_total / n_released if n_released else 0.0
    port_p95 = _p95(port_hist, n_released, port_bin, max_port)
    hist[:min(n_bins, int(max_wait / bin_min) + 2)] = 0  # no value lies in a bin above these
    port_hist[:min(n_bins, int(max_port / port_bin) + 2)] = 0
    for h in range(24):
        by_hour[h] = by_hour[h] / by_hour_n[h] if by_hour_n[h] > 0 else mean
        port_by_hour[h] = port_by_hour[h] / port_by_hour_n[h] if port_by_hour_n[h] > 0 else port_mean
    return (n_served, mean, p95, wait_total, inspect, secondary_wait, blocked, n_referred, n_released, port_mean,
            port_p95, tomorrow, n_left_in_lot)


def split_tomorrow(packed, n_in_lot):
    """`line_day`'s tomorrow split: (minutes waited by those still in line, time in port so far of
    those in the lot, their secondary minutes), views of the one array.
    """
    in_line = packed.shape[0] - 2 * n_in_lot
    return packed[:in_line], packed[in_line:in_line + n_in_lot], packed[in_line + n_in_lot:]
