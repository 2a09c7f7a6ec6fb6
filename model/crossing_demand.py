"""The other crossers: shoppers, visitors, students and patients in the passenger lines.

Not a fifth agent kind but a demand component: trips by home line, an elasticity of trips
to the expected time in port (which port and hour is `port_choice`'s), spending per trip on
the US side, and the retail jobs that spending supports. The published border-delay studies
found forgone personal trips the largest single cost of delay; this is where the model counts
them.
"""

import numpy as np

LINE_DEMAND = {
    # line: (parameter of daily potential trips, persons per unit)
    "west_pov": ("crossers.west_pov_per_day", "vehicle"),
    "west_pedestrian": ("crossers.west_pedestrians_per_day", "person"),
    "east_pov": ("crossers.east_pov_per_day", "vehicle"),
    "east_pedestrian": ("crossers.east_pedestrians_per_day", "person"),
}


class CrossingDemand:
    """Daily non-commuter trips per line, falling with the wait people expect."""

    def __init__(self, params: dict, line_index: dict):
        self.elasticity = params["crossers.wait_elasticity_per_hour"]
        self.spend = params["crossers.spending_per_person_trip_usd"]
        self.persons_per_vehicle = params["labour.persons_per_vehicle"]
        n = len(line_index)
        self.potential = np.zeros(n)
        self.persons = np.ones(n)
        ready, sentri = params["labour.ready_share"], params["labour.sentri_share"]
        shares = {"general": 1.0 - ready - sentri, "ready": ready, "sentri": sentri}
        for prefix, (key, unit) in LINE_DEMAND.items():
            if unit == "person":
                self.potential[line_index[prefix]] = params[key]
                continue
            for lane, share in shares.items():
                i = line_index[f"{prefix}_{lane}"]
                self.potential[i] = params[key] * share
                self.persons[i] = self.persons_per_vehicle

    def trips(self, expected_time_in_port_min: np.ndarray) -> np.ndarray:
        """Trips (line units: vehicles or persons) wanted today from each home line, given the
        time in port expected there (over the hours and ports people choose).
        """
        return self.potential * np.exp(self.elasticity * expected_time_in_port_min / 60.0)

    def forgone_spending_usd(self, trips: np.ndarray) -> float:
        """What the trips not made today (against the potential) would have spent in the US."""
        return float(((self.potential - trips) * self.persons).sum() * self.spend)

    def spending_usd(self, trips: np.ndarray) -> float:
        """Spending on the US side by today's trips."""
        return float((trips * self.persons).sum() * self.spend)

    def forgone_trips_cost_usd(self, trips: np.ndarray, expected_min: np.ndarray, free_min: np.ndarray,
                               value_of_time_usd_per_hour: float) -> float:
        """What the trips not made for delay cost the people who would have made them (rule of half).

        Against the time inspection alone takes (`free_min`, the no-delay world's), the delay
        raises a trip's cost by value x delay and loses the trips between the two; each lost
        trip was worth, on average, half the rise to its maker: 0.5 x trips lost x change in cost.
        Their hours are not anyone's hours in line, so no other component counts them.
        """
        delay_h = np.maximum(expected_min - free_min, 0.0) / 60.0
        lost = np.maximum(self.trips(np.minimum(free_min, expected_min)) - trips, 0.0) * self.persons
        return float(0.5 * (lost * delay_h).sum() * value_of_time_usd_per_hour)

    def person_hours(self, trips: np.ndarray, minutes: np.ndarray) -> float:
        """Hours the people on today's trips lose, each home line's trips at its minutes."""
        return float((trips * self.persons * minutes).sum()) / 60.0

    def live_with(self, today: dict, trips: np.ndarray, lived_min: np.ndarray, expected_min: np.ndarray,
                  free_min: np.ndarray, value_of_time_usd_per_hour: float, spent_at_home_share: float):
        """Today's visitors' hours in port, their cost, the trips not made and where the money went.

        Args:
            today: the day's record, written in place.
            trips: today's trips from each home line (line units).
            lived_min: the time in port each home line's visitors lived, at the ports and hours chosen.
            expected_min: the time in port they expected (`trips` answered it).
            free_min: what inspection alone takes at each line (the no-delay world's time).
            value_of_time_usd_per_hour: the visitors' value of an hour.
            spent_at_home_share: of the spending of trips not made, the share spent in Mexicali.

        """
        hours = self.person_hours(trips, lived_min)
        today["visitor_hours_in_port"] = hours
        today["cost_visitor_time_usd"] += hours * value_of_time_usd_per_hour
        # Trips not made: their would-be makers lose half the change in cost on each (the rule of half).
        today["cost_trips_forgone_usd"] += self.forgone_trips_cost_usd(trips, expected_min, free_min,
                                                                       value_of_time_usd_per_hour)
        today["visitor_spending_usd"] = self.spending_usd(trips)
        today["visitor_trips"] = float((trips * self.persons).sum())
        today["output_retail_services_us_usd"] = today["visitor_spending_usd"]
        # Trips not made are partly spent at home, in Mexicali, instead (the SANDAG method).
        today["output_retail_services_mx_usd"] = self.forgone_spending_usd(trips) * spent_at_home_share
