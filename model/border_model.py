"""The border economy: Calexico's ports, four kinds of agents, and a day at a time.

A day (docs/odd.md, section 3): shoppers, visitors and commuters decide whether to cross given the wait
they expect; growers hire crews for what is ripe; plants run on their stock of inputs and order
more; the freight market gives yesterday's loads to carriers, who pick a crossing by expected
cost. The ports serve their lines through the day, loaded trucks first at Mexico's export
customs and then at the US lines. Then everyone lives with the waits: crews start late and pick
less, produce loses quality, inputs arrive or not, commuters lose hours and wages and some give
up the US job, and everyone who crossed goes home through Mexico's customs. At month ends plants
resize and carriers resize fleets; between seasons growers replant. The day's outcomes are
recorded.
"""

import calendar
import datetime as dt

import mesa
import numpy as np
from mesa.discrete_space import Network

from agents.cross_border_worker import FARM, NONFARM
from model import history, outcomes, populations
from model.crossing_demand import CrossingDemand
from model.freight import EXPORT_NORTH, FEEDS, LOADED_NORTH, SOUTH, Freight
from model.markets import LabourMarket
from model.parameters import line_names, resolve
from model.port import Line, lines_on
from model.port_choice import KINDS, PEOPLE_GROUPS, PortChoice
from model.region import Region, great_circle_km
from model.staffing import POOLS, Staffing

SEASON_START_MONTH = 9  # growers plan the winter season in September
_UNIFORM_CDF = np.linspace(0.0, 1.0, 25)


class BorderModel(mesa.Model):
    """The Calexico East - Imperial County - Mexicali border economy, one step a day."""

    def __init__(self, params: dict | None = None, seed: int = 0, events=(), collect: bool = True):
        """Build the region, the ports, the agents and the markets.

        Args:
            params: dotted-key overrides of the shipped defaults (checked), or a full set.
            seed: the random seed; every random stream derives from it.
            events: `parameters.Event`s (closures, staffing cuts, inspection surges).
            collect: record the daily table with Mesa's DataCollector.

        """
        super().__init__(rng=seed)
        self.params = p = resolve(params)
        self.seed = int(seed)
        self.events = tuple(events)
        self._port_days = {}  # (weekday, events on) -> the lines' conditions (port_conditions)
        start = dt.date.fromisoformat(p["simulation.start_date"])
        self.warmup_days = p["simulation.warmup_days"]
        self.first_day = start - dt.timedelta(days=self.warmup_days)
        self.n_days = p["simulation.days"] + self.warmup_days
        self.waiting = p["port.waiting"]
        self.weight = p["port.expectation_weight"]

        self.region = Region(p["region.circuity"], p["trucking.cost_per_mile_usd"])
        positions = {n: d["pos"] for n, d in self.region.graph.nodes(data=True)}
        self.grid = Network(self.region.graph.to_undirected(), layout=positions, random=self.random)

        self.lines = [Line(name, i, p) for i, name in enumerate(line_names())]
        self.line_index = {line.name: line.index for line in self.lines}
        self.staffing = Staffing(self.lines, p, self.seed)  # the officers on duty, who staff the booths
        self.pool_of = {name: pool for pool, names in POOLS.items() for name in names}
        # One random stream per line (common random numbers: a line's arrivals and inspection
        # times are the same draws in every scenario run with this seed).
        self.line_streams = [np.random.default_rng([self.seed, 7, i]) for i in range(len(self.lines))]
        self.rounding_stream = np.random.default_rng([self.seed, 8])
        profiles = populations.data_rows("arrival_profiles.csv")
        hourly = {g: np.array([float(r[g]) for r in profiles]) for g in ("trucks", *PEOPLE_GROUPS)}
        self.truck_profile = hourly["trucks"] / hourly["trucks"].sum()
        people = np.array([hourly[g] / hourly[g].sum() for g in PEOPLE_GROUPS])
        west, east = (self.region.graph.nodes[n]["pos"] for n in ("calexico_west_mx", "calexico_east_mx"))
        across_km = great_circle_km(*west, *east) * p["region.circuity"]
        switch_min = [across_km / p["crossers.transit_speed_kmh" if kind == "pedestrian" else "crossers.city_speed_kmh"]
                      * 60.0 for kind in KINDS]
        work, shop = p["crossers.work_wait_utility_per_min"], p["crossers.shopping_wait_utility_per_min"]
        self.port_choice = PortChoice(self.line_index, people, (work, work, shop), switch_min,
                                      p["crossers.reconsider_share"])
        self.people_lines = self.port_choice.lines
        # What inspection takes at each line on an ordinary day: a crossing's expected delay is
        # its expected time in port beyond this.
        self.inspection_min = np.array([line.primary_min + line.secondary_share * line.secondary_min
                                        for line in self.lines])
        # The truck lines whose expected delay carriers and plants read (expected_delay_h).
        self._delay_lines = {names: np.array([self.line_index[n] for n in names])
                             for names in (*((n,) for n in (*EXPORT_NORTH, *LOADED_NORTH)), (SOUTH,))}
        # Which line feeds which: (Mexican export customs, the US line its trucks join).
        self.feeds = [(self.line_index[mx], self.line_index[us]) for mx, us in FEEDS]
        temps = {int(r["month"]): float(r["mean_c"]) for r in populations.data_rows("monthly_temperature.csv")}
        self.heat_factor = {
            m: p["agriculture.heat_q10"] ** ((t - 20.0) / 10.0) for m, t in temps.items()
        }
        self.expected_wait_min = np.zeros(len(self.lines))  # to primary, as CBP reports it
        # Time in port expected at each line for crossing in each hour; starts at what inspection takes.
        self.expected_time_in_port_by_hour = np.repeat(self.inspection_min[:, None], 24, axis=1)
        self.expected_time_in_port_min = self.inspection_min.copy()
        self.days_done = 0
        self.quits_this_month = 0.0

        self.growers, self.local_farm_workers = populations.create_growers(self)
        self.manufacturers = populations.create_manufacturers(self)
        self.firms = populations.create_trucking_firms(self)
        self.workforce = populations.create_workers(self)
        self.freight = Freight(self)  # the loads waiting, dispatched and delivered
        self.crossing_demand = CrossingDemand(p, self.line_index)
        self.labour_market = LabourMarket(self.local_farm_workers, p["labour.vacancy_fill_per_month"])
        self.today = {}
        self.datacollector = None
        if collect:
            # One row a day in a Mesa table: the outcomes are already a flat record.
            self.datacollector = mesa.DataCollector(tables={"daily": list(outcomes.DAILY_COLUMNS)})
        populations.place_agents(self)
        # The ports' dated changes (the hindcast); None keeps the model as its parameters built it.
        self.history = history.Applier(self) if p["simulation.history"] else None

    # ------------------------------------------------------------------------- the day
    @property
    def date(self) -> dt.date:
        """The calendar day the next step simulates."""
        return self.first_day + dt.timedelta(days=self.days_done)

    def step(self):
        """One day, in the order of the paragraph at the top of this module."""
        day = self.date
        self.today = outcomes.empty_day(day, measured=self.days_done >= self.warmup_days)
        if self.history is not None:
            self.history.apply(self, day)
        port_today = self.port_conditions(day, plan_passengers=False)
        self.plan_crossings(day, port_today)
        self.hire_crews(day)
        self.produce_goods(day)
        self.freight.dispatch(day, port_today)
        results = self.serve_lines(day, port_today)
        self.live_with_waits(day, results)
        self.go_home()
        self.freight.deliver(day, results, port_today)
        self.update_expectations(results, port_today)
        self.adjust(day)
        outcomes.finish_day(self)
        if self.datacollector is not None:
            self.datacollector.add_table_row("daily", self.today)
        self.days_done += 1

    def set_parameters(self, values: dict):
        """Change parameters and demand levels of the running model from now on (see `model.history`)."""
        history.set_parameters(self, values)

    def port_conditions(self, day: dt.date, plan_passengers: bool = True) -> dict:
        """Lanes open by hour, inspection times and referral shares of each line today, and the
        booths the officers on duty staff.

        The lanes depend only on the day of the week and which events are on, so each such day is
        worked out once (the lists and lane arrays are shared: nobody writes to them); the booths
        follow the traffic the port expects on this weekday, so they are planned every day. The
        step does not plan the passenger pools (`Staffing.staff`'s `plan_passengers`): the day
        re-staffs them by its own lines.
        """
        active = tuple(e.active(day) for e in self.events)
        key = (day.weekday(), active)
        lines_today = self._port_days.get(key)
        if lines_today is None:
            events = [e for e, on in zip(self.events, active, strict=True) if on]
            lines_today = lines_on(self.lines, day.weekday(), events, self.pool_of, self.params["port.staffing_share"])
            self._port_days[key] = lines_today
        booths = self.staffing.staff(day, lines_today["lanes"], lines_today["primary_min"],
                                     lines_today["officer_factors"], plan_passengers)
        return {**lines_today, "booths": booths, "booth_hours": booths.sum(axis=1).tolist(),
                "closed_hours_ahead": self.freight.closed_hours_ahead(day) if any(active) else 0.0}

    def plan_crossings(self, day, port_today):
        """People choose a port for each hour they want to cross, by the time they expect to lose
        there (waiting for a closed gate to open included); visitors decide whether to go at all.
        """
        self.port_choice.choose(self.expected_time_in_port_by_hour, port_today["lanes"])
        expected_home = np.zeros(len(self.lines))
        expected_home[self.people_lines] = self.port_choice.expected_min()[PEOPLE_GROUPS.index("visitors")]
        self.visitor_expected_min = expected_home
        self.visitor_trips = self.crossing_demand.trips(expected_home)

    def hire_crews(self, day):
        """Growers ask for crews; locals first, then cross-border crews; commuters decide to cross."""
        days_in_month = calendar.monthrange(day.year, day.month)[1]
        imperial_demand = 0.0
        for g in self.growers:
            crew = g.plan_harvest(day.month, days_in_month)
            if not g.exports_north:
                imperial_demand += crew
        pool = self.workforce.farm_pool()
        local, cross, _unmet = self.labour_market.hire_crews(imperial_demand, pool)
        self.crew_share = (local + cross) / imperial_demand if imperial_demand > 0 else 1.0
        self.crews = (local, cross)
        farm_hired_share = cross / pool if pool > 0 else 0.0
        workday = day.weekday() < 6
        self.workforce.decide_crossing(farm_hired_share, workday)

    def produce_goods(self, day):
        """Plants run on the inputs they hold, and order inputs to restore their cover."""
        p = self.params
        working = day.weekday() < p["manufacturing.working_days_per_week"]
        south_wait_h = self.expected_delay_h((SOUTH,))
        on_order = self.freight.on_order().tolist()
        output, orders = [], []
        for plant, on_order_loads in zip(self.manufacturers, on_order, strict=True):
            loads = plant.produce(working)
            order = plant.input_order(p["manufacturing.input_loads_per_output_load"], south_wait_h,
                                      p["manufacturing.cover_per_wait_hour"], on_order_loads)
            output.append(loads)
            orders.append(order)
            self.freight.ledger["created"] += loads + order
            self.today["goods_loads_made"] += loads
            self.today["output_manufacturing_mx_usd"] += loads * p["manufacturing.value_per_load_usd"]
        self.freight.take_orders(output, orders)

    def serve_lines(self, day, port_today) -> list:
        """The ports serve every line through the day; commuters and visitors join them at the
        port and hour they chose, and the passenger officers go where those lines are.
        """
        p = self.params
        farm, other = self.workforce.arrivals_by_line(len(self.lines), p["labour.persons_per_vehicle"])
        home_units = np.array([farm[self.people_lines], other[self.people_lines],
                               self.visitor_trips[self.people_lines]])  # (group, home port, kind)
        # Trucks arrive only while the lanes are open; people may queue before opening.
        weights = self.port_choice.arrivals_by_hour(home_units, len(self.lines))
        trucks = self.truck_profile[None, :] * port_today["truck_hours"]
        sums = trucks.sum(axis=1, keepdims=True)
        weights += self.freight.arrivals[:, None] * trucks / np.where(sums > 0, sums, 1.0)
        self.arrivals_by_hour = weights
        # The passenger officers go where today's lines are, hour by hour (model.staffing).
        waiting = np.array([line.carried_wait_min.shape[0] for line in self.lines], dtype=float)
        self.staffing.staff_to_the_lines(day, port_today["booths"], port_today["lanes"], weights,
                                         port_today["primary_min"], waiting, port_today["officer_factors"])
        port_today["booth_hours"] = port_today["booths"].sum(axis=1).tolist()
        self.booths_today = port_today["booths"]
        totals = weights.sum(axis=1, keepdims=True)
        self.arrivals = totals[:, 0]
        cdfs = np.zeros((len(self.lines), 25))
        np.cumsum(weights / np.where(totals > 0, totals, 1.0), axis=1, out=cdfs[:, 1:])
        cdfs[totals[:, 0] <= 0] = _UNIFORM_CDF
        # Fractional expected arrivals round up or down at random, from a stream of their own.
        counts = np.floor(self.arrivals + self.rounding_stream.random(len(self.lines))).astype(int).tolist()
        # The day's figures by line and hour, which the lines write in place.
        self.wait_by_hour_min = np.zeros((len(self.lines), 24))
        self.time_in_port_by_hour = np.zeros((len(self.lines), 24))
        released_by_hour = np.zeros((len(self.lines), 24))

        def serve(i):
            return self.lines[i].serve_day(counts[i], cdfs[i], port_today["booths"][i], port_today["primary_min"][i],
                                           port_today["secondary_share"][i], self.line_streams[i], self.waiting,
                                           port_today["docks"][i], (self.wait_by_hour_min[i],
                                                                    self.time_in_port_by_hour[i], released_by_hour[i]))

        # Loads clear Mexico's export customs first: the trucks it releases, in the hours it
        # releases them, are the arrivals of the US line behind it.
        results = [None] * len(self.lines)
        for mx, us in self.feeds:
            results[mx] = serve(mx)
            released = results[mx].released_by_hour
            counts[us] = int(round(released.sum()))
            if counts[us] > 0:
                cdfs[us, 1:] = np.cumsum(released) / released.sum()
                self.arrivals_by_hour[us] = released
                self.arrivals[us] = counts[us]
        return [r if r is not None else serve(i) for i, r in enumerate(results)]

    def live_with_waits(self, day, results):
        """People and crews live with today's waits: commuters lose hours and wages, visitors
        their time, and Imperial growers harvest with the crews that came (late crews pick less).
        """
        p = self.params
        outcomes.record_lines(self, results)
        # Commuters: the time in port at the ports and hours they chose, by home line and sector.
        waits, visitors = self._by_home_line(self.port_choice.lived_min(self.time_in_port_by_hour))
        day = self.workforce.experience(waits, p["labour.slack_min"], p["labour.shift_hours"],
                                        p["labour.waiting_share_of_wage"], self.weight)
        self.today["commuter_wait_hours"] = day.person_hours
        self.today["commuter_time_hours"] = day.time_hours
        self.today["commuter_paid_hours_lost"] = day.paid_hours_lost
        self.today["cost_commuter_time_usd"] += day.time_usd
        self.today["cost_lost_wages_usd"] += day.wages_usd
        farm_lost_h, farm_days = day.farm_paid_hours_lost, day.farm_days
        # Households' income from the US jobs of non-farm commuters (their households live in
        # Mexicali). Farm crews' lost hours are already lost harvest, whose induced effect
        # includes their wages; counting them here too would count it twice.
        wf = self.workforce
        nonfarm = wf.headcount * wf.crossing * wf.nonfarm
        self.today["output_households_mx_usd"] = float(
            (nonfarm * wf.wage_usd_per_hour * (p["labour.shift_hours"] - wf.lost_paid_hours)).sum())

        # Visitors: their time at the ports and hours they chose; they spend on the US side.
        self.crossing_demand.live_with(self.today, self.visitor_trips, visitors, self.visitor_expected_min,
                                       self.inspection_min, p["crossers.value_of_time_usd_per_hour"],
                                       p["crossers.spent_at_home_share"])
        self.cost_port_switches()

        # Growers harvest with the crews that came, late crews picking less.
        local, cross = self.crews
        # Crew-days lost: the paid hours crews who crossed lost in line (those who stayed north lost none).
        lost_days = min(farm_lost_h / p["labour.shift_hours"], cross) if farm_days > 0 else 0.0
        crew_hours_share = (local + cross - lost_days) / (local + cross) if local + cross > 0 else 1.0
        per_load = p["agriculture.value_per_load_usd"]
        picked_total = exported = left_in_field_usd = 0.0
        for g in self.growers:
            if g.exports_north:
                picked = g.harvest(1.0, 0.0)
                exported += picked
            else:
                picked = g.harvest(self.crew_share, 1.0 - crew_hours_share)
                potential = g.planned_loads * per_load
                g.sell(picked * per_load, potential)
                left_in_field_usd += potential - picked * per_load
                self.today["output_agriculture_us_usd"] += picked * per_load
            picked_total += picked
        self.today["cost_crops_unharvested_usd"] += left_in_field_usd
        self.freight.ledger["created"] += exported  # the valley's harvest ships north from tomorrow
        self.today["harvest_loads"] += picked_total
        self.today["field_workers_us"] = local + cross
        self.today["farm_commuters"] = cross

    def cost_port_switches(self):
        """Those who crossed at the port that is not home lost the trip across Mexicali to it (the
        port choice weighed it; trucks' detours are costed as well), valued by the rule of the
        hours in line: a commuter's own wage, a visitor's value of time.
        """
        p = self.params
        commuters, visitors = self._by_home_line(self.port_choice.away_min())
        commuter_hours, commuter_usd = self.workforce.go_around(commuters, p["labour.waiting_share_of_wage"])
        visitor_hours = self.crossing_demand.person_hours(self.visitor_trips, visitors)
        self.today["port_switch_person_hours"] = commuter_hours + visitor_hours
        self.today["cost_port_switch_usd"] += commuter_usd + visitor_hours * p["crossers.value_of_time_usd_per_hour"]

    def _by_home_line(self, minutes):
        """A (group, home port, kind) table of minutes by home line: (lines, 2) for farm and
        non-farm commuters, (lines,) for visitors; zero at the trucks' lines.
        """
        commuters = np.zeros((len(self.lines), 2))
        commuters[self.people_lines, FARM] = minutes[PEOPLE_GROUPS.index("farm_commuters")]
        commuters[self.people_lines, NONFARM] = minutes[PEOPLE_GROUPS.index("other_commuters")]
        visitors = np.zeros(len(self.lines))
        visitors[self.people_lines] = minutes[PEOPLE_GROUPS.index("visitors")]
        return commuters, visitors

    def go_home(self):
        """Everyone who crossed north today goes home through Mexico's customs and loses its wait.

        The model does not queue the southbound passengers: Mexico sets that wait, and no lever
        here moves it, so each person loses the typical minutes (`crossers.southbound_wait_min`;
        none in the no-delay world), valued by the same rule as the hours in line north: a
        commuter's own wage (the evening's hours cost no paid work), a visitor's value of time.
        """
        p = self.params
        south_min = p["crossers.southbound_wait_min"] if self.waiting else 0.0
        commuter_hours, commuter_usd = self.workforce.go_home(south_min, p["labour.waiting_share_of_wage"])
        visitor_hours = self.today["visitor_trips"] * south_min / 60.0
        self.today["southbound_person_hours"] = commuter_hours + visitor_hours
        self.today["cost_southbound_time_usd"] += (commuter_usd
                                                   + visitor_hours * p["crossers.value_of_time_usd_per_hour"])

    def update_expectations(self, results, port_today):
        """Expectations move toward what today showed: the wait to primary (what CBP's wait times
        show), and the time in port that crossers decide on, by the hour they cross.

        A line closed all day says nothing about its waits, so expectations hold; an open line
        with nobody in it shows no wait.
        """
        w = self.weight
        # The port plans from what it saw: who came, and how long they waited.
        self.staffing.learn(self.date.weekday(), self.arrivals_by_hour,
                            self.wait_by_hour_min, w)
        open_today = port_today["open"] > 0
        wait = np.array([r.wait_mean_min for r in results])
        in_port = np.array([r.time_in_port_mean_min for r in results])
        self.expected_wait_min[open_today] += w * (wait - self.expected_wait_min)[open_today]
        self.expected_time_in_port_min[open_today] += w * (in_port - self.expected_time_in_port_min)[open_today]
        self.expected_time_in_port_by_hour[open_today] += w * (
            self.time_in_port_by_hour - self.expected_time_in_port_by_hour)[open_today]

    def expected_delay_h(self, names) -> float:
        """Mean expected time in port beyond an ordinary day's inspection at the named lines (h)."""
        idx = self._delay_lines[names]
        return float(np.maximum(0.0, self.expected_time_in_port_min[idx] - self.inspection_min[idx]).sum()
                     / len(idx)) / 60.0

    def adjust(self, day):
        """Commuters reconsider the US job daily; plants and fleets monthly; growers by season."""
        p = self.params
        farm_quit, nonfarm_quit = self.workforce.reconsider(
            p["labour.slack_min"], p["labour.shift_hours"], p["labour.waiting_share_of_wage"],
            p["labour.local_wage_usd_per_day"], p["labour.quit_patience_days"])
        self.today["commuters_quit"] = farm_quit + nonfarm_quit
        self.quits_this_month += farm_quit + nonfarm_quit
        self.labour_market.refill(nonfarm_quit)
        tomorrow = day + dt.timedelta(days=1)
        if tomorrow.day == 1:
            labour_available = self.mexicali_labour_available()
            growth = (1.0 + p["manufacturing.orders_growth_per_year"]) ** (1.0 / 12.0)
            # During the warm-up plants close the whole gap at once (a spin-up), so the measured
            # year starts from the employment its waits support, not from free flow.
            lag = 1.0 if self.days_done < self.warmup_days else p["manufacturing.employment_lag_months"]
            for plant in self.manufacturers:
                plant.baseline_jobs *= growth
                labour_available -= max(0.0, plant.review_month(
                    p["manufacturing.value_per_load_usd"], p["manufacturing.demand_elasticity"],
                    lag, p["manufacturing.loss_months_to_shrink"],
                    max(0.0, labour_available)))
            self.quits_this_month = 0.0
            for firm in self.firms:
                firm.review_fleet(p["trucking.utilisation_target"], p["trucking.fleet_adjust_per_month"])
            if tomorrow.month == SEASON_START_MONTH:
                for g in self.growers:
                    g.plan_season(p["agriculture.planting_response"])

    def mexicali_labour_available(self) -> float:
        """Workers plants could hire this month: the local labour market's monthly supply
        (`labour.mexicali_hires_per_month` of the sector's jobs) plus the commuters who gave up
        the US job this month; employment can never grow past the labour available.
        """
        monthly = self.params["labour.mexicali_hires_per_month"] * self.params["manufacturing.jobs"]
        return monthly + self.quits_this_month

    def run(self):
        """Run the warm-up and the measured days."""
        while self.days_done < self.n_days:
            self.step()
        return self
