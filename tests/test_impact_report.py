"""The one-page impact report: what `calexico run` hands on, read in a real browser, and its sign convention."""

import json
import os
import re
import shutil

import pytest

from calexico.cli import main
from calexico.running import window
from calexico.views import impact_report as report

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Debian's chromium is not installed (.ci/run should install it)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "baseline"
    assert main(["run", "baseline", "--days", "3", "--reps", "2", "--out", str(out)]) == 0
    return out


def test_a_run_writes_the_report_and_its_figure_beside_its_results(run_folder):
    for name in ("report.html", "report.png", "report.pdf"):
        assert (run_folder / name).stat().st_size > 10_000, name
    assert (run_folder / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (run_folder / "report.pdf").read_bytes()[:5] == b"%PDF-"
    text = (run_folder / "report.html").read_text()
    assert "data:image/png;base64," in text
    # self-contained: nothing for a browser to fetch (no scripts, stylesheets or images by address)
    assert not re.search(r"""(src|href)\s*=\s*['"](?!data:)""", text), "the page refers to a file or address"


def test_the_report_in_chromium_shows_the_summarys_headline_numbers_and_fetches_nothing(run_folder):
    sync_api = pytest.importorskip("playwright.sync_api")
    summary = json.loads((run_folder / "summary.json").read_text())
    impact = summary["impact_vs_no_delay"]
    requests = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto((run_folder / "report.html").resolve().as_uri())
        page.wait_for_load_state("load")
        shown = dict(page.eval_on_selector_all(
            "table.headline td[data-key]", "els => els.map(e => [e.dataset.key, [e.innerText, e.dataset.mean]])"))
        image = page.eval_on_selector("img", "e => [e.naturalWidth, e.naturalHeight]")
        browser.close()
    assert requests == [(run_folder / "report.html").resolve().as_uri()], requests
    assert image[0] > 1000 and image[1] > 600
    cost = impact["costs_usd"]["total"]["mean"]
    assert shown["cost.total"] == [report.usd_m(cost), repr(cost)]
    for side in ("us", "mx"):
        va = impact["value_added_lost_usd"][side]["total"]["mean"]
        assert shown[f"value_added_lost.{side}.total"] == [report.usd_m(va), repr(va)]
        jobs_lost = -impact["jobs"][side]["total"]["mean"]  # the summary's change, as a loss
        assert shown[f"jobs_lost.{side}.total"] == [report.jobs(jobs_lost), repr(jobs_lost)]
        output = impact["output_lost_usd"][side]
        total = output["total"]["mean"] if "total" in output else sum(v["mean"] for v in output.values())
        assert float(shown[f"output_lost.{side}.total"][1]) == pytest.approx(total)


def test_losses_are_positive_and_jobs_turn_sign_with_their_interval():
    summary = {"scenario": "x", "first_day": "2024-03-01", "days": 400, "impact_vs_no_delay": {
        "counterfactual": "no_delay: ...", "replications": 3, "seeds": [0, 1, 2],
        "costs_usd": {"truck_delay": {"mean": 2e6, "ci95_low": 1e6, "ci95_high": 3e6},
                      "brand_new_component": {"mean": 5e5, "ci95_low": 4e5, "ci95_high": 6e5},
                      "total": {"mean": 2.5e6, "ci95_low": 1.5e6, "ci95_high": 3.5e6}},
        "jobs": {"us": {"total": {"mean": -120.0, "ci95_low": -150.0, "ci95_high": -90.0}}},
        "value_added_lost_usd": {"mx": {"total": {"mean": 7e5, "ci95_low": 1e5, "ci95_high": 9e5}}},
        "crossing_time_min": {"mean": 4.0, "ci95_low": 3.0, "ci95_high": 5.0}}}
    page = report.from_run(summary)
    assert page.sections["jobs_lost"]["us.total"] == report.Stat(120.0, 90.0, 150.0)
    assert "brand_new_component" in page.sections["cost"]  # components come from the results, not a list
    assert page.other == {"crossing_time_min": report.Stat(4.0, 3.0, 5.0)}
    labels = [row[1] for row in page.headline()]
    assert labels[0] == "Cost of delay over the year" and "Jobs lost (yearly rate), US" in labels
    html = report.page("t", report.meta_rows(page), [report.page_body(page, b"png")])
    assert "Brand new component" in html and "crossing_time_min" in html
    assert report.usd_m(-1.23e6) == "-$1.2M" and report.usd_m(4.2e5) == "$0.42M" and report.usd_m(0.0) == "$0M"


def test_a_short_run_from_the_wrong_date_says_what_it_misses():
    from calexico.running import scenarios

    cut = scenarios.load("staffing_cut")
    span = window.of(window.apply(cut, days=5).params)
    notes = window.caveats(span, cut.events, replications=1)
    assert any("falls outside the simulated window" in n and "--start 2024-03-01" in n for n in notes)
    assert any("shorter than the model's warm-up" in n for n in notes)
    assert any("shorter than a season" in n for n in notes)
    assert any("not yearly figures" in n for n in notes)
    assert any("One replication" in n for n in notes)
    covered = window.of(window.apply(cut, start="2024-03-01", end="2024-05-29").params)
    assert covered.days == 90 and window.missed_events(cut.events, covered) == []
    assert window.caveats(window.Window(covered.start, 366, 28), cut.events, 5) == []
    part = window.of(window.apply(cut, start="2024-05-20", days=30).params)
    assert window.missed_events(cut.events, part) == [
        "the window 2024-05-20 to 2024-06-18 (30 days) covers 10 of the staffing event (2024-03-01 to "
        "2024-05-29)'s 90 days"]


def test_compare_staffing_cut_for_five_days_warns_that_its_event_falls_outside_the_window(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "staffing_cut", "--days", "5", "--reps", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert ("calexico: warning: staffing_cut: the staffing event (2024-03-01 to 2024-05-29) falls outside the "
            "simulated window 2024-01-01 to 2024-01-05 (5 days)") in printed.err
    assert "--start 2024-03-01" in printed.err
    assert "falls outside the simulated window" in (out / "report.html").read_text()  # the report says so too


def test_start_and_end_set_the_window_and_a_wrong_one_is_refused(tmp_path, capsys):
    from calexico.running import scenarios

    cut = window.apply(scenarios.load("staffing_cut"), start="2024-03-01", end="2024-03-10")
    assert cut.params["simulation.start_date"] == "2024-03-01" and cut.params["simulation.days"] == 10
    for argv, key in ((["--start", "1 March"], "--start"), (["--start", "2024-03-10", "--end", "2024-03-01"], "--end"),
                      (["--start", "2024-03-01", "--end", "2024-03-10", "--days", "3"], "--days")):
        assert main(["run", "staffing_cut", *argv, "--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err
        assert f"'{key}'" in err or key in err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


def test_a_paired_batchs_report_shows_impacts_against_no_delay_not_gross_costs(tmp_path):
    spec = tmp_path / "paired.toml"
    spec.write_text('scenarios = ["baseline"]\nreplications = 2\ndays = 2\npaired = true\n')
    out = tmp_path / "batch"
    assert main(["batch", str(spec), "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    records = [json.loads(p.read_text()) for p in sorted((out / "runs").glob("*.json"))]
    impacts = [r["summary"]["impact_vs_no_delay"]["costs_usd"]["total"] for r in records]
    gross = [r["summary"]["costs_usd"]["total"] for r in records]
    text = (out / "report.html").read_text()
    shown = re.search(r"data-key='cost.total' data-mean='([^']+)'", text).group(1)
    assert float(shown) == pytest.approx(sum(impacts) / 2)
    assert float(shown) != pytest.approx(sum(gross) / 2)  # the impact, not the gross cost of waiting
    assert (out / "figures" / "impact_baseline.png").exists()


def test_a_batch_without_a_counterfactual_gets_no_impact_report_and_says_why(tmp_path, capsys):
    spec = tmp_path / "alone.toml"
    spec.write_text('scenarios = ["baseline"]\nreplications = 1\ndays = 1\n')
    out = tmp_path / "batch"
    assert main(["batch", str(spec), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    assert "paired = true" in capsys.readouterr().err and not (out / "report.html").exists()
