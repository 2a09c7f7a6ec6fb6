"""The warm-up lets firms adjust before the measured year; a longer one changes nothing that matters.

"Nothing that matters" is measured against the effects the model exists to estimate: the
impact of today's delay (the run minus its no-delay counterfactual, same seed) is 25-250 jobs
per jobs column, so a tolerance of 0.5% of ~114,000 Mexican jobs (±570) would hide it. Each
check below is a small fraction of that impact.
"""

import pytest

from calexico.running.runs import daily_table
from model import BorderModel

JOBS = ["jobs_manufacturing_mx", "jobs_direct_us", "jobs_direct_mx", "jobs_total_us", "jobs_total_mx"]


@pytest.fixture(scope="module")
def years():
    out = {}
    for warmup in (28, 120):
        for waiting in (True, False):
            daily = daily_table(BorderModel({"simulation.warmup_days": warmup, "port.waiting": waiting},
                                            seed=0).run())
            out[warmup, waiting] = daily[daily["measured"]]
    return out


def _impact(years, warmup, column, how="mean"):
    with_delay, no_delay = years[warmup, True][column], years[warmup, False][column]
    return getattr(with_delay, how)() - getattr(no_delay, how)()


@pytest.mark.parametrize("column", JOBS)
def test_jobs_in_the_measured_year_do_not_depend_on_a_longer_warm_up(years, column):
    impact = abs(_impact(years, 28, column))
    assert impact > (20 if column.endswith("_us") else 50)  # the effect guarded: jobs today's delay costs
    assert years[28, True][column].mean() == pytest.approx(years[120, True][column].mean(), rel=0.005)
    # Within 15% of the effect guarded: since outside carriers take the loads the fleet cannot,
    # delay costs Mexicali about 130 direct jobs (plants stop less), and the warm-ups differ by
    # about 13 (0.02% of the level).
    assert abs(years[28, True][column].mean() - years[120, True][column].mean()) < 0.15 * impact


@pytest.mark.parametrize("column", JOBS)
def test_the_jobs_impact_of_delay_does_not_depend_on_a_longer_warm_up(years, column):
    impact = _impact(years, 28, column)
    assert abs(impact - _impact(years, 120, column)) < 0.2 * abs(impact)


def test_trucks_and_waits_in_the_measured_year_do_not_depend_on_a_longer_warm_up(years):
    trucks = {w: years[w, True]["northbound_trucks"].sum() for w in (28, 120)}
    impact = abs(_impact(years, 28, "northbound_trucks", "sum"))
    assert impact > 5000  # trucks the delay sends elsewhere or never dispatches
    assert abs(trucks[28] - trucks[120]) < 0.05 * impact
    waits = {w: years[w, True]["commercial_wait_mean_min"].mean() for w in (28, 120)}
    assert waits[28] > 5  # the wait itself is the delay's effect (no-delay waits are zero)
    # A longer warm-up draws other random numbers in the measured year, so the two differ by seed
    # noise: the yearly mean's seed-to-seed SD is 0.54 min, 4% (seeds 0-5, 7 Dec 2026); a 10%
    # tolerance is 2.5 SDs, while a warm-up that mattered (a year starting with last year's
    # backlog, say) moves it by far more.
    assert waits[28] == pytest.approx(waits[120], rel=0.10)


def test_plant_employment_does_not_drift_through_the_measured_year(years):
    jobs = years[28, True].set_index("date")["jobs_manufacturing_mx"]
    first, last = jobs.loc["2024-01"].mean(), jobs.loc["2024-12"].mean()
    assert abs(last - first) < 0.5 * abs(_impact(years, 28, "jobs_manufacturing_mx"))
