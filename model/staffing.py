"""Officers on duty staff the booths: by port, shift and hour, as CBP assigns them.

A port does not staff every lane every hour. It has a number of officers on duty at primary
inspection in each shift, and it puts them where the lines are (CBP staffs booths from the
officers on duty; the 28 Jan 2026 snapshot at Calexico West had one general lane open of
eight, at 75 min, while five Ready and three SENTRI lanes were open: unotv.com). The rule, each
hour, for each pool of officers that the lines of one port share:

1. Every open line gets one booth (each lane class stays open while the port is), the most
   favoured lines first.
2. Each further officer opens a booth at the line with the highest priority-weighted work per
   booth, as long as the line has a lane without an officer. A line's work in an hour is the
   hour's expected arrivals and the line already waiting (Little's law: arrivals x expected
   wait / 60 more crossers), times the primary minutes: a long line draws officers, so a line
   that lost booths and grew gets them back, and crossers who left a long line do not take its
   officers with them. The weights are CBP's priorities: trusted travellers (SENTRI; Ready and
   FAST) are kept faster than the general lanes (CBP's goal is a Ready wait about half the
   general lane's, CBP wait-times help text); pedestrians weigh as general lanes (no stated
   priority). The weights and the officers on duty are fitted to the waits crossers report
   (calexico calibrate).
3. When every lane of the pool is staffed, the officers left do other work: no booth ever
   opens on a lane that does not exist (`lines.*.booths` is the number of lanes built).

The officers present vary from day to day (leave, training, court, details elsewhere): each
day each pool has its budget times a factor drawn uniformly within +-`officers.daily_variation`
(a draw of its own for each seed and date, the same in every scenario and however often the
day is planned: `Staffing.presence_draws`), so a port's waits respond to its officers smoothly
on average, as a port's do over a year, not by whole booths.

The port plans each weekday from the arrivals and waits it has seen on that weekday
(exponential smoothing: CBP staffs to its historical traffic patterns), so a line that grows
gets more booths within the officers on duty, and moving officers moves waits. Secondary docks are
staffed apart (their count is the line's docks, scaled with the pool's officers).

The passenger pools staff to the line through the day (`staff_to_the_line`): CBP opens
"all available lanes as needed" and lanes "commensurate with traffic flow" (CBP Laredo Field
Office, 16 Mar 2016), and moved officers from other work to primary at the peak (CBP El Paso,
20 Dec 2012). Hour by hour the rule above places the officers on duty by the work in front of
each line: the hour's arrivals and the crossers still in line (a fluid queue, carried from
hour to hour and from the night before), so a line that grows draws officers the same hour.
The general and Ready lanes of a port are one set of lanes whose signs the port switches
(`SHARED_LANES`: "we can easily change the LED signage which advise drivers what type of
traffic each lane processes", CBP El Paso, 17 Apr 2018; pipe gates "to direct traffic into
expanded Ready Lanes" at the peak, CBP El Paso, 2017): either class may use a lane of the
other, never more than the two have together. SENTRI lanes are segregated and stay their own.
The cargo pool keeps the weekday plan: the trucks' hours and counts are known from the
dispatch, and a commercial lane is not re-signed.

The Mexican customs' lines (export and southbound) have no CBP officers: their booths stay
every lane in their open hours, as before.
"""

import datetime as dt

import numpy as np
from numba import njit

# Which lines each pool of officers staffs (a port's lines that share officers).
POOLS = {
    "west_passenger": ("west_pov_sentri", "west_pov_ready", "west_pov_general", "west_pedestrian"),
    "east_passenger": ("east_pov_sentri", "east_pov_ready", "east_pov_general", "east_pedestrian"),
    "east_cargo": ("east_commercial_fast", "east_commercial_standard", "east_commercial_empty"),
}
# The day shift 05:00-22:00 starts with the morning rush (CBP: heaviest 05:00-09:00); the night
# shift has the other hours (assumption: CBP publishes no shift times by port).
DAY_SHIFT = (5, 22)
# The pools that staff to the line within the day (the rest keep the weekday plan).
STAFFED_TO_THE_LINE = ("west_passenger", "east_passenger")
# Lines whose lanes are one set, re-signed between them as the lines need (see the docstring).
SHARED_LANES = (("west_pov_general", "west_pov_ready"), ("east_pov_general", "east_pov_ready"))
PRESENCE_EPOCH = dt.date(1970, 1, 1)  # the first day of the officers' presence stream


def priority(line: str, params: dict) -> float:
    """The weight a line's load per booth carries when officers are placed."""
    if "sentri" in line:
        return params["officers.sentri_priority"]
    if "ready" in line or line.endswith("commercial_fast"):
        return params["officers.trusted_priority"]
    return 1.0


@njit(cache=True)
def spread(budget: float, hours: np.ndarray) -> np.ndarray:
    """Whole officers in each of the given hours, a fractional budget spread evenly.

    Officers come whole: 7.4 officers over 16 hours are 7 in most hours and 8 in 40% of them,
    spaced through the shift, so a 30% cut is a 30% cut in officer-hours. (Compiled: the port
    plans every day.)
    """
    out = np.zeros(24, dtype=np.int64)
    if hours.size and budget > 0:
        whole = np.floor(budget + 1e-9)
        frac = budget - whole
        for k in range(hours.size):
            out[hours[k]] = int(whole) + int(np.round((k + 1) * frac) - np.round(k * frac))
    return out


_HOURS = np.arange(24)
_DAY = (_HOURS >= DAY_SHIFT[0]) & (_HOURS < DAY_SHIFT[1])
_DAY_HOURS, _NIGHT_HOURS = np.flatnonzero(_DAY), np.flatnonzero(~_DAY)


def budgets(pool: str, params: dict) -> tuple[float, float]:
    """A pool's officers on duty by day and by night (a port open only by day has one budget)."""
    by_day = params[f"officers.{pool}_day"]
    return by_day, params.get(f"officers.{pool}_night", by_day)


@njit(cache=True)
def _shifts(by_day: float, by_night: float) -> np.ndarray:
    """Whole officers in each hour: the day shift's budget over its hours, the night's over the rest."""
    return spread(by_day, _DAY_HOURS) + spread(by_night, _NIGHT_HOURS)


@njit(cache=True)
def staff_to_the_line(officers, lanes, arrivals, primary_min, waiting, weight, shared):
    """Booths by line and hour, each hour's officers placed by the work in front of each line.

    The rule of `allocate`, where a line's work in an hour is the hour's arrivals and the
    crossers still in line, times its primary minutes, and the line left at the end of the hour
    is the next hour's (a fluid queue: served at the staffed booths' rate).

    Args:
        officers: (24,) officers on duty at primary each hour.
        lanes: (lines, 24) lanes open each hour (0 where the line is closed).
        arrivals: (lines, 24) crossers expected to join each line in each hour today.
        primary_min: (lines,) primary minutes a crosser.
        waiting: (lines,) crossers in line at midnight (carried from the day before).
        weight: (lines,) priorities, the lines in order of favour (first = most favoured).
        shared: (lines,) the set of lanes each line draws on: lines with the same number share
            their lanes (the general and Ready lanes), the others have their own.

    Returns:
        (lines, 24) booths staffed: within the officers, within the lanes of each set.

    """
    n_lines = lanes.shape[0]
    booths = np.zeros((n_lines, 24), dtype=np.int64)
    queue = waiting.astype(np.float64).copy()
    rate = 60.0 / np.maximum(primary_min, 1e-6)  # crossers a booth serves an hour
    for h in range(24):
        room = np.zeros(n_lines, dtype=np.int64)  # lanes of each set not yet staffed
        for i in range(n_lines):
            room[shared[i]] += lanes[i, h]
        left = officers[h]
        for i in range(n_lines):
            if left > 0 and lanes[i, h] > 0 and room[shared[i]] > 0:
                booths[i, h] = 1
                room[shared[i]] -= 1
                left -= 1
        while left > 0:
            best, best_value = -1, 0.0
            for i in range(n_lines):
                if booths[i, h] > 0 and room[shared[i]] > 0:
                    value = weight[i] * (arrivals[i, h] + queue[i]) / rate[i] / booths[i, h]
                    if value > best_value:
                        best, best_value = i, value
            if best < 0:
                break
            booths[best, h] += 1
            room[shared[best]] -= 1
            left -= 1
        for i in range(n_lines):
            queue[i] = max(0.0, queue[i] + arrivals[i, h] - booths[i, h] * rate[i])
    return booths


@njit(cache=True)
def allocate(officers, lanes, load, weight):
    """Booths staffed by line and hour: the rule in the module docstring.

    Args:
        officers: (24,) officers on duty at primary each hour.
        lanes: (lines, 24) lanes open each hour (0 where the line is closed).
        load: (lines, 24) expected arrivals x primary minutes / 60 (erlangs), >= 0.
        weight: (lines,) priorities, the lines in order of favour (first = most favoured).

    Returns:
        (lines, 24) booths staffed.

    """
    n_lines = lanes.shape[0]
    booths = np.zeros((n_lines, 24), dtype=np.int64)
    for h in range(24):
        left = officers[h]
        for i in range(n_lines):
            if left > 0 and lanes[i, h] > 0:
                booths[i, h] = 1
                left -= 1
        while left > 0:
            best, best_value = -1, 0.0
            for i in range(n_lines):
                if 0 < booths[i, h] < lanes[i, h]:
                    value = weight[i] * load[i, h] / booths[i, h]
                    if value > best_value:
                        best, best_value = i, value
            if best < 0:
                break
            booths[best, h] += 1
            left -= 1
    return booths


class Staffing:
    """The port's officers and how it places them: one plan per day, from the weekday's traffic."""

    def __init__(self, lines, params: dict, seed: int = 0):
        index = {line.name: line.index for line in lines}
        self.pools = {pool: np.array([index[name] for name in names]) for pool, names in POOLS.items()}
        # Each pool's lines by the set of lanes they draw on (a line's own number, or its partner's).
        partner = {b: a for a, b in SHARED_LANES}
        self.shared = {pool: np.array([names.index(partner.get(name, name)) for name in names])
                       for pool, names in POOLS.items()}
        self.seed = seed
        self._presence = np.zeros((0, len(POOLS)))  # officers' presence draws by day since PRESENCE_EPOCH
        # Arrivals and waits expected at each line and hour, by weekday (NaN until a weekday is seen).
        self.expected_arrivals = np.full((7, len(lines), 24), np.nan)
        self.expected_wait_min = np.zeros((7, len(lines), 24))
        self.last_weekday_seen = None  # the weekday of the latest day learned
        self.configure(lines, params)

    def configure(self, lines, params: dict):
        """Take new budgets and priorities (the hindcast's dated changes); what the port expects stays."""
        self.weight = {pool: np.array([priority(lines[i].name, params) for i in idx])
                       for pool, idx in self.pools.items()}
        self.budgets = {pool: budgets(pool, params) for pool in self.pools}
        self.factor = params["port.staffing_share"]
        self.variation = params["officers.daily_variation"]

    def officers(self, pool: str, factor: float, present: float) -> np.ndarray:
        """Officers on duty by hour: the budget, the staffing factors and who is present today."""
        by_day, by_night = self.budgets[pool]
        scale = self.factor * factor * present
        return _shifts(by_day * scale, by_night * scale)

    def staff(self, day: dt.date, lanes: list, primary_min: list, factors: dict,
              plan_passengers: bool = True) -> np.ndarray:
        """Booths by hour of every line today, (lines, 24): pools by the rule, other lines every open lane.

        Args:
            day: the date (its weekday sets the plan; the date, who is present).
            lanes: each line's lanes open by hour today (0 where closed).
            primary_min: each line's primary minutes today (events may change them).
            factors: staffing-event factor on each pool's officers today.
            plan_passengers: plan the passenger pools from the weekday's traffic too. The day
                re-staffs them by its own lines (`staff_to_the_lines`) before anything reads
                their rows, so the model's step skips the plan; without it their rows are lanes.

        """
        booths = np.array(lanes)  # the pools' rows are replaced by the rule's
        present = self.present(day)
        plan = day.weekday()
        if np.isnan(self.expected_arrivals[plan, 0, 0]):  # a weekday never seen: the latest seen, or the lanes
            plan = self.last_weekday_seen
        if plan is None:
            load = booths.astype(float)
        else:  # every line's load at once: the pools take their rows
            expected = self.expected_arrivals[plan] * (1.0 + self.expected_wait_min[plan] / 60.0)
            load = expected * np.array(primary_min)[:, None] / 60.0
        for (pool, idx), here in zip(self.pools.items(), present, strict=True):
            if pool not in STAFFED_TO_THE_LINE:
                booths[idx] = allocate(self.officers(pool, factors.get(pool, 1.0), here), booths[idx], load[idx],
                                       self.weight[pool])
            elif plan_passengers:  # a first plan from the weekday's traffic (staff_to_the_lines re-staffs)
                arrivals = booths[idx].astype(float) if plan is None else self.expected_arrivals[plan][idx]
                booths[idx] = staff_to_the_line(self.officers(pool, factors.get(pool, 1.0), here), booths[idx],
                                                arrivals, np.asarray(primary_min, dtype=float)[idx],
                                                np.zeros(idx.size), self.weight[pool], self.shared[pool])
        return booths

    def staff_to_the_lines(self, day: dt.date, booths: np.ndarray, lanes: list, arrivals: np.ndarray,
                           primary_min: list, waiting: np.ndarray, factors: dict):
        """Re-staff the passenger pools by today's lines, hour by hour (`staff_to_the_line`), in place.

        Args:
            day: the date (who is present).
            booths: (lines, 24) the day's booths; the passenger pools' rows are replaced.
            lanes: each line's lanes open by hour today.
            arrivals: (lines, 24) crossers expected at each line and hour today.
            primary_min: each line's primary minutes today.
            waiting: (lines,) crossers in line at midnight.
            factors: staffing-event factor on each pool's officers today.

        """
        present = self.present(day)
        minutes = np.asarray(primary_min, dtype=float)
        for k, (pool, idx) in enumerate(self.pools.items()):
            if pool in STAFFED_TO_THE_LINE:
                booths[idx] = staff_to_the_line(
                    self.officers(pool, factors.get(pool, 1.0), present[k]), np.array([lanes[i] for i in idx]),
                    arrivals[idx], minutes[idx], waiting[idx], self.weight[pool], self.shared[pool])
        return booths

    def present(self, day: dt.date) -> np.ndarray:
        """The share of each pool's budgeted officers present today."""
        return 1.0 + self.variation * self.presence_draws(day)

    def presence_draws(self, day: dt.date) -> np.ndarray:
        """Today's draw in [-1, 1) for each pool: row `day - PRESENCE_EPOCH` of one stream of the
        seed's, so a date has the same draw in every scenario and however often it is planned
        (the stream is drawn again, longer, when a later day asks: its rows stay the same).
        """
        k = (day - PRESENCE_EPOCH).days
        if k < 0:  # before the stream's first day: a generator of the date's own (slower, as good)
            return np.random.default_rng([self.seed, 9, day.toordinal()]).uniform(-1.0, 1.0, size=len(self.pools))
        if k >= self._presence.shape[0]:
            rows = k + 1 + 366
            self._presence = np.random.default_rng([self.seed, 9]).uniform(-1.0, 1.0, size=(rows, len(self.pools)))
        return self._presence[k]

    def learn(self, weekday: int, arrivals_by_hour: np.ndarray, wait_by_hour_min: np.ndarray, weight: float):
        """Today's arrivals and waits move the expectations for this weekday (the first day sets them)."""
        self.last_weekday_seen = weekday
        expected, waits = self.expected_arrivals[weekday], self.expected_wait_min[weekday]
        if np.isnan(expected).all():
            expected[:], waits[:] = arrivals_by_hour, wait_by_hour_min
        else:
            expected += weight * (arrivals_by_hour - expected)
            waits += weight * (wait_by_hour_min - waits)
