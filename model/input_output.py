"""The regional input-output layer: output lost to delay -> jobs and value added, by side,
sector and effect.

Why a multiplier model: the published border-delay studies (SANDAG, TTI, the Imperial County
crop reports) turn lost output into jobs through a regional input-output model, so the model's
jobs are comparable with theirs only if it does the same. For a side s (us: Imperial County; mx:
Mexicali / Baja California), a sector k and lost output X (USD), with the coefficients of
`[input_output.s_k]` in parameters.toml:

    direct jobs   = X / 1e6 * direct_jobs_per_million_usd
    indirect jobs = direct jobs * (type1_multiplier - 1)          (suppliers)
    induced jobs  = direct jobs * (type2_multiplier - type1_multiplier)   (workers' spending)
    total jobs    = direct jobs * type2_multiplier

and value added the same way from direct value added = X * value_added_share. The multipliers
are direct-effect (total over direct) ratios, applied to jobs and value added alike. Lost
household spending (sector "households": wages not spent) is final demand for the shops and
services of the side where it would have been spent, so it goes through that side's
retail_services coefficients; it should hold only wages not already inside a sector's lost
output, or the induced effect counts them twice.

Everything here is a pure function of numbers (floats or numpy arrays, e.g. a daily series)
and the resolved parameters.
"""

from dataclasses import dataclass

SIDES = ("us", "mx")
SECTORS = ("agriculture", "manufacturing", "trucking", "retail_services", "households")
EFFECTS = ("direct", "indirect", "induced", "total")
# Which coefficients a sector's lost output goes through (households spend in shops and services).
COEFFICIENTS_OF = {"households": "retail_services"}


@dataclass(frozen=True)
class Coefficients:
    """One side's and sector's input-output coefficients."""

    jobs_per_million_usd: float
    value_added_share: float
    type1_multiplier: float
    type2_multiplier: float

    def split(self, direct):
        """A direct effect split into direct, indirect, induced and total."""
        return {"direct": direct,
                "indirect": direct * (self.type1_multiplier - 1.0),
                "induced": direct * (self.type2_multiplier - self.type1_multiplier),
                "total": direct * self.type2_multiplier}


def coefficients(params: dict, side: str, sector: str) -> Coefficients:
    """The coefficients a side's and sector's lost output goes through."""
    if side not in SIDES:
        raise ValueError(f"input-output side {side!r}: expected one of {SIDES}")
    if sector not in SECTORS:
        raise ValueError(f"input-output sector {sector!r}: expected one of {SECTORS}")
    prefix = f"input_output.{side}_{COEFFICIENTS_OF.get(sector, sector)}."
    return Coefficients(params[prefix + "direct_jobs_per_million_usd"], params[prefix + "value_added_share"],
                        params[prefix + "type1_multiplier"], params[prefix + "type2_multiplier"])


def effects(output_lost_usd: dict, params: dict) -> dict:
    """Jobs and value added lost, by side, sector and effect.

    Args:
        output_lost_usd: {side: {sector: USD}} (a value may be a numpy array, e.g. per day).
        params: the resolved parameters.

    Returns:
        {"jobs": {side: {sector: {effect: jobs}}}, "value_added_usd": {side: {sector: {effect: USD}}}}.

    """
    jobs, value_added = {}, {}
    for side, sectors in output_lost_usd.items():
        jobs[side], value_added[side] = {}, {}
        for sector, usd in sectors.items():
            c = coefficients(params, side, sector)
            jobs[side][sector] = c.split(usd / 1e6 * c.jobs_per_million_usd)
            value_added[side][sector] = c.split(usd * c.value_added_share)
    return {"jobs": jobs, "value_added_usd": value_added}


def by_side(by_sector: dict) -> dict:
    """{side: {sector: {effect: x}}} summed over sectors: {side: {effect: x}}."""
    return {side: {e: sum(effect[e] for effect in sectors.values()) for e in EFFECTS}
            for side, sectors in by_sector.items()}


def summarise(output_usd: dict, params: dict, days: int | None = None) -> dict:
    """The run summary's input-output keys: what a run's output supports.

    Args:
        output_usd: {side: {sector: USD}} over the run.
        params: the resolved parameters.
        days: the run's measured days; jobs are at a yearly rate (output x 365 / days), as the
            published studies count jobs per USD million of a year's output. None: as given.

    Returns:
        {"value_added_usd": {side: {effect}}, "io_jobs": {side: {effect}},
         "io_jobs_by_sector": {side: {sector: total jobs}}}. The difference between a scenario
        and its counterfactual is the value added and the jobs lost to delay.

    """
    per_year = 365.0 / days if days else 1.0
    yearly = {side: {k: v * per_year for k, v in sectors.items()} for side, sectors in output_usd.items()}
    jobs = effects(yearly, params)["jobs"]
    return {
        "value_added_usd": by_side(effects(output_usd, params)["value_added_usd"]),
        "io_jobs": by_side(jobs),
        "io_jobs_by_sector": {side: {sector: effect["total"] for sector, effect in sectors.items()}
                              for side, sectors in jobs.items()},
    }
