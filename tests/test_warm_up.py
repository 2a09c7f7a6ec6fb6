"""The warm-up lets firms adjust before the measured year; a longer one changes nothing that matters."""

import pytest

from calexico.runs import daily_table
from model import BorderModel


@pytest.fixture(scope="module")
def years():
    out = {}
    for warmup in (28, 120):
        daily = daily_table(BorderModel({"simulation.warmup_days": warmup}, seed=0).run())
        out[warmup] = daily[daily["measured"]]
    return out


@pytest.mark.parametrize("column", ["jobs_manufacturing_mx", "jobs_direct_us", "jobs_total_mx"])
def test_jobs_in_the_measured_year_do_not_depend_on_a_longer_warm_up(years, column):
    assert years[28][column].mean() == pytest.approx(years[120][column].mean(), rel=0.005)


def test_trucks_and_waits_in_the_measured_year_do_not_depend_on_a_longer_warm_up(years):
    assert years[28]["northbound_trucks"].sum() == pytest.approx(years[120]["northbound_trucks"].sum(), rel=0.005)
    assert years[28]["commercial_wait_mean_min"].mean() == pytest.approx(
        years[120]["commercial_wait_mean_min"].mean(), rel=0.10)


def test_plant_employment_does_not_drift_through_the_measured_year(years):
    jobs = years[28].set_index("date")["jobs_manufacturing_mx"]
    first, last = jobs.loc["2024-01"].mean(), jobs.loc["2024-12"].mean()
    assert last == pytest.approx(first, rel=0.003)
