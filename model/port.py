"""Ports of entry: lines of crossers, booths staffed by hour, primary and secondary inspection.

A line is one lane class at one port and direction (commercial standard, FAST, empty;
passenger general, Ready, SENTRI; pedestrian). Each day its crossers arrive by an hourly
profile, wait for the first free staffed booth (first come, first served), may be referred
to secondary inspection, and whoever is still in line at closing waits for the morning.
Secondary is a queue of its own: docks staffed by the hour and a lot of limited size; when
the lot is full a referred crosser holds its primary booth, and whoever is still in the lot
at the end of the day is inspected the next day.

Two waits come out of a line, and both are reported: the wait to reach primary (CBP's
definition, what its wait-time feed shows) and the time in port (joining the line to release,
secondary included for those referred), which is what crossers live and decide on.
The queue itself is `queue_kernel`; this module gives it the port's hours, booths and events.
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import ndtri

from model.queue_kernel import line_day, split_tomorrow

SECONDARY_CV = 0.5  # spread of secondary inspection times (assumption: no source)
DAY_TYPES = ("weekday", "weekday", "weekday", "weekday", "weekday", "saturday", "sunday")


def hours_group(line: str) -> str:
    """Which operating hours a line keeps."""
    if "mx_export" in line:
        return "mx_export"
    if "commercial" in line:
        return "east_commercial"
    return "east_passenger" if line.startswith("east") else "west"


def port_of(line: str) -> str:
    """The port a line belongs to."""
    return "calexico_east" if line.startswith("east") else "calexico_west"


@dataclass(slots=True)
class LineDay:
    """What one line did in one day."""

    arrivals: int
    served: int
    wait_mean_min: float
    wait_p95_min: float
    queue_at_close: int
    wait_hours: float
    secondary_wait_hours: float
    inspection_hours: float
    wait_by_hour_min: np.ndarray
    referred: int = 0
    released: int = 0
    time_in_port_mean_min: float = 0.0
    time_in_port_p95_min: float = 0.0
    time_in_port_by_hour_min: np.ndarray | None = None
    blocked_booth_hours: float = 0.0
    in_lot_at_close: int = 0
    released_by_hour: np.ndarray | None = None


class Line:
    """One lane class at one port: its booths, hours, inspection times and carried queue."""

    def __init__(self, name: str, index: int, params: dict):
        self.name = name
        self.index = index
        self.port = port_of(name)
        # Trucks' lines: CBP's commercial lanes and the Mexican export customs before them.
        self.commercial = "commercial" in name or "mx_export" in name
        prefix = f"lines.{name}."
        self.booths = params[prefix + "booths"]
        self.primary_min = params[prefix + "primary_min"]
        self.primary_cv = params[prefix + "primary_cv"]
        self.secondary_share = params[prefix + "secondary_share"]
        self.secondary_min = params[prefix + "secondary_min"]
        self.secondary_booths = params[prefix + "secondary_booths"]
        self.lot_places = params[prefix + "lot_places"]
        self.secondary_extra_hours = params["port.secondary_hours_after_close"]
        hours = f"hours.{hours_group(name)}."
        self.hours = {
            day_type: (params[f"{hours}{day_type}_open"], params[f"{hours}{day_type}_close"])
            for day_type in ("weekday", "saturday", "sunday")
        }
        self.carried_wait_min = np.zeros(0)
        self.in_lot_min = np.zeros(0)  # time in port so far of referred crossers still in the lot
        self.in_lot_service_min = np.zeros(0)
        self._booths_cache = {}
        self._docks_cache = {}
        self._quantiles = _standard_quantiles(self.primary_cv)
        self._secondary_quantiles = _standard_quantiles(SECONDARY_CV)
        # Work space the kernel reuses every day: its histograms and the day's draws.
        self._hist = np.zeros(4096, dtype=np.int64)
        self._port_hist = np.zeros(4096, dtype=np.int64)
        self._draws = np.empty(0)

    def configure(self, params: dict):
        """Take new booths, hours and inspection times mid-run (the hindcast's dated changes);
        the crossers in line and in the lot stay.
        """
        state = (self.carried_wait_min, self.in_lot_min, self.in_lot_service_min)
        self.__init__(self.name, self.index, params)
        self.carried_wait_min, self.in_lot_min, self.in_lot_service_min = state

    def open_mask(self, weekday: int) -> np.ndarray:
        """Hours of the day the line is open (booleans, 24)."""
        start, end = self.hours[DAY_TYPES[weekday]]
        hours = np.arange(24)
        return (hours >= start) & (hours < end)

    def booths_by_hour(self, weekday: int, staffing: float, closed: bool) -> np.ndarray:
        """Booths staffed in each hour of the day (a shared, read-only array).

        A fractional staffing (3.0 booths at 70% is 2.1) staffs the extra booth for that
        fraction of the open hours, spread evenly through the day, so a 30% cut is a 30% cut
        on every line. A staffing above 1 staffs every lane, and no more: a booth needs a lane.
        """
        key = (DAY_TYPES[weekday], staffing, closed)
        booths = self._booths_cache.get(key)
        if booths is None:
            open_hours = np.flatnonzero(self.open_mask(weekday))
            booths = np.zeros(24, dtype=np.int64)
            if not closed and open_hours.size:
                staffed = self.booths * min(staffing, 1.0)
                whole, frac = int(np.floor(staffed + 1e-9)), staffed - np.floor(staffed + 1e-9)
                k = np.arange(open_hours.size)
                extra = np.round((k + 1) * frac) - np.round(k * frac)
                booths[open_hours] = whole + extra.astype(np.int64)
            booths.flags.writeable = False
            self._booths_cache[key] = booths
        return booths

    def docks_by_hour(self, weekday: int, staffing: float) -> np.ndarray:
        """Secondary docks staffed in each hour (a shared, read-only array).

        Docks are staffed from the line's opening until `port.secondary_hours_after_close`
        after its closing (to clear the trucks referred late), scaled by staffing like the
        booths, at least one and never more than the docks built; a closure of the lanes does not
        send the secondary officers home.
        """
        key = (DAY_TYPES[weekday], staffing)
        docks = self._docks_cache.get(key)
        if docks is None:
            open_hours = np.flatnonzero(self.open_mask(weekday))
            docks = np.zeros(24, dtype=np.int64)
            if open_hours.size:
                last = min(24, open_hours[-1] + 1 + int(self.secondary_extra_hours))
                docks[open_hours[0]:last] = max(1, min(self.secondary_booths,
                                                       int(round(self.secondary_booths * staffing))))
            docks.flags.writeable = False
            self._docks_cache[key] = docks
        return docks

    def serve_day(self, n_new: int, cdf_by_hour: np.ndarray, booths_by_hour: np.ndarray,
                  primary_min: float, secondary_share: float, rng: np.random.Generator,
                  waiting: bool = True, docks_by_hour: np.ndarray | None = None,
                  by_hour: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> LineDay:
        """Run the line through one day.

        Args:
            n_new: crossers arriving today.
            cdf_by_hour: cumulative arrival profile over the day's hours (25 values).
            booths_by_hour: booths staffed each hour.
            primary_min: mean primary inspection minutes today (events may change it).
            secondary_share: share referred to secondary today.
            rng: this line's random stream for today (common random numbers across scenarios).
            waiting: False for the no-delay counterfactual (no line, inspection still takes time).
            docks_by_hour: secondary docks staffed each hour (default: `docks_by_hour` on a
                weekday at full staffing).
            by_hour: three zeroed arrays of 24 where the day's figures by hour go (wait, time in
                port, releases), rows of the day's table of every line, so that the line makes
                no array of its own for them (default: new ones).

        """
        wait_by_hour, port_by_hour, released_by_hour = (np.zeros(24), np.zeros(24), np.zeros(24)) \
            if by_hour is None else by_hour
        n_carry = self.carried_wait_min.shape[0]
        n = n_carry + n_new
        if not waiting:
            # Nobody waits, for a booth or a dock; each crosser's inspections still take their time.
            self.carried_wait_min = np.zeros(0)
            in_port_min = primary_min + secondary_share * self.secondary_min
            port_by_hour[:] = in_port_min
            released_by_hour[:] = n * np.diff(cdf_by_hour)
            return LineDay(n_new, n, 0.0, 0.0, 0, 0.0, 0.0, n * in_port_min / 60.0, wait_by_hour,
                           referred=int(round(n * secondary_share)), released=n,
                           time_in_port_mean_min=in_port_min, time_in_port_p95_min=in_port_min,
                           time_in_port_by_hour_min=port_by_hour, released_by_hour=released_by_hour)
        if docks_by_hour is None:
            docks_by_hour = self.docks_by_hour(0, 1.0)
        if self._draws.shape[0] < 2 * n + 1:
            self._draws = np.empty(2 * (2 * n + 1))
        spacings = rng.standard_exponential(out=self._draws[:n_new + 1])
        uniforms = rng.random(out=self._draws[n_new + 1:n_new + 1 + n])
        (served, mean, p95_min, wait_min, inspect_min, sec_wait_min, blocked_min, referred, released, port_mean,
         port_p95, packed, n_in_lot) = line_day(
            spacings, uniforms, self._quantiles, primary_min, self.carried_wait_min, cdf_by_hour, booths_by_hour,
            secondary_share, self._secondary_quantiles, self.secondary_min, docks_by_hour, self.lot_places,
            self.in_lot_min, self.in_lot_service_min, 0.5, self._hist, self._port_hist, released_by_hour,
            wait_by_hour, port_by_hour)
        left, in_lot, in_lot_service = split_tomorrow(packed, n_in_lot)
        self.carried_wait_min = left
        self.in_lot_min, self.in_lot_service_min = in_lot, in_lot_service
        return LineDay(
            arrivals=n_new,
            served=served,
            wait_mean_min=mean,
            wait_p95_min=p95_min,
            queue_at_close=left.shape[0],
            wait_hours=wait_min / 60.0,
            secondary_wait_hours=sec_wait_min / 60.0,
            inspection_hours=inspect_min / 60.0,
            wait_by_hour_min=wait_by_hour,
            referred=referred,
            released=released,
            time_in_port_mean_min=port_mean,
            time_in_port_p95_min=port_p95,
            time_in_port_by_hour_min=port_by_hour,
            blocked_booth_hours=blocked_min / 60.0,
            in_lot_at_close=in_lot.shape[0],
            released_by_hour=released_by_hour,
        )


def lines_on(lines: list, weekday: int, events: list, pool_of: dict, staffing_share: float) -> dict:
    """Each line's lanes and docks (and their hours), inspection minutes and referral share on such
    a day with these events on, and the staffing events' factors on each pool of CBP officers.

    Args:
        lines: the model's lines, in order.
        weekday: the day of the week (0 = Monday).
        events: the `parameters.Event`s in force.
        pool_of: line name -> its pool of CBP officers (Mexican customs' lines have none).
        staffing_share: `port.staffing_share`, the factor on every pool's docks.

    """
    today = {"lanes": [], "docks": [], "primary_min": [], "secondary_share": [], "officer_factors": {}}
    for line in lines:
        factor, primary, share, closed = 1.0, line.primary_min, line.secondary_share, False
        for event in events:
            if line.name in event.lines:
                if event.kind == "closure":
                    closed = True
                elif event.kind == "staffing":
                    factor *= event.factor
                elif event.kind == "primary_factor":
                    primary *= event.factor
                elif event.kind == "secondary_share":
                    share = event.value
        if line.name not in pool_of:  # Mexican customs: every lane staffed, events scale the booths
            today["lanes"].append(line.booths_by_hour(weekday, factor, closed))
            today["docks"].append(line.docks_by_hour(weekday, factor))
        else:  # CBP: a staffing event moves the pool's officers (below); the lanes stay built
            today["lanes"].append(line.booths_by_hour(weekday, 1.0, closed))
            today["docks"].append(line.docks_by_hour(weekday, staffing_share * factor))
        today["primary_min"].append(primary)
        today["secondary_share"].append(share)
    # Each staffing event in force moves the officers of every pool whose lines it names, once
    # (an event naming all three cargo lines is one move of the cargo officers, not three).
    for event in events:
        if event.kind == "staffing":
            for pool in {pool_of[name] for name in event.lines if name in pool_of}:
                today["officer_factors"][pool] = today["officer_factors"].get(pool, 1.0) * event.factor
    today["open"] = np.array([lanes.sum() > 0 for lanes in today["lanes"]], dtype=float)
    today["dock_hours"] = [d.sum() for d in today["docks"]]
    # The hours trucks arrive at each line: a commercial line's open hours.
    commercial = np.array([line.commercial for line in lines])
    today["truck_hours"] = commercial[:, None] & (np.array(today["lanes"]) > 0)
    return today


_STRATA = 4096


@lru_cache(maxsize=64)
def _standard_quantiles(cv: float) -> np.ndarray:
    """A mean-1 inspection-time distribution at the midpoints of 4,096 equal-probability strata.

    Exponential when cv is 1 (the M/M/c case), constant when cv is 0, lognormal otherwise.
    Drawing a stratum and reading its quantile is several times cheaper than drawing from the
    distribution, and with 4,096 strata the mean and spread match to within about 1%.
    """
    probs = (np.arange(_STRATA) + 0.5) / _STRATA
    if cv <= 0:
        q = np.ones(_STRATA)
    elif cv == 1.0:
        q = -np.log1p(-probs)
    else:
        sigma2 = np.log1p(cv * cv)
        q = np.exp(-0.5 * sigma2 + np.sqrt(sigma2) * ndtri(probs))
    return q / q.mean()
