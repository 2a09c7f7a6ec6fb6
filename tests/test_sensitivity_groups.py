"""Morris groups: like assumptions step together and share one index, so a study of every
assumption costs one trajectory step per group."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from calexico import cli
from calexico.analysis import data_worth, screening
from calexico.analysis import sensitivity as sa
from model.parameters import ParameterError


@dataclasses.dataclass(frozen=True)
class PairAndOne:
    """y = 10 (a1 + a2) + b + seed noise that common random numbers cancel."""

    def __call__(self, overrides, seed):
        return {"y": 10.0 * (overrides["a1"] + overrides["a2"]) + overrides["b"] + 0.5 * seed}


def _study(R=2):
    factors = [sa.Factor("a1", (0.0, 1.0), group="A"), sa.Factor("b", (0.0, 1.0)),
               sa.Factor("a2", (0.0, 1.0), group="A")]
    return sa.Study(factors, ["y"], replications=R, runner=PairAndOne())


def test_a_group_steps_together_and_is_ranked_once():
    study = _study()
    X = sa.morris_design(study, trajectories=6, num_levels=4, seed=3)
    assert study.screened_names == ["A", "b"]
    assert len(X) == 6 * 3  # one step per group or lone factor, not per factor
    steps = np.diff(X.reshape(6, 3, 3), axis=1).reshape(-1, 3) != 0
    for moved in steps:  # each step moves the whole group A (columns 0 and 2) or b alone
        assert moved.tolist() in ([True, False, True], [False, True, False])
    table = sa.evaluate(study, X)
    result = sa.analyse_morris(study, X, table, num_levels=4, seed=0)
    idx = result.indices.set_index("factor")
    assert idx.index.tolist() == ["A", "b"]
    # b moves y by 1 across its range. A's members move by the same step, each up or down
    # (Campolongo's design), so a step changes y by 20 (together) or 0 (opposite) per range.
    assert idx.loc["b", "mu_star"] == pytest.approx(1.0, rel=1e-6)
    assert 1.0 < idx.loc["A", "mu_star"] <= 20.0 + 1e-9
    floor = sa.morris_noise_floor(study, X, table, num_levels=4)["noise_floor"].iloc[0]
    assert floor == pytest.approx(0.0, abs=1e-9)  # the seed's shift cancels in every step


def test_like_assumptions_form_groups_of_one_status_and_the_truck_economics_stay_alone():
    factors, groups = screening.choose_groups(screening.choose_factors("assumptions"))
    named = {f.name: f.group for f in factors}
    assert len(groups) >= 10 and all(len(g["members"]) >= 2 for g in groups.values())
    for name, g in groups.items():
        assert {data_worth.status(m) for m in g["members"]} == {g["status"]}
        assert all(named[m] == name for m in g["members"])
    assert named["lines.east_pov_general.lot_places"] == named["lines.west_pedestrian.lot_places"]
    for key in ("lines.east_commercial_standard.booths", "lines.east_commercial_south.secondary_min",
                "input_output.mx_retail_services.direct_jobs_per_million_usd", "port.expectation_weight"):
        assert named[key] is None  # the headline's economics are screened one by one
    screened = {f.group or f.name for f in factors}
    assert len(screened) < 0.7 * len(factors)
    alone, none = screening.choose_groups(factors, "none")
    assert none == {} and all(f.group is None for f in alone)


def test_a_group_of_one_factor_is_no_group():
    factors = [sa.Factor("hours.west.weekday_open", (0, 2)), sa.Factor("labour.slack_min", (45.0, 135.0))]
    grouped, groups = screening.choose_groups(factors)
    assert groups == {} and all(f.group is None for f in grouped)


@pytest.mark.parametrize("text,key", [
    ("[[groups]]\nname = 'g'\nlabel = 'x'\nmembers = 'lines.*.booths'\nreason = 'r'\n", "groups[0]"),
    ("[[groups]]\nname = 'port.staffing_share'\nlabel = 'x'\nmembers = ['a.b']\nreason = 'r'\n", "groups[0].name"),
    ("groups = 3\n", "groups"),
])
def test_a_bad_groups_file_names_the_file_and_the_key(tmp_path, text, key):
    path = tmp_path / "groups.toml"
    path.write_text(text)
    with pytest.raises(ParameterError) as err:
        screening.choose_groups(screening.choose_factors("assumptions"), str(path))
    assert str(path) in str(err.value) and key in str(err.value)


def test_the_report_names_each_group_and_its_members(tmp_path, capsys):
    groups = tmp_path / "groups.toml"
    groups.write_text("[[groups]]\nname = 'lines.people.lot_places'\nlabel = 'lots'\n"
                      "members = ['lines.east_pedestrian.lot_places', 'lines.west_pedestrian.lot_places']\n"
                      "reason = 'one survey'\n")
    factors = tmp_path / "factors.toml"
    factors.write_text('factors = ["lines.east_pedestrian.lot_places", "lines.west_pedestrian.lot_places", '
                       '"labour.slack_min"]\n')
    out = tmp_path / "study"
    code = cli.main(["sensitivity", "--factors", str(factors), "--groups", str(groups), "--days", "2",
                     "--reps", "2", "--trajectories", "2", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert "2 groups and lone factors" in capsys.readouterr().out
    indices = pd.read_csv(out / "indices.csv")
    assert set(indices["factor"]) == {"lines.people.lot_places", "labour.slack_min"}
    assert set(indices["status"]) == {"assumption"}
    report = (out / "sensitivity.md").read_text()
    assert "screened as 2 groups and lone factors" in report
    assert "`lines.people.lot_places`**, a group: lots" in report
    assert len(list((out / "runs").glob("*.json"))) == 2 * 3 * 2  # 2 trajectories of 3 points, 2 replications
