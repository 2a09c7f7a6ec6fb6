"""Which port, at which hour: commuters and visitors choose between Calexico West and East.

Each crosser group (farm crews, other commuters, visitors) has the hours it wants to cross
(`data/arrival_profiles.csv`) and a home port, the one nearer its trips. For each hour it
picks a port by a logit on the time it expects to lose there, with the drive across Mexicali
(or the bus ride, for those on foot) to the other port added to the one that is not home
(SANDAG's cross-border model: a logit on wait with purpose-specific coefficients). A port
whose gate is closed at that hour is chosen only by retiming: the crosser comes when it
opens and loses the time until then, so nobody stands at a closed gate, and people prefer
the open port unless the choice model says the later crossing is worth it.

Crossing is a habit. Each day only a share of crossers reconsider their port; the rest cross
where they crossed yesterday (day-to-day assignment: Horowitz 1984, Cascetta and Cantarella
1991; docs/odd.md). Without it every crosser answers the same forecast at once, and the herd
swings between the ports from day to day. The habit does not move where the crowd settles
(a steady state is the logit's), only how fast it gets there. A change in the gates' hours is
news: everyone it touches reconsiders that day.
"""

import numpy as np

PORTS = ("west", "east")
KINDS = ("pedestrian", "pov_general", "pov_ready", "pov_sentri")
PEOPLE_GROUPS = ("farm_commuters", "other_commuters", "visitors")
HOURS = np.arange(24)


def gate_opening(booths_by_hour: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For a crosser who wants to cross in each hour: the hour it can cross (the gate's next
    opening) and the minutes it loses waiting for that, from the middle of its hour.

    Past the last opening of the day the gate opens tomorrow at the same first hour; such a
    crosser is counted in that hour of today (the day is the model's unit).
    """
    open_hours = np.flatnonzero(booths_by_hour > 0)
    if open_hours.size == 0:
        return HOURS.copy(), np.full(24, 24 * 60.0)
    nxt = np.searchsorted(open_hours, HOURS)
    later_today = nxt < open_hours.size
    opens_at = np.where(later_today, open_hours[np.minimum(nxt, open_hours.size - 1)], open_hours[0])
    wait_min = np.where(booths_by_hour > 0, 0.0, (opens_at + 24 * ~later_today - HOURS - 0.5) * 60.0)
    return opens_at, wait_min


class PortChoice:
    """Hourly port shares of each people group, and the time they lose to the ports."""

    def __init__(self, line_index: dict, profiles: np.ndarray, wait_coefficients_per_min, switch_min: float,
                 reconsider_share: float = 1.0):
        """Set up the choice.

        Args:
            line_index: line name -> index.
            profiles: (3 groups, 24) desired crossing hours of PEOPLE_GROUPS, each summing to 1.
            wait_coefficients_per_min: utility per minute lost, by group (negative).
            switch_min: minutes to get to the port that is not home, by kind (KINDS).
            reconsider_share: share of crossers who reconsider their port each day.

        """
        self.lines = np.array([[line_index[f"{p}_{k}"] for k in KINDS] for p in PORTS])  # (port, kind)
        self.profiles = np.asarray(profiles, dtype=float)
        self.beta = np.asarray(wait_coefficients_per_min, dtype=float)
        self.switch_min = np.asarray(switch_min, dtype=float)  # (kind,)
        self.reconsider_share = float(reconsider_share)  # 1: no habit, everyone re-chooses daily
        self._chosen = False  # no habit before the first day: everyone chooses
        self.shares = np.zeros((len(PEOPLE_GROUPS), 2, 2, len(KINDS), 24))  # (group, home, port, kind, hour)
        self.crossing_hour = np.tile(HOURS, (2, len(KINDS), 1))  # (port, kind, hour wanted) -> hour crossed
        self.gate_wait_min = np.zeros((2, len(KINDS), 24))
        self.expected_lost_min = np.zeros((2, len(KINDS), 24))  # (port, kind, hour wanted), set by `choose`
        self._gates = {}  # booth arrays' ids -> (crossing hour, gate wait, where arrivals land)
        self._landing = (self.lines[:, :, None] * 24 + self.crossing_hour).ravel()
        # The trip to the port that is not home, on the utility scale of each group.
        self._away_min = (1.0 - np.eye(2))[:, :, None] * self.switch_min[None, None, :]  # (home, port, kind)
        self._away_utility = self.beta[:, None, None, None, None] * self._away_min[None, :, :, :, None]

    def choose(self, expected_min_by_hour: np.ndarray, booths_by_hour) -> np.ndarray:
        """Today's shares from the time in port expected at each line and hour, and today's gates.

        Args:
            expected_min_by_hour: (lines, 24) time in port expected for crossing in each hour.
            booths_by_hour: each line's booths staffed by hour today (gives the gates' hours).

        Returns:
            (group, home port, chosen port, kind, hour wanted) shares, summing to 1 over ports.

        """
        # The port's booth arrays are shared per day type and staffing, so gates seen before are
        # looked up, not worked out again.
        gates = tuple(id(booths_by_hour[i]) for i in self.lines.flat)
        yesterday_hour, yesterday_gate_wait = self.crossing_hour, self.gate_wait_min
        if gates not in self._gates:
            hour, wait = np.empty_like(self.crossing_hour), np.empty_like(self.gate_wait_min)
            for p, k in np.ndindex(self.lines.shape):
                hour[p, k], wait[p, k] = gate_opening(booths_by_hour[self.lines[p, k]])
            # Where each (port, kind, hour wanted) lands in the (lines, 24) table of arrivals.
            landing = (self.lines[:, :, None] * 24 + hour).ravel()
            self._gates[gates] = hour, wait, landing
        self.crossing_hour, self.gate_wait_min, self._landing = self._gates[gates]
        cost = self.expected_lost_min = self._lost_min(expected_min_by_hour)  # (port, kind, hour wanted)
        utility = self.beta[:, None, None, None, None] * cost[None, None] + self._away_utility
        utility -= utility.max(axis=2, keepdims=True)
        weight = np.exp(utility)
        choice = weight / weight.sum(axis=2, keepdims=True)
        if not self._chosen:
            self.shares, self._chosen = choice, True
            return self.shares
        # Who reconsiders: the usual share, and everyone whose gate times changed since yesterday
        # (a gate shut all day keeps each hour's crossing hour, but not its wait).
        gates_changed = (self.crossing_hour != yesterday_hour) | (self.gate_wait_min != yesterday_gate_wait)
        reconsider = np.where(gates_changed.any(axis=0), 1.0, self.reconsider_share)
        self.shares = self.shares + reconsider * (choice - self.shares)
        return self.shares

    def _lost_min(self, time_in_port_by_hour: np.ndarray) -> np.ndarray:
        """Minutes lost by those wanting to cross in each hour: the gate's, then the port's."""
        at_crossing = np.take(time_in_port_by_hour, self._landing).reshape(self.gate_wait_min.shape)
        return self.gate_wait_min + at_crossing

    def arrivals_by_hour(self, home_units: np.ndarray, n_lines: int) -> np.ndarray:
        """Crossers each line receives in each hour (lines, 24), retimed to the gates' opening.

        Args:
            home_units: (group, home port, kind) crossers of the day, in line units.
            n_lines: number of lines.

        """
        wanted = np.einsum("gqk,gqpkh,gh->pkh", home_units, self.shares, self.profiles)
        return np.bincount(self._landing, weights=wanted.ravel(), minlength=n_lines * 24).reshape(n_lines, 24)

    def lived_min(self, time_in_port_by_hour: np.ndarray) -> np.ndarray:
        """Minutes each (group, home port, kind) lost today, over its hours and choices."""
        return self._over_choices(self._lost_min(time_in_port_by_hour))

    def expected_min(self) -> np.ndarray:
        """Minutes each (group, home port, kind) expects to lose today, over its hours and the
        choices `choose` made today (from the times it expected).
        """
        return self._over_choices(self.expected_lost_min)

    def away_min(self) -> np.ndarray:
        """Minutes each (group, home port, kind) spends getting to the port that is not home,
        averaged over today's shares and hours wanted (the trip across Mexicali, or the bus ride).
        """
        return np.einsum("gqpkh,qpk,gh->gqk", self.shares, self._away_min, self.profiles)

    def _over_choices(self, lost_min: np.ndarray) -> np.ndarray:
        """(port, kind, hour wanted) minutes lost, averaged over today's shares and hours wanted."""
        return np.einsum("gqpkh,pkh,gh->gqk", self.shares, lost_min, self.profiles)
