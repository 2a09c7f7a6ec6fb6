"""A carrier that cycles trucks across the border."""

import numpy as np
from mesa.discrete_space import FixedAgent


class TruckingFirm(FixedAgent):
    """A trucking firm based in Mexicali or Imperial County.

    Takes loads from growers and plants, cycles its trucks across the border (each cycle
    costs truck-hours at the operating cost per hour), chooses a crossing by expected
    generalised cost (see `Region.crossing_costs`), prices loads by its costs and
    utilisation, and grows or shrinks its fleet with demand and profit.

    Attributes:
        base: "MX" or "US".
        trucks: fleet size.
        fast_share: share of its trucks that are FAST-certified.
        rate_usd: price of one cross-border load today.
        utilisation: truck-hours used over truck-hours available, yesterday.

    """

    def __init__(self, model, base, trucks, fast_share):
        super().__init__(model)
        self.base = base
        self.trucks = float(trucks)
        self.fast_share = float(fast_share)
        self.rate_usd = 0.0
        self.utilisation = 0.0
        self.loads_today = 0.0
        self.month_revenue_usd = 0.0
        self.month_cost_usd = 0.0
        self.month_util = 0.0
        self.month_days = 0

    def capacity_loads(self, shift_hours: float, cycle_hours: float) -> float:
        """Loads the fleet can move in a day at the expected cycle time."""
        return self.trucks * shift_hours / max(cycle_hours, 1e-6)

    def set_rate(self, cycle_hours: float, cost_per_hour: float, margin: float,
                 target: float, response: float):
        """Price a load at cycle cost plus margin, higher when the fleet runs above target."""
        premium = max(0.0, self.utilisation - target) * response
        self.rate_usd = cycle_hours * cost_per_hour * (1.0 + margin) * (1.0 + premium)

    @staticmethod
    def choose_crossing(cost_usd: np.ndarray, spread_usd: float) -> np.ndarray:
        """How carriers share loads among crossings: a logit on generalised cost.

        Carriers differ in what the model does not see (contracts, drivers' papers, habits),
        so a crossing slightly dearer than the best still takes some loads; `spread_usd` is
        the scale of those differences (0: everyone takes the cheapest). A smooth response
        also keeps all carriers from leaving and returning at once.

        Args:
            cost_usd: (groups, crossings) distance cost plus expected wait of each group
                through each crossing (a closure counts as the hours until it reopens).
            spread_usd: logit scale in USD.

        Returns:
            (groups, crossings) shares of each group's loads.
        """
        if spread_usd <= 0:
            return np.eye(cost_usd.shape[-1])[np.argmin(cost_usd, axis=-1)]
        z = -(cost_usd - cost_usd.min(axis=-1, keepdims=True)) / spread_usd
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def carry(self, loads: float, truck_hours: float, shift_hours: float, cost_per_hour: float):
        """Book the day's loads and truck-hours; a day with no work (the port shut) is not a
        working day and does not count toward utilisation.
        """
        self.loads_today = loads
        if loads <= 0:
            return
        available = self.trucks * shift_hours
        self.utilisation = truck_hours / available if available > 0 else 1.0
        self.month_revenue_usd += loads * self.rate_usd
        self.month_cost_usd += truck_hours * cost_per_hour
        self.month_util += self.utilisation
        self.month_days += 1

    def review_fleet(self, target: float, adjust: float) -> float:
        """Monthly: buy trucks when busy and profitable, sell when idle. Returns the change."""
        if self.month_days == 0:
            return 0.0
        util = self.month_util / self.month_days
        profit = self.month_revenue_usd - self.month_cost_usd
        change = 0.0
        if util > target and profit > 0:
            change = self.trucks * adjust
        elif util < target - 0.25:
            change = -self.trucks * adjust
        self.trucks = max(1.0, self.trucks + change)
        self.month_revenue_usd = self.month_cost_usd = self.month_util = 0.0
        self.month_days = 0
        return change
