"""The command line: a readable run with provenance, and clear refusals of bad input."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from calexico import cli
from calexico.cli import main


def calexico(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "calexico.cli", *args], capture_output=True, text=True,
                          cwd=cwd)


def test_run_prints_the_summary_and_writes_results_with_provenance(tmp_path):
    out = tmp_path / "run"
    assert main(["run", "baseline", "--days", "5", "--seed", "3", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    for key in ("scenario", "seed", "days", "northbound_trucks", "mean_commercial_wait_min",
                "p95_commercial_wait_min", "diverted_trucks", "costs_usd", "jobs", "trade_value_usd",
                "impact_vs_no_delay"):
        assert key in summary
    assert summary["seed"] == 3 and summary["days"] == 5
    assert summary["impact_vs_no_delay"]["costs_usd"]["truck_delay"]["mean"] > 0
    daily = pd.read_parquet(out / "daily.parquet")
    assert len(daily) == 5 + 28  # the warm-up is recorded too, marked unmeasured
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["code_version"] and manifest["packages"]["mesa"] == "3.5.1"
    assert "lines.east_commercial_standard.booths" in (out / "scenario.toml").read_text()


def test_an_unknown_scenario_lists_the_available_ones():
    r = calexico("run", "no_such_scenario", "--days", "2")
    assert r.returncode == 2
    assert "baseline" in r.stderr and "no_delay" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("body,key,allowed", [
    ("[parameters]\nlines.east_commercial_standard.boths = 3\n", "boths", "booths"),
    ("[parameters]\nlines.east_commercial_standard.booths = -1\n", "-1", "from 0"),
    ("[parameters]\nlines.east_commercial_standard.booths = \"two\"\n", "two", "int"),
    ("[parameters]\nlabour.sentri_share = 1.5\n", "1.5", "from 0.0 to 1.0"),
    ("[[events]]\nkind = \"closure\"\nstart = 2024-03-05\nend = 2024-03-01\nlines = \"commercial\"\n",
     "events[0].end", "on or after start"),
    ("[[events]]\nkind = \"meteor\"\nstart = 2024-03-05\nend = 2024-03-06\n", "meteor", "closure"),
    ("colour = \"red\"\n", "colour", "description"),
])
def test_a_bad_scenario_file_is_refused_naming_file_key_value_and_what_is_allowed(tmp_path, body, key, allowed):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    r = calexico("run", str(path), "--days", "2")
    assert r.returncode == 2
    assert str(path) in r.stderr and key in r.stderr and allowed in r.stderr
    assert "Traceback" not in r.stderr


def test_a_failed_run_does_not_touch_results_already_written(tmp_path):
    out = tmp_path / "run"
    assert main(["run", "--days", "2", "--out", str(out)]) == 0
    before = (out / "summary.json").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text("[parameters]\nport.waiting = 3\n")
    assert main(["run", str(bad), "--days", "2", "--out", str(out)]) == 2
    assert (out / "summary.json").read_text() == before


def test_parameters_filters_by_key_prefix_or_glob_and_formats_numbers(capsys):
    assert cli.main(["parameters", "port"]) == 0
    keys = [line.split(" = ")[0] for line in capsys.readouterr().out.splitlines()]
    assert keys and all(k.startswith("port.") for k in keys)  # not hours.mx_export.*: "port" inside a key
    assert cli.main(["parameters", "*.mexicali_export_value_usd"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("agriculture.mexicali_export_value_usd = 600,000,000 USD") and "100,000,000,000" in out
    assert "100000000000.0" not in out


def test_parameters_with_a_filter_matching_nothing_is_one_line_and_exit_2(capsys):
    assert cli.main(["parameters", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "nosuch" in err and "prefix or glob" in err


def test_every_option_of_every_command_has_help():
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name, sub in commands.items():
        for action in sub._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, f"calexico {name} {action.option_strings[0]} has no help"


def test_compare_prints_plain_labels_aligned_with_dollars_in_k_m_b():
    from calexico.analysis import compare

    table = pd.DataFrame([
        {"group": "costs (USD)", "outcome": "costs_usd.truck_delay", "difference": 1_234_567.891,
         "ci_low": -2_000.5, "ci_high": 2_500_000.0, "base_mean": 312_212.04, "pairs": 2},
        {"group": "output (USD)", "outcome": "output_usd.mx.agriculture", "difference": -4_656_262.5,
         "ci_low": -6.4e6, "ci_high": -2.9e6, "base_mean": 1.35e7, "pairs": 2},
        {"group": "jobs", "outcome": "jobs.total_us", "difference": -31.6, "ci_low": -50.2, "ci_high": -13.0,
         "base_mean": 63_400.5, "pairs": 2},
    ])
    text = compare.format_table(table, "staffing_cut", "baseline")
    assert "costs_usd." not in text and "output_usd." not in text  # no raw dotted keys
    assert "$1.23M" in text and "Mexico agriculture" in text and "-$4.66M" in text and "63,400" in text
    assert ".891" not in text and "312,212.0" not in text  # no dollars to the cent
    rows = [line for line in text.splitlines() if line.startswith("    ") and "[" in line]
    assert len(rows) == 3 and len({line.rindex("]") for line in rows}) == 1  # the intervals end in one column
