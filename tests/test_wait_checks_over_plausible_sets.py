"""The history match's report counts, over its plausible sets, the wait checks each holds, and
names the factors that go with holding more (a rank correlation over the sets)."""

from types import SimpleNamespace

import numpy as np
import pandas as pd

from calexico.analysis import history_report

WAITS = ["Morning wait, West general", "Morning wait, East general", "Truckers' crossing"]


def _sets(n: int = 40, seed: int = 1):
    """n plausible sets: `slower` (primary minutes) loses wait checks as it grows, `noise` is
    unrelated, `fixed` never moves; every set fits its one fit target except set 0."""
    rng = np.random.default_rng(seed)
    slower, noise = rng.random(n), rng.random(n)
    held = (3 * (1 - slower)).round().astype(int)  # 0..3 wait checks, fewer as `slower` grows
    plausible = pd.DataFrame({"set": np.arange(n), "fit_targets_within": [0] + [1] * (n - 1), "slower": slower,
                              "noise": noise, "fixed": 1.0})
    rows = []
    for s in range(n):
        rows.append({"set": s, "target": "Trucks 2024", "role": "fit", "within": s != 0})
        rows += [{"set": s, "target": name, "role": "check", "within": k < held[s]} for k, name in enumerate(WAITS)]
        rows.append({"set": s, "target": "Pedestrians 2019", "role": "check", "within": s % 2 == 0})  # not a wait
    return plausible, pd.DataFrame(rows), held


def test_each_set_holds_the_wait_checks_it_fits_and_the_factor_that_costs_them_comes_first():
    plausible, fit, held = _sets()
    counts, rho = history_report.wait_checks_over_sets(plausible, fit, set(WAITS), ["slower", "noise", "fixed"])
    assert counts.to_dict() == dict(enumerate(held.tolist()))  # the non-wait check is not counted
    assert rho.index[0] == "slower" and rho["slower"] < -0.9
    assert abs(rho["noise"]) < 0.4
    assert "fixed" not in rho.index  # a factor the sets never vary has no correlation


def test_the_report_tabulates_the_sets_by_wait_checks_held():
    plausible, fit, held = _sets()

    def observation(name, role, quantity):
        return SimpleNamespace(name=name, target=SimpleNamespace(role=role, quantity=quantity))

    match = SimpleNamespace(
        plausible=plausible, plausible_fit=fit,
        plan=SimpleNamespace(factors=[SimpleNamespace(name=f) for f in ("slower", "noise", "fixed")]),
        observations=[observation("Trucks 2024", "fit", "trucks"),
                      observation(WAITS[0], "check", "west_pov_general_morning_wait_min"),
                      observation(WAITS[1], "check", "east_pov_general_morning_wait_min"),
                      observation(WAITS[2], "check", "standard_crossing_time_mean_min"),
                      observation("Pedestrians 2019", "check", "west_pedestrians")])
    text = "\n".join(history_report._wait_check_lines(match))
    assert "## The wait checks over the plausible sets" in text and "Of the 3 published waits" in text
    for k in range(4):
        sets = int((held == k).sum())
        fitting = int(((held == k) & (plausible["fit_targets_within"] == 1)).sum())
        if sets:
            assert f"| {k} of 3 | {sets} | {fitting} |" in text
    assert "- `slower`: -" in text
    # A match with no wait among its checks (the quick match's counts) has no such section.
    match.observations = [observation("Trucks 2024", "fit", "trucks")]
    assert history_report._wait_check_lines(match) == []
