"""Shipments across the border: what waits to cross, how it is dispatched, and what it delivers.

Produce from the Mexicali Valley and plants' finished goods wait with the shipper (by origin,
destination and, for produce, age in days) until a carrier takes them; plants' input orders
wait to go south. Each day the freight market gives yesterday's loads to carriers, who share
each group among the truck crossings by expected generalised cost (`TruckingFirm.choose_crossing`);
nobody sends a truck to a line it cannot clear today. When the port has served its lines the
loads it released are delivered: produce at the quality the hours cost it, goods as trade,
inputs to the plants that ordered them. Carriers book the truck-hours, held loads carry their
inventory cost, and produce that waited past its shelf life spoils.

The agents decide (growers what to harvest, plants what to make and order, carriers their
rates and routes); this module keeps the loads and does the arithmetic between them.
"""

import datetime as dt

import numpy as np
from numba import njit

from agents import TruckingFirm
from model.markets import FreightMarket
from model.region import KM_PER_MILE

LOADED_NORTH = ("east_commercial_standard", "east_commercial_fast")
# Loaded trucks clear Mexico's export customs first: the standard lanes, or the express lane for
# certified (FAST) loads. Empty trucks carry no export declaration and go straight to the US line.
EXPORT_NORTH = ("east_mx_export_standard", "east_mx_export_express")
FEEDS = tuple(zip(EXPORT_NORTH, LOADED_NORTH, strict=True))  # (export customs lane, the US line it feeds)
SOUTH = "east_commercial_south"
EMPTY_NORTH = "east_commercial_empty"
TRUCK_LINES = (*EXPORT_NORTH, *LOADED_NORTH, EMPTY_NORTH, SOUTH)
# Where finished goods go (assumption: most to transfer yards in Calexico, the rest onward).
GOODS_DEST_SHARE = {"calexico": 0.6, "los_angeles": 0.3, "san_diego": 0.05, "phoenix": 0.05}


class Freight:
    """The loads waiting, dispatched and delivered, for a `BorderModel`.

    Attributes:
        produce_backlog: (produce groups, shelf-life days) loads harvested and not yet shipped, by age.
        goods_backlog: (goods groups,) finished loads not yet shipped.
        inputs_backlog: (plants,) input loads ordered and not yet shipped south.
        inputs_in_line: (plants,) input loads sent to the southbound line and not yet released.
        arrivals: (lines,) trucks dispatched to each line today (zero at the people's lines).
        ledger: loads created, delivered, diverted and spoiled since the start (a conservation check).
        last_truck_wait_h: hours a truck's turn took beyond inspection on the last open day.

    """

    def __init__(self, model):
        """Set up the load groups, the backlogs and the route costs of the model's agents.

        Args:
            model: the `BorderModel` (its parameters, lines, region and agents; its `today` record).

        """
        self.model = model
        p = self.params
        self.line_index = model.line_index
        self.lines = model.lines
        # Shipping groups: one per (origin, destination, perishable) of exported produce.
        exporters = [g for g in model.growers if g.exports_north]
        self.produce_groups = sorted({(g.place, d, g.perishable) for g in exporters for d in g.destinations})
        self.produce_perishable = np.array([perishable for _, _, perishable in self.produce_groups], dtype=bool)
        self.produce_sources = [(self.produce_groups.index((g.place, d, g.perishable)), g, share)
                                for g in exporters for d, share in g.destinations.items()]
        self.produce_backlog = np.zeros((len(self.produce_groups), p["agriculture.shelf_life_days"]))
        plants = model.manufacturers
        self.goods_groups = sorted({(m.place, d) for m in plants for d in GOODS_DEST_SHARE})
        self.plant_to_goods_group = np.zeros((len(plants), len(self.goods_groups)))
        for i, plant in enumerate(plants):
            for d, share in GOODS_DEST_SHARE.items():
                self.plant_to_goods_group[i, self.goods_groups.index((plant.place, d))] = share
        self.goods_backlog = np.zeros(len(self.goods_groups))
        self.goods_made_today = np.zeros(len(self.goods_groups))
        self.inputs_backlog = np.zeros(len(plants))
        self.inputs_in_line = np.zeros(len(plants))

        self.region = model.region
        self.east = self.region.truck_ports.index("calexico_east")
        self.other_ports = [k for k in range(len(self.region.truck_ports)) if k != self.east]
        self.diverted_columns = [f"diverted_{self.region.truck_ports[k]}" for k in self.other_ports]
        self.south_diverted_columns = [f"diverted_south_{self.region.truck_ports[k]}" for k in self.other_ports]
        self.inputs_elsewhere = np.zeros(len(plants))  # inputs that went by another port today
        self.market = FreightMarket()
        self.configure()
        self.rate_usd = p["trucking.free_flow_cycle_hours"] * p["trucking.cost_per_hour_usd"] * (
            1 + p["trucking.margin"])
        self.last_truck_wait_h = 0.0
        self.arrivals = np.zeros(len(self.lines))
        self.loads_moved_by_firm = np.zeros(len(model.firms))
        self.produce_east = self.produce_east_perishable = self.produce_east_age_days = 0.0
        self.ledger = dict.fromkeys(("created", "delivered", "diverted", "spoiled"), 0.0)
        self.kept_share = 1.0  # of its value, what produce kept on the last day some reached its buyers

    @property
    def params(self) -> dict:
        """The parameters in force (`BorderModel.set_parameters` may change them mid-run)."""
        return self.model.params

    def configure(self):
        """Work out the route costs, the free-flow shares and a truck's ordinary turn at the port
        from the parameters in force (again when `BorderModel.set_parameters` changes them).
        """
        p, plants = self.params, self.model.manufacturers
        self.produce_route_usd, self.produce_free_shares = self._route_costs(self.produce_groups)
        self.goods_route_usd, self.goods_free_shares = self._route_costs(self.goods_groups)
        # Inputs come south to each plant from where its goods go (assumption: the same yards and
        # markets, in the same shares); a plant's distance cost through a crossing is their mean.
        km = np.array([sum(share * self.region.crossing_km(o, plant.place) for o, share in GOODS_DEST_SHARE.items())
                       for plant in plants]).reshape(len(plants), -1)
        self.inputs_route_usd = km / KM_PER_MILE * p["trucking.cost_per_mile_usd"]
        self.inputs_free_shares = TruckingFirm.choose_crossing(
            self.inputs_route_usd + self.crossing_waits_h(0.0) * p["trucking.cost_per_hour_usd"],
            p["trucking.route_choice_spread_usd"])
        # Each load group's free-flow shares at each crossing and distance cost via East, for `_go_around`.
        self._free_flow = {group: (shares, route[:, [self.east]]) for group, shares, route in (
            ("produce", self.produce_free_shares, self.produce_route_usd),
            ("goods", self.goods_free_shares, self.goods_route_usd),
            ("inputs", self.inputs_free_shares, self.inputs_route_usd))}
        # What a truck's turn takes at the port on an ordinary day: each loaded lane's northbound
        # crossing (its export customs and its US line), and southbound.
        nominal = {name: float(self.model.inspection_min[i]) for name, i in self.line_index.items()}
        self._nominal_crossing_min = tuple(nominal[mx] + nominal[us] for mx, us in FEEDS)
        self._nominal_south_min = nominal[SOUTH]

    # ------------------------------------------------------------------ loads to ship
    def on_order(self) -> np.ndarray:
        """Input loads each plant has ordered and not yet received (waiting or in line)."""
        return self.inputs_backlog + self.inputs_in_line

    def take_orders(self, goods_loads, input_orders):
        """Plants' finished loads of today (shipped from tomorrow) and their input orders."""
        self.inputs_backlog += input_orders
        self.goods_made_today = np.array(goods_loads) @ self.plant_to_goods_group

    # ---------------------------------------------------------------------- dispatch
    def dispatch(self, day, port_today):
        """Carriers take yesterday's loads and choose a crossing by expected generalised cost.

        On a day the schedule shuts the cargo lanes (Sundays) carriers hold their loads for the
        next opening, whatever else is on. On other days a closure by an event, or a lane with
        too few officers to clear its loads, is a choice between holding and going around by
        another port. Sets `arrivals`, the trucks sent to each line.
        """
        p, model, today = self.params, self.model, self.model.today
        firms = model.firms
        cost_h = p["trucking.cost_per_hour_usd"]
        self.arrivals = np.zeros(len(self.lines))
        self.loads_moved_by_firm = np.zeros(len(firms))
        self.produce_east = self.produce_east_perishable = self.produce_east_age_days = 0.0
        self.inputs_elsewhere = np.zeros(len(self.inputs_backlog))
        if self._scheduled_shut(day, LOADED_NORTH[:1]):  # by the schedule, not by the officers on duty
            return
        # The whole crossing a load expects, Mexico's export customs then the US line: by the
        # standard lane without certification, by the FAST lane with it (the fleet's FAST share).
        fleet = sum(f.trucks for f in firms)
        fast = sum(f.fast_share * f.trucks for f in firms) / fleet if fleet else 0.0
        standard_h, fast_h = (model.expected_delay_h((mx,)) + model.expected_delay_h((us,)) for mx, us in FEEDS)
        nb_wait_h = (1.0 - fast) * standard_h + fast * fast_h
        # Trucks' turns are as long as the lines they sat in on the last open day.
        cycle_h = p["trucking.free_flow_cycle_hours"] + self.last_truck_wait_h
        for firm in firms:
            firm.set_rate(cycle_h, cost_h, p["trucking.margin"], p["trucking.utilisation_target"],
                          p["trucking.rate_response"])
        capacity = np.array([f.capacity_loads(p["trucking.shift_hours"], cycle_h) for f in firms])
        rates = np.array([f.rate_usd for f in firms])

        closed_h = port_today["closed_hours_ahead"]
        wait_h = self.crossing_waits_h(nb_wait_h)
        wait_h[self.east] += closed_h

        # What shippers want moved today; the freight market says how much carriers can take.
        want_produce = self.produce_backlog.sum(axis=1)
        want_goods = self.goods_backlog.copy()
        want_inputs = self.inputs_backlog.copy()
        demand = want_produce.sum() + want_goods.sum() + want_inputs.sum() * (1 - p["trucking.backhaul_share"])
        moved = self.market.allocate(demand, capacity, rates)
        local = moved.sum()
        self.rate_usd = float((moved * rates).sum() / local) if local > 0 else float(rates.mean())
        # Loads the region's drayage fleet cannot take today go with carriers from outside it
        # (long-haul trucks that cross themselves), at a dearer rate: the market never leaves a
        # load with the shipper for want of trucks, it prices it.
        outside = max(0.0, demand - local)
        moved_total = local + outside
        share = min(1.0, moved_total / demand) if demand > 0 else 1.0

        # Carriers share each load group among crossings by generalised cost: distance plus
        # expected wait (plus, for produce, the quality it would lose waiting).
        spread = p["trucking.route_choice_spread_usd"]
        quality_usd_per_h = (p["agriculture.value_per_load_usd"] * p["agriculture.quality_loss_per_hour"]
                             * model.heat_factor[day.month])
        truck_cost = self.produce_route_usd + wait_h * cost_h
        produce_cost = truck_cost + wait_h * quality_usd_per_h * self.produce_perishable[:, None]
        goods_cost = self.goods_route_usd + wait_h * cost_h
        produce_shares = TruckingFirm.choose_crossing(produce_cost, spread)
        goods_shares = TruckingFirm.choose_crossing(goods_cost, spread)
        produce_loads, goods_loads = np.floor(want_produce * share), np.floor(want_goods * share)
        produce_counts = self._split(produce_loads, produce_shares, closed_h > 0)
        goods_counts = self._split(goods_loads, goods_shares, closed_h > 0)
        # Nobody sends a truck to a line it cannot clear today: loads beyond what the booths can
        # take (less those still in line) wait with the shipper for tomorrow. Each lane has its
        # own room (the export customs' and the US line's, whichever is less); the fleet's FAST
        # share says how the loads divide between the lanes.
        lanes = self.lane_rooms(port_today)
        east_total = produce_counts[:, self.east].sum() + goods_counts[:, self.east].sum()
        room = self.loaded_room(port_today, fast, east_total, lanes)
        if east_total > room:
            hold_h = self.hold_h(day, FEEDS[0])  # held loads wait for the standard lane
            self._hold_or_go_around(produce_counts, room / east_total, produce_cost,
                                    hold_h * (cost_h + quality_usd_per_h * self.produce_perishable), spread)
            self._hold_or_go_around(goods_counts, room / east_total, goods_cost, hold_h * cost_h, spread)

        produce_sent = produce_counts.sum(axis=1)
        taken = self._take_oldest(self.produce_backlog, produce_sent)
        age_days = (taken @ np.arange(taken.shape[1])) / np.maximum(produce_sent, 1e-12)
        to_east = produce_counts[:, self.east]
        self.produce_east = float(to_east.sum())
        self.produce_east_perishable = float(to_east[self.produce_perishable].sum())
        self.produce_east_age_days = float((age_days * to_east)[self.produce_perishable].sum())
        # Detours are costed in truck time and distance; quality lost on the way is spoilage.
        self._go_around(produce_counts, produce_loads, "produce", truck_cost, self.diverted_columns)
        elsewhere = produce_counts.copy()
        elsewhere[:, self.east] = 0.0
        self._deliver_produce(elsewhere, age_days[:, None] * 24.0 + wait_h[None, :], day,
                              self.produce_perishable[:, None])

        self.goods_backlog -= goods_counts.sum(axis=1)
        self._go_around(goods_counts, goods_loads, "goods", goods_cost, self.diverted_columns)
        goods_total, goods_east = goods_counts.sum(), goods_counts[:, self.east].sum()
        today["trade_north_usd"] += (goods_total - goods_east) * p["manufacturing.value_per_load_usd"]
        east_loaded = self.produce_east + float(goods_east)
        # Inputs south choose a crossing or hold, as loads north do: by distance and the wait
        # expected at Calexico East's southbound line (or the hours until it reopens).
        south_closed_h = self.closed_hours_ahead(day, ((SOUTH,),)) if model.events else 0.0
        south_wait_h = self.crossing_waits_h(model.expected_delay_h((SOUTH,)))
        south_wait_h[self.east] += south_closed_h
        inputs_cost = self.inputs_route_usd + south_wait_h * cost_h
        input_loads = np.floor(want_inputs * share)
        input_counts = self._split(input_loads, TruckingFirm.choose_crossing(inputs_cost, spread),
                                   south_closed_h > 0)
        room = self.line_room(port_today, (SOUTH,))
        east_inputs = input_counts[:, self.east].sum()
        if east_inputs > room:
            self._hold_or_go_around(input_counts, room / east_inputs, inputs_cost,
                                    self.hold_h(day, (SOUTH,)) * cost_h, spread)
        self._go_around(input_counts, input_loads, "inputs", inputs_cost, self.south_diverted_columns)
        south = input_counts[:, self.east]
        self.inputs_elsewhere = input_counts.sum(axis=1) - south
        self.inputs_backlog -= input_counts.sum(axis=1)
        self.inputs_in_line += south
        south_total = float(south.sum())
        inputs_total = float(input_counts.sum())

        # Whole trucks (every load is counted): the certified loads take the FAST lane up to its
        # room (those beyond it take the standard lane), the rest the standard lane.
        fast_loads = min(float(np.round(east_total * fast)), max(0.0, float(np.floor(lanes[1]))), east_loaded)
        self.arrivals[self.line_index["east_mx_export_express"]] = fast_loads
        self.arrivals[self.line_index["east_mx_export_standard"]] = east_loaded - fast_loads
        # The trucks that went south without a load to bring back head home empty, by the empty
        # lane. No carrier sends a truck into a line it cannot clear today: the empties beyond its
        # room go home around by the nearer other port, as loads do.
        empties = south * (1 - p["trucking.backhaul_share"])
        room, total = self.line_room(port_today, (EMPTY_NORTH,)), float(empties.sum())
        around = empties * (1.0 - room / total) if total > room else np.zeros_like(empties)
        self._go_home_around(around, inputs_cost)
        self.arrivals[self.line_index[EMPTY_NORTH]] = total - float(around.sum())
        self.arrivals[self.line_index[SOUTH]] = south_total
        # Carriers book only the cycles that left today (the line's room may have held some back).
        cycles = produce_sent.sum() + goods_total + inputs_total * (1 - p["trucking.backhaul_share"])
        self.loads_moved_by_firm = moved * (cycles / moved_total) if moved_total > 0 else moved
        outside_cycles = cycles * outside / moved_total if moved_total > 0 else 0.0
        today["cost_outside_carriers_usd"] += outside_cycles * self.rate_usd * (p["trucking.outside_rate_factor"] - 1)
        today["loads_dispatched"] = east_loaded + south_total  # at Calexico East

    def closed_hours_ahead(self, day, lanes=FEEDS) -> float:
        """Hours until a lane reopens if events close every one of the given lanes today (`hold_h`
        of the first to reopen: closed on a Saturday, they reopen on Monday), else 0. By default
        Calexico East's loaded northbound lanes, standard and FAST (each its export customs and
        its US line): while either is open, loads are sent, and the lanes' rooms say how many
        (`loaded_room`).
        """
        if all(self._closed_by_event(day, lane) for lane in lanes):
            return min(self.hold_h(day, lane) for lane in lanes)
        return 0.0

    def _closed_by_event(self, day, lane) -> bool:
        """Whether an event closes any of the lane's lines on the day."""
        return any(e.kind == "closure" and e.active(day) and any(n in e.lines for n in lane) for e in self.model.events)

    def _scheduled_shut(self, day, names) -> bool:
        """Whether the schedule shuts any of the named lines all day (Sundays at the cargo lanes)."""
        return any(not self.lines[self.line_index[n]].open_mask(day.weekday()).any() for n in names)

    def lane_rooms(self, port_today) -> tuple[float, float]:
        """Loaded trucks each northbound lane can take today, (standard, FAST): the lesser of its
        export customs' room and its US line's, less the trucks still at the export customs from
        yesterday (in line or in its lot), who go on to that US line too.
        """
        rooms = []
        for mx, us in FEEDS:
            customs = self.lines[self.line_index[mx]]
            still_at_customs = customs.carried_wait_min.shape[0] + customs.in_lot_min.shape[0]
            rooms.append(min(self.line_room(port_today, (mx,)),
                             max(0.0, self.line_room(port_today, (us,)) - still_at_customs)))
        return rooms[0], rooms[1]

    def loaded_room(self, port_today, fast_share: float, loads: float,
                    lanes: tuple[float, float] | None = None) -> float:
        """How many of `loads` bound for Calexico East today its lanes take, lane by lane
        (`lane_rooms`). The loads without certification (1 - the fleet's FAST share) take only the
        standard lane; certified loads take the FAST lane, or the standard lane's room the others
        leave when the FAST lane is full or closed (a FAST lane is a privilege of certified loads,
        not an obligation). Neither lane is filled past its own room, and a full standard lane
        holds back only the loads without certification. `lanes`: today's `lane_rooms`, if the
        caller has them.
        """
        standard, fast = lanes if lanes is not None else self.lane_rooms(port_today)
        uncertified, certified = loads * (1.0 - fast_share), loads * fast_share
        if uncertified <= standard and certified <= fast + max(0.0, standard - uncertified):
            return loads  # all fit (the two shares' sum may round to a hair below the loads)
        return min(uncertified, standard) + min(certified, fast + max(0.0, standard - uncertified))

    def hold_h(self, day: dt.date, lane: tuple) -> float:
        """Hours a load held today waits for the lane to open again: until the next day on which the
        schedule opens all its lines and no event closes any of them (Saturday's wait for Monday,
        a closure's reopening, whether the closure is on today or starts tomorrow).

        Args:
            day: today.
            lane: the lane's lines (an export customs' lane and its US line, or the southbound line).

        """
        for ahead in range(1, 61):
            d = day + dt.timedelta(days=ahead)
            if not self._scheduled_shut(d, lane) and not self._closed_by_event(d, lane):
                return 24.0 * ahead
        return 24.0 * 60  # shut for good: a closure's horizon

    def _hold_or_go_around(self, counts, room_share: float, cost_usd, hold_usd, spread: float):
        """Loads beyond Calexico East's room today wait with the shipper or go by another port.

        Each group's loads past the room choose again, by the carriers' logit, between holding until
        the lane opens again (the crossing's cost and the hours until then, `hold_h`, valued as a
        closure's hours are) and the other crossings; those holding stay in the backlog. Without
        the choice a line whose room falls short day after day held its loads without end.

        Args:
            counts: (groups, crossings) whole loads sent, changed in place.
            room_share: the share of the loads bound for East that its room takes today.
            cost_usd: (groups, crossings) generalised cost of each crossing.
            hold_usd: what holding until the line next opens adds to East's (per group, or one for all).
            spread: the carriers' logit scale (USD).

        """
        east = counts[:, self.east].copy()
        counts[:, self.east] = np.floor(east * room_share)
        beyond = east - counts[:, self.east]
        cost_usd = cost_usd.copy()
        cost_usd[:, self.east] += hold_usd
        shares = TruckingFirm.choose_crossing(cost_usd, spread)
        around = largest_remainders(beyond, shares)[:, self.other_ports]
        counts[:, self.other_ports] += around
        self.model.today["loads_around"] += float(around.sum())

    def line_room(self, port_today, names) -> float:
        """Trucks the named lines can clear today: what their booths can inspect, and what their
        docks and lot can take of the share referred, less those already in line or in the lot.
        """
        if not self.model.waiting:  # nobody waits: a line open today takes every truck, a shut one none
            return np.inf if any(port_today["open"][self.line_index[n]] > 0 for n in names) else 0.0
        room = 0.0
        for name in names:
            i, line = self.line_index[name], self.lines[self.line_index[name]]
            primary = (60.0 * port_today["booth_hours"][i] / max(port_today["primary_min"][i], 1e-6)
                       - line.carried_wait_min.shape[0])
            share = port_today["secondary_share"][i]
            secondary = ((60.0 * port_today["dock_hours"][i] / max(line.secondary_min, 1e-6) + line.lot_places
                          - line.in_lot_min.shape[0]) / share) if share > 0 else np.inf
            room += max(0.0, min(primary, secondary))
        return room

    def crossing_waits_h(self, east_wait_h: float) -> np.ndarray:
        """Expected wait (hours) at each truck crossing. The no-delay counterfactual frees only the
        Calexico ports, whose waits the model produces: Otay Mesa and San Luis keep theirs.
        """
        p = self.params
        alternatives = {"otay_mesa": p["alternatives.otay_mesa_wait_min"] / 60.0,
                        "san_luis": p["alternatives.san_luis_wait_min"] / 60.0, "calexico_east": east_wait_h}
        return np.array([alternatives[port] for port in self.region.truck_ports])

    def _route_costs(self, groups):
        """Distance cost (USD) of each (origin, destination) group through each truck crossing,
        and how carriers share the group among crossings at free flow (no wait at East).
        """
        km = np.array([self.region.crossing_km(o, d) for o, d, *_ in groups]).reshape(len(groups), -1)
        usd = km / KM_PER_MILE * self.params["trucking.cost_per_mile_usd"]
        free = usd + self.crossing_waits_h(0.0) * self.params["trucking.cost_per_hour_usd"]
        return usd, TruckingFirm.choose_crossing(free, self.params["trucking.route_choice_spread_usd"])

    @staticmethod
    def _take_oldest(backlog: np.ndarray, loads: np.ndarray) -> np.ndarray:
        """Remove `loads` from each group's age-bucketed backlog, oldest first; returns what was taken."""
        oldest_first = backlog[:, ::-1]
        before = np.cumsum(oldest_first, axis=1) - oldest_first  # loads older than each bucket
        taken = np.clip(loads[:, None] - before, 0.0, oldest_first)[:, ::-1]
        backlog -= taken
        return taken

    def _split(self, loads: np.ndarray, shares: np.ndarray, east_closed: bool) -> np.ndarray:
        """Whole loads per group and crossing (largest remainders); those bound for a closed
        Calexico East wait with the shipper.
        """
        counts = largest_remainders(loads, shares)
        if east_closed:
            counts[:, self.east] = 0.0
        return counts

    def _go_around(self, counts, loads, group: str, cost_usd, columns):
        """Loads through other ports: beyond what goes there at free flow, a diversion.

        Free flow is today's loads of each group (`loads`, those held with the shipper included)
        split at the free-flow shares, in whole loads too (largest remainders), so neither a load
        that rounding alone sends elsewhere nor the loads held back count as diverted.
        """
        today, others = self.model.today, self.other_ports
        through = counts[:, others]
        free_shares, route_east = self._free_flow[group]
        diverted = np.maximum(0.0, through - largest_remainders(loads, free_shares)[:, others])
        diverted_by_port = diverted.sum(axis=0)
        diverted_total = float(diverted_by_port.sum())
        self.ledger["diverted"] += diverted_total
        self.ledger["delivered"] += float(through.sum()) - diverted_total
        for column, loads in zip(columns, diverted_by_port.tolist(), strict=True):
            today[column] += loads
        if diverted_total > 0:
            extra = np.maximum(0.0, cost_usd[:, others] - route_east)
            today["cost_detour_usd"] += float((diverted * extra).sum())

    def _go_home_around(self, empties, south_cost_usd):
        """Empty trucks sent home by another port (per plant they served): the extra distance and
        the expected wait there over the way they came, East, at truck costs.
        """
        today, others = self.model.today, self.other_ports
        if not empties.sum() > 0:
            return
        # The way home mirrors the way south: the same distances and expected waits at each port.
        cost = south_cost_usd[:, others]
        best = np.argmin(cost, axis=1)
        extra = np.maximum(0.0, cost[np.arange(len(best)), best] - self.inputs_route_usd[:, self.east])
        today["cost_detour_usd"] += float((empties * extra).sum())
        today["empties_around"] += float(empties.sum())

    # -------------------------------------------------------------------- deliveries
    def deliver(self, day, results, port_today):
        """What the port released reaches its buyers; carriers, plants and growers book the day.

        Args:
            day: the date.
            results: each line's `LineDay`.
            port_today: the lines' conditions today (`BorderModel.port_conditions`).

        """
        p, model, today = self.params, self.model, self.model.today
        cost_h = p["trucking.cost_per_hour_usd"]
        truck_lines = [self.line_index[n] for n in TRUCK_LINES]
        wait_h = sum(results[i].wait_hours + results[i].secondary_wait_hours for i in truck_lines)
        today["cost_truck_delay_usd"] += wait_h * cost_h

        # Produce and goods that crossed at Calexico East today.
        # A load is delivered when the port releases its truck, secondary inspection included.
        loaded = [self.line_index[n] for n in LOADED_NORTH]
        released = sum(results[i].released for i in loaded)
        arrived = sum(results[self.line_index[n]].arrivals for n in EXPORT_NORTH)  # dispatched today
        self.ledger["delivered"] += released  # includes those carried from yesterday
        # Their hours in port: the whole crossing, export customs and US line.
        in_port_h = (sum(crossing_min(results, self.line_index, mx, us) * results[self.line_index[us]].released
                         for mx, us in FEEDS) / released / 60.0) if released else 0.0
        if self.produce_east > 0 and arrived > 0:
            perishable_share = self.produce_east_perishable / arrived
            durable_share = (self.produce_east - self.produce_east_perishable) / arrived
            age_h = self.produce_east_age_days / max(self.produce_east_perishable, 1e-12) * 24.0
            self._deliver_produce(released * perishable_share, age_h + in_port_h, day, True)
            self._deliver_produce(released * durable_share, 0.0, day, False)
            goods = released * (1 - perishable_share - durable_share)
        else:
            goods = released
        today["trade_north_usd"] += goods * p["manufacturing.value_per_load_usd"]

        self._supply_plants(results[self.line_index[SOUTH]])
        self._book_carriers(wait_h)

        # Loads held by shippers for want of trucks or room at the port, and loaded trucks' stock
        # waiting at the port, carry the inventory cost of their value while they wait.
        holding_per_day = p["manufacturing.holding_cost_per_year"] / 365.0
        held_usd = (self.produce_backlog.sum() * p["agriculture.value_per_load_usd"]
                    + (self.goods_backlog.sum() + self.inputs_backlog.sum()) * p["manufacturing.value_per_load_usd"])
        today["cost_held_loads_usd"] += held_usd * holding_per_day
        in_line_h = sum(results[self.line_index[n]].wait_hours + results[self.line_index[n]].secondary_wait_hours
                        for n in (*EXPORT_NORTH, *LOADED_NORTH, SOUTH))
        today["cost_stock_in_line_usd"] += (in_line_h / 24.0 * p["manufacturing.value_per_load_usd"]
                                            * holding_per_day)

        # Today's produce and goods wait for tomorrow's trucks; old produce spoils.
        self._age_produce()
        # Mexicali Valley growers sell today's harvest at the share of value their produce kept
        # on its way north today (quality and spoiled loads lost), a signal for next season. On a
        # day no produce reached its buyers (Sundays) the last day's share stands: that day's
        # spoilage alone would price the whole harvest at nothing.
        per_load = p["agriculture.value_per_load_usd"]
        kept_usd, lost_usd = today["output_agriculture_mx_usd"], today["cost_spoilage_usd"]
        if kept_usd > 0:
            self.kept_share = kept_usd / (kept_usd + lost_usd)
        for g in model.growers:
            if g.exports_north:
                g.sell(g.harvested_loads * per_load * self.kept_share, g.harvested_loads * per_load)
        self.goods_backlog += self.goods_made_today
        for g, grower, share in self.produce_sources:
            self.produce_backlog[g, 0] += grower.harvested_loads * share
        self._turn_time(results, port_today)

    def _supply_plants(self, south):
        """Inputs that crossed south reach the plants; the rest is still in line. Plants book
        the day's freight, inventory and stoppage costs.
        """
        p, today = self.params, self.model.today
        in_line = self.inputs_in_line.sum()
        got = min(1.0, south.released / in_line) if in_line > 0 else 0.0
        released = self.inputs_in_line * got
        self.inputs_in_line -= released
        self.ledger["delivered"] += float(released.sum())  # those by other ports were counted at dispatch
        received = released + self.inputs_elsewhere
        today["trade_south_usd"] += float(received.sum()) * p["manufacturing.value_per_load_usd"]
        ratio = p["manufacturing.input_loads_per_output_load"]
        holding = p["manufacturing.holding_cost_per_year"] / 365.0
        value, va_share = p["manufacturing.value_per_load_usd"], p["manufacturing.value_added_share"]
        rate_usd = self.rate_usd
        inventory_usd = stoppage_usd = 0.0
        for plant, got_loads in zip(self.model.manufacturers, received.tolist(), strict=True):
            plant.receive_inputs(got_loads, ratio)
            full_loads = plant.daily_output_loads
            inventory = plant.stock_days * full_loads * ratio * value * holding
            # The value added of the loads not made. It includes the pay of the workers standing
            # idle, so their wages are not counted again.
            stoppage = plant.stopped_share * full_loads * value * va_share
            inventory_usd += inventory
            stoppage_usd += stoppage
            plant.book_costs(plant.output_loads * rate_usd + inventory, plant.output_loads, value, va_share, stoppage)
        today["cost_inventory_usd"] += inventory_usd
        today["cost_stoppage_usd"] += stoppage_usd

    def _book_carriers(self, wait_h):
        """Carriers book truck-hours: free-flow cycles plus the waits their trucks sat through."""
        p, today = self.params, self.model.today
        cost_h = p["trucking.cost_per_hour_usd"]
        total = float(self.loads_moved_by_firm.sum())
        cycles = self.loads_moved_by_firm.tolist()
        free_flow_h, shift_h = p["trucking.free_flow_cycle_hours"], p["trucking.shift_hours"]
        for firm, firm_loads in zip(self.model.firms, cycles, strict=True):
            share = firm_loads / total if total > 0 else 0.0
            firm.carry(firm_loads, firm_loads * free_flow_h + share * wait_h, shift_h, cost_h)
            # Trucking's output: the loads carried, at free-flow truck-hours. The hours in line are
            # costed once, as cost_truck_delay_usd; taking them off output too would send the same
            # hours through the input-output layer as lost trucking output (a double count).
            side = "us" if firm.base == "US" else "mx"
            today[f"output_trucking_{side}_usd"] += firm_loads * free_flow_h * cost_h

    def _turn_time(self, results, port_today):
        """A truck's next turn is as long as today's lines (kept from the last day the lanes opened).

        The northbound part is the trucks' mean: each lane's crossing beyond its inspection,
        weighted by the trucks its US line released (a closed FAST lane is no turn anyone took,
        and the FAST lane's few trucks are few of the fleet's turns).
        """
        south_line = self.line_index[SOUTH]
        if port_today["open"][south_line] > 0:
            released = [results[self.line_index[us]].released for _, us in FEEDS]
            total = sum(released)
            north = sum(n * (crossing_min(results, self.line_index, mx, us) - nominal)
                        for n, (mx, us), nominal in zip(released, FEEDS, self._nominal_crossing_min, strict=True)
                        ) / total if total else 0.0
            self.last_truck_wait_h = max(0.0, north + results[south_line].time_in_port_mean_min
                                         - self._nominal_south_min) / 60.0

    def _deliver_produce(self, loads, delay_h, day, perishable):
        """Produce reaches market; perishable produce loses quality to delay and heat."""
        p, today = self.params, self.model.today
        value = np.asarray(loads) * p["agriculture.value_per_load_usd"]
        rate = p["agriculture.quality_loss_per_hour"] * self.model.heat_factor[day.month] * np.asarray(perishable)
        loss = 1.0 - np.exp(-rate * delay_h)
        today["cost_spoilage_usd"] += float((value * loss).sum())
        today["output_agriculture_mx_usd"] += float((value * (1 - loss)).sum())
        today["trade_north_usd"] += float((value * (1 - loss)).sum())

    def _age_produce(self):
        """A day older; perishable loads past their shelf life are lost, others keep."""
        today = self.model.today
        perishable = self.produce_perishable
        spoiled = self.produce_backlog[perishable, -1].sum()
        kept = self.produce_backlog[~perishable, -1].copy()
        self.produce_backlog[:, 1:] = self.produce_backlog[:, :-1]
        self.produce_backlog[:, 0] = 0.0
        self.produce_backlog[~perishable, -1] += kept
        self.ledger["spoiled"] += spoiled
        today["cost_spoilage_usd"] += spoiled * self.params["agriculture.value_per_load_usd"]
        today["spoiled_loads"] += spoiled


@njit(cache=True)
def largest_remainders(loads, shares):
    """Whole loads per group and crossing: each crossing its share's whole loads, and the loads
    left over to the largest remainders (ties to the first crossing). Compiled: three calls a
    day on small arrays, where numpy's per-call cost would dominate.
    """
    groups, crossings = shares.shape
    counts = np.empty((groups, crossings))
    below = np.empty(crossings)  # whole loads less the exact share: minus the remainder
    for g in range(groups):
        whole = 0.0
        for c in range(crossings):
            raw = loads[g] * shares[g, c]
            counts[g, c] = np.floor(raw)
            below[c] = counts[g, c] - raw
            whole += counts[g, c]
        short = np.round(loads[g] - whole)
        for c in range(crossings):
            rank = 0  # of this crossing's remainder, largest first (a stable sort's order)
            for k in range(crossings):
                if below[k] < below[c] or (below[k] == below[c] and k < c):
                    rank += 1
            if rank < short:
                counts[g, c] += 1.0
    return counts


def crossing_min(results, line_index, mx: str, us: str) -> float:
    """Mean minutes of today's northbound crossing by one lane: the time in port at Mexico's
    export customs plus the time in port at the US line it feeds (joining the first line to
    release at the second; the short drive between them is in the US line's wait).
    """
    return results[line_index[mx]].time_in_port_mean_min + results[line_index[us]].time_in_port_mean_min
