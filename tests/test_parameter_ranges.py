"""The documented low-high ranges that `calexico sensitivity` varies parameters over."""

import pytest

from model.parameters import SPECS, ParameterError, load_specs, ranged_specs


def test_every_numeric_assumption_and_calibrated_parameter_has_a_range():
    missing = [k for k, s in SPECS.items()
               if s.provenance_kind in ("assumption", "calibrated")
               and isinstance(s.default, int | float) and not isinstance(s.default, bool)
               and s.range is None]
    assert missing == []


def test_ranges_lie_within_min_max_and_hold_the_value():
    for key, spec in ranged_specs().items():
        low, high = spec.range
        assert low < high, key
        assert low <= spec.default <= high, key
        assert spec.min is None or spec.min <= low, key
        assert spec.max is None or high <= spec.max, key


def test_true_false_and_dates_are_never_factors():
    for key, spec in SPECS.items():
        if isinstance(spec.default, bool | str):
            assert spec.range is None, key


def test_ranged_specs_selects_by_provenance():
    assumptions = ranged_specs(("assumption",))
    assert assumptions and all(s.provenance_kind == "assumption" for s in assumptions.values())
    assert "trucking.backhaul_share" in ranged_specs(("calibrated",))
    assert "trucking.backhaul_share" not in assumptions


BOUNDED = 'x = { value = 1.0, min = 0.0, max = 2.0, '


@pytest.mark.parametrize("entry,key,fragment", [
    (BOUNDED + 'low = 1.5, high = 1.8, assumption = "a" }', "t.x.low", "from min 0.0 to the value 1.0"),
    (BOUNDED + 'low = 0.5, high = 2.5, assumption = "a" }', "t.x.high", "to max 2.0"),
    (BOUNDED + 'low = 0.5, assumption = "a" }', "t.x.high", "low and high come together"),
    ('x = { value = true, low = 0, high = 1, assumption = "a" }', "t.x.low", "only numbers"),
    ('x = { value = 1.0, low = "a", high = 2.0, assumption = "a" }', "t.x.low", "a number"),
])
def test_a_bad_range_is_refused_naming_file_key_and_what_is_allowed(entry, key, fragment):
    with pytest.raises(ParameterError) as caught:
        load_specs(f"[t]\n{entry}\n", where="mine.toml")
    message = str(caught.value)
    assert message.startswith(f"mine.toml: {key} = ")
    assert fragment in message

