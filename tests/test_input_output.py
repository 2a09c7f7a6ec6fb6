"""The input-output layer: lost output to direct, indirect and induced jobs and value added."""

import numpy as np
import pytest

from model import input_output as io
from model.parameters import SPECS, ParameterError, resolve

PARAMS = resolve({})


def lost(side="us", sector="agriculture", usd=1e6):
    return {side: {sector: usd}}


def test_a_million_of_us_agriculture_gives_its_direct_jobs_and_the_type2_total():
    jobs = io.effects(lost(), PARAMS)["jobs"]["us"]["agriculture"]
    assert jobs["direct"] == pytest.approx(4.6)
    assert jobs["total"] == pytest.approx(4.6 * 1.52)
    type1 = PARAMS["input_output.us_agriculture.type1_multiplier"]
    assert jobs["direct"] + jobs["indirect"] == pytest.approx(4.6 * type1)
    assert jobs["direct"] + jobs["indirect"] + jobs["induced"] == pytest.approx(jobs["total"])


@pytest.mark.parametrize("side", io.SIDES)
@pytest.mark.parametrize("sector", ["agriculture", "manufacturing", "trucking", "retail_services"])
def test_output_to_jobs_and_value_added_identity_per_side_and_sector(side, sector):
    usd = 2.5e6
    p = dict(PARAMS)
    prefix = f"input_output.{side}_{sector}."
    p.update({prefix + "direct_jobs_per_million_usd": 10.0, prefix + "value_added_share": 0.4,
              prefix + "type1_multiplier": 1.2, prefix + "type2_multiplier": 1.5})
    e = io.effects(lost(side, sector, usd), p)
    jobs, va = e["jobs"][side][sector], e["value_added_usd"][side][sector]
    assert jobs == pytest.approx({"direct": 25.0, "indirect": 5.0, "induced": 7.5, "total": 37.5})
    assert va == pytest.approx({"direct": 1e6, "indirect": 2e5, "induced": 3e5, "total": 1.5e6})


@pytest.mark.parametrize("side", io.SIDES)
def test_households_lost_spending_goes_through_their_sides_retail_services(side):
    e = io.effects({side: {"households": 3e6, "retail_services": 3e6}}, PARAMS)
    assert e["jobs"][side]["households"] == pytest.approx(e["jobs"][side]["retail_services"])
    assert e["value_added_usd"][side]["households"] == pytest.approx(e["value_added_usd"][side]["retail_services"])
    other = {"us": "mx", "mx": "us"}[side]
    assert e["jobs"][side]["households"]["total"] != pytest.approx(
        io.effects({other: {"households": 3e6}}, PARAMS)["jobs"][other]["households"]["total"])


def test_zero_lost_output_gives_zero_jobs_and_value_added():
    zero = {side: dict.fromkeys(io.SECTORS, 0.0) for side in io.SIDES}
    s = io.summarise(zero, PARAMS)
    for section in ("value_added_usd", "io_jobs"):
        assert all(v == 0 for side in s[section].values() for v in side.values())
    assert all(v == 0 for side in s["io_jobs_by_sector"].values() for v in side.values())


@pytest.mark.parametrize("coefficient", ["direct_jobs_per_million_usd", "type1_multiplier", "type2_multiplier"])
def test_larger_coefficients_never_mean_fewer_jobs(coefficient):
    key = f"input_output.mx_manufacturing.{coefficient}"
    base = io.summarise(lost("mx", "manufacturing"), PARAMS)["io_jobs"]["mx"]
    more = io.summarise(lost("mx", "manufacturing"), {**PARAMS, key: PARAMS[key] * 1.1})["io_jobs"]["mx"]
    assert all(more[e] >= base[e] for e in ("direct", "indirect", "total"))
    if coefficient == "type1_multiplier":  # moves jobs from induced to indirect; the total stays
        assert more["indirect"] > base["indirect"] and more["total"] == pytest.approx(base["total"])
    else:
        assert more["total"] > base["total"]


def test_jobs_scale_with_lost_output_and_work_on_daily_arrays():
    daily = np.array([0.0, 1e6, 2e6])
    jobs = io.effects({"us": {"trucking": daily}}, PARAMS)["jobs"]["us"]["trucking"]["total"]
    one = io.effects(lost("us", "trucking"), PARAMS)["jobs"]["us"]["trucking"]["total"]
    assert jobs == pytest.approx([0.0, one, 2 * one])


def test_summary_adds_sectors_by_side():
    s = io.summarise({"us": {"agriculture": 1e6, "retail_services": 1e6}, "mx": {"trucking": 1e6}}, PARAMS)
    retail = PARAMS["input_output.us_retail_services.direct_jobs_per_million_usd"]
    assert s["io_jobs"]["us"]["direct"] == pytest.approx(4.6 + retail)
    assert s["io_jobs_by_sector"]["mx"]["trucking"] == pytest.approx(s["io_jobs"]["mx"]["total"])
    assert s["value_added_usd"]["us"]["direct"] == pytest.approx(
        1e6 * (PARAMS["input_output.us_agriculture.value_added_share"]
               + PARAMS["input_output.us_retail_services.value_added_share"]))


def test_an_unknown_sector_or_side_is_refused():
    with pytest.raises(ValueError, match="sector"):
        io.effects(lost("us", "mining"), PARAMS)
    with pytest.raises(ValueError, match="side"):
        io.effects(lost("ca", "agriculture"), PARAMS)


def test_every_coefficient_has_a_provenance_and_a_range_around_its_value():
    keys = [k for k in SPECS if k.startswith("input_output.")]
    assert len(keys) == len(io.SIDES) * 4 * 4
    for key in keys:
        spec = SPECS[key]
        assert spec.provenance_kind in ("source", "assumption") and len(spec.provenance) > 20, key
        assert spec.min <= spec.low <= spec.default <= spec.high <= spec.max, key
    for side in io.SIDES:
        for sector in ("agriculture", "manufacturing", "trucking", "retail_services"):
            prefix = f"input_output.{side}_{sector}."
            # Any sample of the ranges keeps Type I below Type II.
            assert SPECS[prefix + "type1_multiplier"].high <= SPECS[prefix + "type2_multiplier"].low, prefix


def test_a_type2_multiplier_below_type1_is_refused():
    with pytest.raises(ParameterError, match="type2_multiplier"):
        resolve({"input_output.us_trucking.type2_multiplier": 1.1, "input_output.us_trucking.type1_multiplier": 1.3})
