"""Paired comparisons: common seeds, intervals from paired differences, table and figure written."""

import pandas as pd
import pytest

from calexico import cli
from calexico.analysis import compare


def _table(rows):
    return pd.DataFrame(rows).assign(status="ok")


def test_paired_difference_interval_uses_the_pairs():
    # Seeds differ a lot, the policy effect is always 10: the paired CI is exactly 10 wide 0.
    rows = [{"scenario": s, "seed": seed, "mean_commercial_wait_min": level + (10 if s == "b" else 0)}
            for seed, level in ((1, 5.0), (2, 50.0), (3, 500.0)) for s in ("a", "b")]
    table = compare.paired_differences(_table(rows), "b", "a")
    row = table.set_index("outcome").loc["mean_commercial_wait_min"]
    assert row["difference"] == pytest.approx(10) and row["ci_low"] == pytest.approx(10)
    assert row["pairs"] == 3


def test_interval_covers_the_mean_and_widens_with_noise():
    rows = [{"scenario": s, "seed": seed, "jobs.total_us": seed * (2 if s == "b" else 1)}
            for seed in range(1, 6) for s in ("a", "b")]
    row = compare.paired_differences(_table(rows), "b", "a").iloc[0]
    assert row["ci_low"] < row["difference"] < row["ci_high"]


def test_compare_command_writes_table_and_figure(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert cli.main(["compare", "one_more_booth", "--reps", "2", "--days", "5", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "one_more_booth minus baseline" in text and "truck delay" in text
    table = pd.read_csv(out / "compare.csv")
    assert {"costs (USD)", "jobs", "waits (min)"} <= set(table["group"])
    assert (out / "compare.png").stat().st_size > 0


def test_scenario_against_itself_differs_by_exactly_zero(tmp_path):
    table = compare.compare("baseline", against="bridge_expansion", reps=2, days=3, out=tmp_path / "c")
    assert (table["difference"] == 0).all()


def test_compare_refuses_one_replication():
    assert cli.main(["compare", "closure", "--reps", "1"]) == 2


def test_sections_of_the_summary_become_groups_in_their_order():
    rows = [{"scenario": s, "seed": seed, "costs_usd.truck_delay": 1.0 * seed, "costs_usd.total": 2.0 * seed,
             "io_jobs.us.total": seed + (3.0 if s == "b" else 0.0), "io_jobs_by_sector.us.agriculture": 1.0}
            for seed in (1, 2) for s in ("a", "b")]
    table = compare.paired_differences(_table(rows), "b", "a")
    assert list(table[table["group"] == "costs (USD)"]["outcome"]) == ["costs_usd.truck_delay", "costs_usd.total"]
    io_jobs = table[table["group"] == "jobs, input-output"]
    assert list(io_jobs["outcome"]) == ["io_jobs.us.total"] and io_jobs["difference"].iloc[0] == 3.0
