"""The freight market and the labour market that connect the agents.

Both are deliberately simple and documented: the freight market shares a day's loads among
carriers by capacity and price, the labour market hires daily field crews and refills
vacancies. Neither is a lookup table: their results move with waits, fleets and quits.
"""

import numpy as np


class FreightMarket:
    """Matches each day's cross-border loads to carriers by price and capacity.

    A carrier's share of demand is proportional to its capacity times its relative price to
    the power `-price_sensitivity`; no carrier takes more than its capacity. What the region's
    carriers cannot take today goes with carriers from outside it, at a dearer rate
    (`Freight.dispatch`).
    """

    def __init__(self, price_sensitivity: float = 2.0):
        self.price_sensitivity = price_sensitivity

    def allocate(self, loads: float, capacity: np.ndarray, rates: np.ndarray) -> np.ndarray:
        """Loads each carrier takes today."""
        taken = np.zeros_like(capacity)
        remaining = loads
        free = capacity.copy()
        for _ in range(4):  # a few rounds re-offer what full carriers could not take
            active = free > 1e-9
            if remaining <= 1e-9 or not active.any():
                break
            rel = rates[active] / max(rates[active].mean(), 1e-9)
            weight = free[active] * rel ** (-self.price_sensitivity)
            offer = remaining * weight / weight.sum()
            take = np.minimum(offer, free[active])
            taken[active] += take
            free[active] -= take
            remaining -= take.sum()
        return taken


class LabourMarket:
    """Daily field crews in Imperial County, and refilling vacancies left by commuters.

    Growers' crew demand is met first by local (Imperial) farmworkers, then by cross-border
    crews from the farm commuter pool; demand beyond both goes unmet and the crop is left in
    the field. A US non-farm job left by a quitting commuter is refilled locally at
    `fill_per_month`.
    """

    def __init__(self, local_farm_workers: float, fill_per_month: float):
        self.local_farm_workers = local_farm_workers
        self.fill_per_day = 1.0 - (1.0 - fill_per_month) ** (1.0 / 30.0)
        self.us_vacancies = 0.0
        self.us_refilled = 0.0

    def hire_crews(self, demand: float, cross_border_pool: float):
        """Split today's crew demand: (local hired, cross-border hired, unmet)."""
        local = min(demand, self.local_farm_workers)
        cross = min(demand - local, cross_border_pool)
        return local, cross, demand - local - cross

    def refill(self, new_vacancies: float) -> float:
        """Add vacancies from quits and fill some locally; returns jobs refilled today."""
        self.us_vacancies += new_vacancies
        filled = self.us_vacancies * self.fill_per_day
        self.us_vacancies -= filled
        self.us_refilled += filled
        return filled
