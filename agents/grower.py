"""A farm in Imperial County or the Mexicali Valley."""

import numpy as np
from mesa.discrete_space import FixedAgent


class Grower(FixedAgent):
    """A grower of one crop group at one place.

    Why it matters at the border: Mexicali Valley growers export north through Calexico
    East, so a slow line costs them quality; Imperial growers ship to US markets but their
    field crews cross from Mexicali before dawn, so a slow line costs them hours of harvest.

    Attributes:
        place: node of the region graph where the farm is.
        region: "imperial" or "mexicali_valley".
        crop: crop group (a row of crops.csv).
        loads_per_year: the season's harvest in truckloads at the current acreage.
        harvest_weights: relative harvest by month (12 values).
        workers_per_load: field worker-days to harvest one load.
        perishable: whether quality falls with hours of delay.
        destinations: share of loads going to each market node.

    """

    def __init__(self, model, place, region, crop, loads_per_year, harvest_weights,
                 workers_per_load, perishable, destinations):
        super().__init__(model)
        self.place = place
        self.region = region
        self.crop = crop
        self.loads_per_year = float(loads_per_year)
        self.baseline_loads_per_year = float(loads_per_year)
        weights = np.asarray(harvest_weights, dtype=float)
        self.month_share = weights / weights.sum() if weights.sum() > 0 else weights
        self.workers_per_load = float(workers_per_load)
        self.perishable = bool(perishable)
        self.destinations = destinations
        self.exports_north = region == "mexicali_valley"
        self.planned_loads = 0.0
        self.harvested_loads = 0.0
        self.crew_needed = 0.0
        self.season_revenue_usd = 0.0
        self.season_potential_usd = 0.0

    def plan_harvest(self, month: int, days_in_month: int) -> float:
        """Loads ripe today, from the crop calendar; returns the crew (worker-days) needed."""
        self.planned_loads = self.loads_per_year * self.month_share[month - 1] / days_in_month
        self.crew_needed = self.planned_loads * self.workers_per_load
        return self.crew_needed

    def harvest(self, crew_share: float, hours_lost_share: float) -> float:
        """Harvest with the crews that came; late crews pick less. Returns loads harvested.

        Args:
            crew_share: crews hired over crews needed (0 to 1).
            hours_lost_share: share of the shift the crews lost waiting at the border.

        """
        self.harvested_loads = self.planned_loads * crew_share * (1.0 - hours_lost_share)
        return self.harvested_loads

    def sell(self, value_usd: float, potential_usd: float):
        """Book a day's sales against what the harvest could have fetched."""
        self.season_revenue_usd += value_usd
        self.season_potential_usd += potential_usd

    def plan_season(self, planting_response: float):
        """Between seasons: plant more after a good season, less after a bad one.

        The margin signal is realised revenue over potential revenue (harvest lost to missing
        crews and quality lost to delay lower it); acres move by `planting_response` times its
        shortfall, within +/-30% of the baseline.
        """
        if self.season_potential_usd <= 0:
            return
        shortfall = 1.0 - self.season_revenue_usd / self.season_potential_usd
        change = -planting_response * shortfall
        base = self.baseline_loads_per_year
        self.loads_per_year = float(np.clip(self.loads_per_year * (1 + change), 0.7 * base, 1.3 * base))
        self.season_revenue_usd = 0.0
        self.season_potential_usd = 0.0
