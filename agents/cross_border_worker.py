"""Commuters who live in Mexicali and work in Imperial County.

Why a table behind the agents: a 1:1 run has one agent per commuter, tens of thousands of
them, and every one makes the same daily decision. Each `CrossBorderWorker` is a Mesa agent
whose state lives in one row of a `Workforce` table, so the decision runs once over the whole
table with numpy, and an agent (or a cohort of identical commuters with a headcount) still reads
like an agent.
"""

from dataclasses import dataclass

import numpy as np
from mesa.discrete_space import FixedAgent

FARM, NONFARM = 0, 1
PEDESTRIAN, VEHICLE = 0, 1


def _lost_paid_hours(wait_min, slack_min, shift_hours):
    """Paid hours a wait costs: whatever it runs past the slack, up to the whole shift."""
    return np.minimum(np.maximum(wait_min - slack_min, 0.0) / 60.0, shift_hours)


class Workforce:
    """The state of every cross-border worker, one row each, and their daily decisions."""

    def __init__(self, headcount, sector, mode, line, wage_usd_per_hour, rank, daily_share=None):
        self.headcount = np.asarray(headcount, dtype=float)
        self.sector = np.asarray(sector, dtype=np.int8)
        self.mode = np.asarray(mode, dtype=np.int8)
        self.line = np.asarray(line, dtype=np.int16)
        self.wage_usd_per_hour = np.asarray(wage_usd_per_hour, dtype=float)
        self.rank = np.asarray(rank, dtype=float)
        n = self.headcount.shape[0]
        # Of a row's heads at work today, the share who cross that day (the rest of a hired farm
        # crew stays north through the week); 1 for every non-farm commuter.
        self.daily_share = np.ones(n) if daily_share is None else np.asarray(daily_share, dtype=float)
        self.employed = np.ones(n, dtype=bool)
        self.crossing = np.zeros(n, dtype=bool)
        self.bad_days = np.zeros(n, dtype=np.int32)
        self.expected_wait_min = np.zeros(n)
        self.wait_min = np.zeros(n)
        self.lost_paid_hours = np.zeros(n)
        # Who is what never changes: the masks and each row's (line, sector) bin are kept.
        self.farm = self.sector == FARM
        self.nonfarm = ~self.farm
        self.vehicle = self.mode == VEHICLE
        self._line_sector = self.line * 2 + self.sector

    def farm_pool(self) -> float:
        """Farm commuters still willing to cross."""
        return float(self.headcount[self.farm & self.employed].sum())

    def decide_crossing(self, farm_hired_share: float, nonfarm_workday: bool):
        """Who crosses today: farm crews the growers hired, and non-farm workers on workdays.

        Growers hire crews in a fixed order of `rank` (the regular crews first), so a share of
        the farm pool is hired by taking the lowest ranks.
        """
        farm = self.farm & self.employed
        hired = farm & (self.rank < farm_hired_share)
        nonfarm = self.nonfarm & self.employed & nonfarm_workday
        self.crossing = hired | nonfarm

    def arrivals_by_line(self, n_lines: int, persons_per_vehicle: float):
        """Crossers each line receives from commuters: (farm, other) arrays, in line units."""
        units = np.where(self.vehicle, self.headcount / persons_per_vehicle, self.headcount) * self.daily_share
        # One bin per (line, sector): sectors are FARM = 0 and NONFARM = 1.
        by_line_sector = np.bincount(self._line_sector, weights=units * self.crossing, minlength=2 * n_lines)
        return by_line_sector[FARM::2], by_line_sector[NONFARM::2]

    def heads_crossing(self) -> np.ndarray:
        """People each cohort sends across today (the day's share of its headcount, if it crosses)."""
        return self.headcount * self.daily_share * self.crossing

    def experience(self, wait_by_line_min, slack_min, shift_hours, waiting_share, weight) -> "CommuterDay":
        """Live through today's wait: lost time and wages, and updated expectations.

        Each hour in line is costed once (the value-of-time rule in parameters.toml): an hour
        past the slack costs paid work (a non-farm commuter's lost wages; a farm crew's lost
        harvest, which the growers count), every other hour is time, valued at the commuter's
        own hourly wage times `waiting_share` (US DOT: waiting time at 100% of hourly income).

        Args:
            wait_by_line_min: (lines, 2) waits for farm and non-farm commuters at each line.
            slack_min: wait a commuter absorbs before paid hours are lost.
            shift_hours: paid hours in a day.
            waiting_share: value of an hour in line as a share of the commuter's hourly wage.
            weight: weight of today's wait in the expected wait.

        """
        self.wait_min = wait_by_line_min[self.line, self.sector]
        crossing = self.crossing
        heads = self.heads_crossing()
        wait_h = self.wait_min / 60.0
        lost_paid_h = self.lost_paid_hours = _lost_paid_hours(self.wait_min, slack_min, shift_hours)
        time_h = wait_h - lost_paid_h  # the hours in line that cost no paid work
        farm = self.farm
        self.expected_wait_min = np.where(
            crossing, (1 - weight) * self.expected_wait_min + weight * self.wait_min,
            self.expected_wait_min,
        )
        return CommuterDay(
            person_hours=float((heads * wait_h).sum()),
            time_hours=float((heads * time_h).sum()),
            paid_hours_lost=float((heads * lost_paid_h).sum()),
            time_usd=float((heads * time_h * self.wage_usd_per_hour).sum()) * waiting_share,
            wages_usd=float((heads * lost_paid_h * self.wage_usd_per_hour * self.nonfarm).sum()),
            farm_paid_hours_lost=float((heads * lost_paid_h * farm).sum()),
            farm_days=float((heads * farm).sum()),
        )

    def go_home(self, south_min: float, waiting_share: float) -> tuple[float, float]:
        """Those who crossed today go home through Mexico's customs: (person-hours, their value in USD).

        An hour there costs no paid work (the shift is over), so it is time, valued as the hours
        in line north that cost no paid work are: the commuter's own wage times `waiting_share`.
        """
        heads = self.heads_crossing()
        hours_each = south_min / 60.0
        return (float(heads.sum()) * hours_each,
                float((heads * self.wage_usd_per_hour).sum()) * hours_each * waiting_share)

    def go_around(self, away_by_line_min, waiting_share: float) -> tuple[float, float]:
        """Those who crossed at the port that is not home got there across Mexicali first:
        (person-hours, their value in USD), valued as the hours in line that cost no paid work.

        Args:
            away_by_line_min: (lines, 2) minutes of that trip for farm and non-farm commuters
                of each home line, averaged over who went where.
            waiting_share: value of such an hour as a share of the commuter's hourly wage.

        """
        heads = self.heads_crossing()
        hours = away_by_line_min[self.line, self.sector] / 60.0
        return float((heads * hours).sum()), float((heads * hours * self.wage_usd_per_hour).sum()) * waiting_share

    def reconsider(self, slack_min, shift_hours, waiting_share, local_wage_usd_per_day, patience_days):
        """Quit for local work after `patience_days` of a US job worth less than a local one.

        A day's value of the US job is the wage for the paid hours left after the expected
        wait, less the value of the rest of the time in line (each hour once, as in
        `experience`); local work pays the local wage.

        Returns:
            Headcount that quit today, by sector (farm, non-farm).

        """
        exp_h = self.expected_wait_min / 60.0
        lost_paid_h = _lost_paid_hours(self.expected_wait_min, slack_min, shift_hours)
        us_value = self.wage_usd_per_hour * (shift_hours - lost_paid_h - waiting_share * (exp_h - lost_paid_h))
        worse = self.employed & self.crossing & (us_value < local_wage_usd_per_day)
        self.bad_days = np.where(worse, self.bad_days + 1, np.where(self.crossing, 0, self.bad_days))
        quitting = self.employed & (self.bad_days >= patience_days)
        self.employed &= ~quitting
        return (
            float(self.headcount[quitting & self.farm].sum()),
            float(self.headcount[quitting & self.nonfarm].sum()),
        )


@dataclass(frozen=True)
class CommuterDay:
    """Commuters' hours in line today and what they cost, each hour in exactly one place.

    person_hours = time_hours + paid_hours_lost. The time is costed in `time_usd`; the paid
    hours lost are costed as non-farm `wages_usd` or, for farm crews
    (`farm_paid_hours_lost`), as the harvest they did not pick.
    """

    person_hours: float
    time_hours: float
    paid_hours_lost: float
    time_usd: float
    wages_usd: float
    farm_paid_hours_lost: float
    farm_days: float


class CrossBorderWorker(FixedAgent):
    """A commuter (or a cohort of identical commuters) crossing north to work each day.

    Crosses by foot or car at Calexico West or East in a lane class (general, Ready, SENTRI).
    Long waits cost hours and wages; if the expected wait keeps the US job worth less than
    local work, the worker quits and takes local work at the local wage.
    """

    def __init__(self, model, workforce: Workforce, row: int):
        super().__init__(model)
        self.workforce = workforce
        self.row = row

    @property
    def headcount(self) -> float:
        """Commuters this agent stands for."""
        return float(self.workforce.headcount[self.row])

    @property
    def sector(self) -> str:
        """"farm" or "nonfarm"."""
        return "farm" if self.workforce.sector[self.row] == FARM else "nonfarm"

    @property
    def employed(self) -> bool:
        """Still holds the US job."""
        return bool(self.workforce.employed[self.row])

    @property
    def crossing(self) -> bool:
        """Crossed today."""
        return bool(self.workforce.crossing[self.row])

    @property
    def expected_wait_min(self) -> float:
        """The wait this commuter expects at their line."""
        return float(self.workforce.expected_wait_min[self.row])
