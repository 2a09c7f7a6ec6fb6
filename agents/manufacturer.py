"""A Mexicali plant (maquiladora) with US inputs moving south and goods moving north."""

from mesa.discrete_space import FixedAgent


class Manufacturer(FixedAgent):
    """A plant that runs on inputs crossing south and ships finished goods north.

    When crossings slow it holds more stock (a carrying cost), stops lines when inputs run out
    (lost value added, the idle workers' pay included), loses orders as its delivered cost
    rises, adjusts employment with a lag, and shrinks after sustained losses.

    Attributes:
        sector: aerospace, medical_devices, automotive, electronics, metalworking_other.
        place: node of the region graph (an industrial park).
        jobs: current employment.
        loads_per_job_day: finished loads per worker per working day.
        stock_days: input inventory, in days of production at current employment.
        orders_index: demand relative to the baseline (1.0 = baseline orders).

    """

    def __init__(self, model, sector, place, jobs, loads_per_job_day, target_cover_days,
                 reference_cost_per_load_usd):
        super().__init__(model)
        self.sector = sector
        self.place = place
        self.jobs = float(jobs)
        self.baseline_jobs = float(jobs)
        self.loads_per_job_day = float(loads_per_job_day)
        self.target_cover_days = float(target_cover_days)
        self.stock_days = float(target_cover_days)
        self.orders_index = 1.0
        self.reference_cost_per_load_usd = float(reference_cost_per_load_usd)
        self.month_cost_usd = 0.0
        self.month_loads = 0.0
        self.month_margin_usd = 0.0
        self.losing_months = 0
        self.open = True
        self.output_loads = 0.0
        self.stopped_share = 0.0

    @property
    def daily_output_loads(self) -> float:
        """Loads a working day produces at full inputs."""
        return self.jobs * self.loads_per_job_day if self.open else 0.0

    def produce(self, working_day: bool) -> float:
        """Run the lines on today's stock; lines stop for the share of the day inputs lack."""
        self.output_loads = 0.0
        self.stopped_share = 0.0
        if not working_day or not self.open:
            return 0.0
        run_share = min(1.0, self.stock_days)
        self.stopped_share = 1.0 - run_share
        self.stock_days -= run_share
        self.output_loads = self.daily_output_loads * run_share
        return self.output_loads

    def input_order(self, input_ratio: float, expected_wait_h: float, cover_per_wait_hour: float,
                    on_order_loads: float = 0.0) -> float:
        """Input loads to order south today (an order-up-to policy on the inventory position).

        The plant orders up to its target cover, which grows with the southbound wait it
        expects, plus a day in transit, counting what it holds and what is already on its way
        (ordering again for loads still in line would flood the port after a closure).
        """
        per_day = self.daily_output_loads * input_ratio
        if not self.open or per_day <= 0:
            return 0.0
        target = self.target_cover_days + cover_per_wait_hour * expected_wait_h + 1.0
        gap_days = target - self.stock_days - on_order_loads / per_day
        return max(0.0, gap_days) * per_day

    def receive_inputs(self, loads: float, input_ratio: float):
        """Inputs that crossed south today become days of cover."""
        per_day = self.daily_output_loads * input_ratio
        if per_day > 0:
            self.stock_days += loads / per_day

    def book_costs(self, cost_usd: float, loads: float, value_per_load_usd: float, va_share: float,
                   stoppage_usd: float = 0.0):
        """Accumulate this month's delivered costs and margin for the monthly review.

        A stoppage (the value added of the loads not made) is a cost of delay in the delivered
        cost, but not again in the margin: the margin counts the loads made, so the loads not
        made are already missing from it.
        """
        self.month_cost_usd += cost_usd + stoppage_usd
        self.month_loads += loads
        self.month_margin_usd += loads * value_per_load_usd * va_share - cost_usd

    def review_month(self, value_per_load_usd: float, elasticity: float, lag_months: float,
                     loss_months: int, labour_available: float) -> float:
        """Monthly: orders follow delivered cost; employment moves toward what orders need.

        Delivered cost per load is the goods' value plus freight and the costs of delay
        (inventory, stoppage); orders respond with a constant elasticity to its ratio to the
        cost at free flow, which the plant was sized for.

        Returns:
            The change in jobs (negative for layoffs).

        """
        if not self.open or self.month_loads <= 0:
            self.month_cost_usd = self.month_loads = self.month_margin_usd = 0.0
            return 0.0
        delivered = value_per_load_usd + self.month_cost_usd / self.month_loads
        ratio = delivered / (value_per_load_usd + self.reference_cost_per_load_usd)
        self.orders_index = ratio**elasticity
        self.losing_months = self.losing_months + 1 if self.month_margin_usd < 0 else 0
        desired = self.baseline_jobs * self.orders_index
        if self.losing_months >= loss_months:
            desired *= 0.9
        change = (desired - self.jobs) / lag_months
        change = min(change, labour_available)
        self.jobs = max(0.0, self.jobs + change)
        if self.jobs < 0.05 * self.baseline_jobs:
            self.open = False
            change -= self.jobs
            self.jobs = 0.0
        self.month_cost_usd = self.month_loads = self.month_margin_usd = 0.0
        return change
