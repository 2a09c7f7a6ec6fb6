"""Empty trucks head home by the empty lane, and no carrier sends one into a line it cannot clear
today: at the documented high ends of southbound inputs and empty-lane inspection, the empties
beyond the lane's room go home by another port instead of piling up in a line that never clears."""

from calexico.running import runs, scenarios

# Southbound inputs x1.5 and empty trucks' primary 1.5 min, both their documented high ends
# (parameters.toml): more empties than the single empty lane can inspect in its hours.
TIGHT = {"manufacturing.input_loads_per_output_load": 1.5, "lines.east_commercial_empty.primary_min": 1.5}
DAYS = 60


def _measured(overrides):
    result = runs.run(scenarios.load("baseline"), seed=2, days=DAYS, overrides=overrides)
    return result.daily[result.daily["measured"]], result.summary


def test_empties_beyond_the_lanes_room_go_around_and_its_line_clears():
    daily, summary = _measured(TIGHT)
    assert daily["empties_around"].sum() > 1000, "the empty lane overflows at these inputs"
    # What the lane was sent it clears: no queue left at closing grows day after day.
    queue = daily["east_commercial_empty_queue_at_close"]
    assert queue.max() < 100
    assert queue.iloc[-14:].mean() <= queue.iloc[:14].mean() + 10
    assert summary["costs_usd"]["detour"] > 0


def test_nobody_goes_around_when_the_lane_has_room():
    daily, _ = _measured({})
    assert daily["empties_around"].sum() == 0
