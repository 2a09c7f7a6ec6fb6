"""The documentation cannot drift from the code: generated tables, the output dictionary, the guide."""

import json
import re
import shlex
from pathlib import Path

import pandas as pd
import pytest
import yaml

from calexico.cli import build_parser, main
from calexico.running import runs, scenarios
from calexico.views import docs
from model import outcomes
from model.parameters import SPECS, ParameterError

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "guide.md"
BLOCKS = re.compile(r"(?P<before>(?:<!--[^\n]*-->\n)?)```(?P<lang>\w+)\n(?P<body>.*?)```", re.DOTALL)


def guide_blocks(lang: str):
    """(marker comment, body) of every fenced block of the guide in this language."""
    return [(m.group("before").strip(), m.group("body")) for m in BLOCKS.finditer(GUIDE.read_text())
            if m.group("lang") == lang]


def guide_commands():
    """Every `$ ` command of the guide's console blocks, with whether it is marked no-test."""
    out = []
    for marker, body in guide_blocks("console"):
        for line in body.splitlines():
            if line.startswith("$ "):
                out.append((line[2:], marker == "<!-- no-test -->"))
    return out


def subcommands() -> set[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return set(action.choices)


@pytest.fixture(scope="module")
def short_run():
    return runs.run_with_impact(scenarios.load("baseline"), days=3)


# ----------------------------------------------------------------------- generated docs
def test_committed_docs_equal_what_the_generator_produces():
    changed = docs.regenerate(check=True)
    assert not changed, f"run `calexico docs`: out of date: {[str(p) for p in changed]}"


def test_a_changed_default_makes_the_odd_tables_differ():
    text = (ROOT / docs.ODD).read_text()
    spec = SPECS["port.staffing_share"]
    changed = dict(SPECS, **{spec.key: type(spec)(**{**spec.__dict__, "default": 0.5})})
    assert docs.render_parameter_blocks(text, changed) != docs.render_parameter_blocks(text)


def test_every_parameter_is_in_an_odd_table():
    missing = set(SPECS) - docs.documented_parameters((ROOT / docs.ODD).read_text())
    assert not missing


def test_a_parameter_block_that_matches_nothing_is_refused():
    text = "<!-- BEGIN PARAMETERS nothing.like.this -->\n<!-- END PARAMETERS -->\n"
    with pytest.raises(ParameterError, match="nothing.like.this"):
        docs.render_parameter_blocks(text)


def test_docs_check_command_fails_when_a_doc_is_stale(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / docs.ODD).write_text("<!-- BEGIN PARAMETERS port. -->\nstale\n<!-- END PARAMETERS -->\n")
    assert docs.regenerate(tmp_path, check=True) == [tmp_path / docs.ODD, tmp_path / docs.OUTPUTS]
    assert docs.regenerate(tmp_path) and docs.regenerate(tmp_path, check=True) == []
    assert "`port.waiting`" in (tmp_path / docs.ODD).read_text()


# -------------------------------------------------------------------- output dictionary
def test_every_daily_column_is_documented_and_nothing_more(short_run):
    documented = set(docs.daily_outputs())
    assert set(short_run.daily.columns) == set(outcomes.DAILY_COLUMNS)
    assert set(outcomes.DAILY_COLUMNS) - documented == set(), "undocumented daily columns"
    assert documented - set(outcomes.DAILY_COLUMNS) == set(), "documented columns the model no longer has"


def test_every_summary_key_is_documented_and_nothing_more(short_run):
    reported = set(docs.flat_keys(short_run.summary))
    documented = docs.summary_outputs()
    # A key that requires a section the model does not report (yet) is expected only with it.
    expected = {k for k, o in documented.items() if not o.requires or o.requires in short_run.summary}
    assert reported - set(documented) == set(), "undocumented summary keys"
    assert expected - reported == set(), "documented summary keys the model no longer reports"


def test_placeholders_expand_to_every_combination():
    d = {"placeholders": {"side": {"values": ["us", "mx"]}, "stat": {"values": ["mean", "ci95_low"]}},
         "summary": {"a.{side}.{stat}": {"unit": "USD", "meaning": "m", "requires": "a"}}}
    outputs = docs.summary_outputs(d)
    assert set(outputs) == {"a.us.mean", "a.us.ci95_low", "a.mx.mean", "a.mx.ci95_low"}
    assert outputs["a.mx.mean"].requires == "a"


def test_every_output_has_a_unit_and_a_meaning():
    for entry in [*docs.daily_outputs().values(), *docs.summary_outputs().values()]:
        assert entry.unit.strip() and len(entry.meaning) > 10, entry.key


def test_flat_keys_walks_nested_summaries():
    assert docs.flat_keys({"a": 1, "b": {"c": 2, "d": {"e": 3}}}) == ["a", "b.c", "b.d.e"]


# ------------------------------------------------------------------------------ the guide
def test_every_guide_command_is_runnable_or_marked():
    commands = guide_commands()
    assert len(commands) >= 10
    for command, no_test in commands:
        assert no_test or command.startswith("calexico "), f"mark with <!-- no-test -->: {command}"


def test_the_guides_quick_tour_runs_and_shows_what_the_guide_says(tmp_path, monkeypatch, capsys):
    """Each command of the guide, run as written: it succeeds, its window misses none of the scenario's
    events, and it shows an effect (the cost of delay, or of the scenario against its base, is not
    zero) and the report the guide promises."""
    for name, body in ((m.removeprefix("<!-- file:").removesuffix("-->").strip(), b)
                       for m, b in guide_blocks("toml") if m.startswith("<!-- file:")):
        (tmp_path / name).write_text(body)
    monkeypatch.chdir(tmp_path)
    known = subcommands()
    ran = set()
    for command, no_test in guide_commands():
        argv = shlex.split(command)
        if no_test or argv[0] != "calexico" or argv[1] not in known:
            continue
        try:
            code = main(argv[1:])
        except SystemExit as exit_:  # argparse refusing an option
            code = exit_.code
        out = capsys.readouterr()
        assert code == 0, f"{command}\n{out.out[-2000:]}\n{out.err[-2000:]}"
        assert "falls outside the simulated window" not in out.err, f"{command}: a window that shows nothing"
        _shows_what_the_guide_says(argv, tmp_path, out.out)
        ran.add(argv[1])
    assert {"run", "compare", "batch", "report", "results"} <= ran


def _option(argv, name, default=None):
    return argv[argv.index(name) + 1] if name in argv else default


def _shows_what_the_guide_says(argv, folder, printed: str):
    command = argv[1]
    if command == "run":
        out = folder / _option(argv, "--out", f"results/{Path(argv[2]).stem}")
        impact = json.loads((out / "summary.json").read_text())["impact_vs_no_delay"]
        assert impact["costs_usd"]["total"]["mean"] > 0, argv  # delay costs something
        assert (out / "report.html").stat().st_size > 10_000 and (out / "report.png").exists()
        assert "What today's delay costs" in printed
    elif command == "compare":
        out = folder / _option(argv, "--out")
        table = pd.read_csv(out / "compare.csv").set_index("outcome")
        assert table.loc["costs_usd.total", "difference"] > 0, argv  # the staffing cut costs more
        assert table.loc["mean_commercial_wait_min", "difference"] > 0, argv
        assert (out / "report.html").exists() and (out / "compare.png").exists()
    elif command == "batch":
        assert "0 failed" in printed, printed
    elif command == "report":
        out = folder / argv[2]
        assert (out / "report.md").exists() and (out / "report.html").stat().st_size > 10_000
    elif command == "results" and "--csv" in argv:
        assert len(pd.read_csv(folder / _option(argv, "--csv"))) > 0


# -------------------------------------------------------------------- citation and licence
def test_citation_file_is_cff_1_2_0():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    assert cff["authors"] == [{"name": "The Calexico border-economy model contributors"}]
    assert cff["message"] and cff["title"] and cff["license"] == "Apache-2.0"


def test_licence_is_the_apache_2_text():
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
