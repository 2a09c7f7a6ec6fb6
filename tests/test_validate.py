"""`calexico validate`: the targets are sourced data, and a fit target out of tolerance fails the command."""

import csv

import pytest

from calexico import cli
from calexico.analysis import targets, validate
from model.parameters import ParameterError


def test_every_target_has_a_source_a_role_and_a_tolerance():
    rows = targets.load()
    assert len(rows) >= 60
    for t in rows:
        assert t.source.strip(), t.name
        assert t.role in ("fit", "check")
        assert t.tolerance > 0
    quantities = {t.quantity for t in rows}
    assert {"trucks", "loaded_share", "west_pedestrians", "east_pedestrians", "west_vehicles", "east_vehicles",
            "pedestrian_swing", "field_workers_us_mean", "jobs_manufacturing_mx_mean",
            "imperial_ag_value_usd"} <= quantities


def test_january_2024_pedestrians_are_not_targets_because_bts_has_no_count():
    rows = targets.load()
    assert not [t for t in rows if t.quantity.endswith("pedestrians") and t.period == "2024-01"]


def _write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=targets.FIELDS)
        w.writeheader()
        w.writerows(rows)


def _january_trucks(value, tolerance):
    return {"name": "January trucks", "quantity": "trucks", "period": "2024-01", "value": value, "unit": "trucks",
            "role": "fit", "tolerance": tolerance, "source": "a test", "note": ""}


@pytest.fixture(scope="module")
def january(tmp_path_factory):
    """One short run's simulated January trucks (not a hard-coded model outcome)."""
    from calexico.running import scenarios

    run = validate.run_year(scenarios.load("baseline"), 0, days=31)
    t = targets.Target("January trucks", "trucks", "2024-01", 1.0, "trucks", "fit", 0.1, "a test")
    return validate.statistic(t, run)


def test_validate_exits_1_when_a_fit_target_is_moved_out_of_tolerance(tmp_path, january):
    path = tmp_path / "targets.csv"
    _write(path, [_january_trucks(3 * january, 0.05)])
    code = cli.main(["validate", "--reps", "1", "--days", "31", "--targets", str(path), "--out", str(tmp_path)])
    assert code == 1
    report = (tmp_path / "calibration.md").read_text()
    assert "January trucks" in report and "**no**" in report
    assert (tmp_path / "figures" / "calibration_monthly.png").stat().st_size > 0


def test_validate_exits_0_when_every_fit_target_is_within_tolerance(tmp_path, january):
    path = tmp_path / "targets.csv"
    _write(path, [_january_trucks(january, 0.05)])
    code = cli.main(["validate", "--reps", "1", "--days", "31", "--targets", str(path), "--out", str(tmp_path)])
    assert code == 0


def test_validating_again_reports_the_shipped_fit_and_keeps_the_hindcast_section(tmp_path, january):
    path = tmp_path / "targets.csv"
    _write(path, [_january_trucks(january, 0.05)])
    unwritten_fit = "## Calibrated parameters\n\n| `a.b` | 1 | 2 |"  # a fit never written to parameters.toml
    hindcast = "<!-- hindcast: start (written by calexico hindcast --docs) -->\n## Hindcast\n<!-- hindcast: end -->"
    (tmp_path / "calibration.md").write_text(f"# Calibration\n\n{unwritten_fit}\n\n## Fit targets\n\n{hindcast}\n")
    assert cli.main(["validate", "--reps", "1", "--days", "31", "--targets", str(path), "--out", str(tmp_path)]) == 0
    report = (tmp_path / "calibration.md").read_text()
    shipped = validate.shipped_calibration_md()
    assert shipped.startswith("## Calibrated parameters") and "manufacturing.loads_per_job_year" in shipped
    assert report.count(shipped) == 1 and unwritten_fit not in report
    assert report.index(shipped) < report.index("## Fit targets (seen by")
    assert report.count(hindcast) == 1


@pytest.mark.parametrize("text,section", [
    ("# R\n\n## Calibrated parameters\n\nfit\n\n## Fit targets\n", "## Calibrated parameters\n\nfit"),
    ("# R\n\n## Calibrated parameters\n\nfit\n### a table\nrows\n# Next\n",
     "## Calibrated parameters\n\nfit\n### a table\nrows"),
    ("## Calibrated parameters\nfit\n<!-- hindcast: start -->\n## Hindcast\n", "## Calibrated parameters\nfit"),
    ("# R\n### Calibrated parameters\nnot the section\n", ""),
    ("# R\nsee the ## Calibrated parameters section\n", ""),
])
def test_the_fit_section_is_read_from_its_heading_to_the_next_section(text, section):
    assert validate.calibrated_section_of(text) == section


def test_a_target_without_a_source_is_refused_with_exit_code_2(tmp_path, capsys):
    path = tmp_path / "targets.csv"
    row = _january_trucks(1000, 0.05)
    row["source"] = " "
    _write(path, [row])
    with pytest.raises(ParameterError, match="source"):
        targets.load(path)
    assert cli.main(["validate", "--reps", "1", "--days", "5", "--targets", str(path), "--out", str(tmp_path)]) == 2
    assert "source" in capsys.readouterr().err


@pytest.mark.parametrize("servers", [1, 2, 4])
def test_erlang_c_formula_matches_known_values(servers):
    # M/M/1: Wq = rho / (mu - lambda); at rho 0.5 and mean service 1, Wq = 1.
    if servers == 1:
        assert validate.erlang_c_wait_min(0.5, 1.0, 1) == pytest.approx(1.0)
    # M/M/2 at lambda 1, mu 1 (rho 0.5): P(wait) = 1/3, Wq = 1/3.
    if servers == 2:
        assert validate.erlang_c_wait_min(1.0, 1.0, 2) == pytest.approx(1 / 3)
    # More servers at the same utilisation wait less.
    assert validate.erlang_c_wait_min(0.8 * servers, 1.0, servers) <= validate.erlang_c_wait_min(0.8, 1.0, 1)


def test_queue_kernel_agrees_with_erlang_c_within_5_percent_or_its_confidence_interval():
    check = validate.erlang_check(servers=(1, 2, 4), rhos=(0.5, 0.7, 0.9), customers=1_000_000)
    noise = (check["simulated_min"] - check["theory_min"]).abs() <= check["ci_half_min"]
    assert (check["within_5pct"] | noise).all(), check
