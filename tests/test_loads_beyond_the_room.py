"""Loads beyond Calexico East's room today wait with the shipper or go by another port, by the
carriers' logit: a line whose room falls short day after day (the documented low end of the
southbound booths with the high end of their inspection minutes) sends inputs around instead of
holding them until the plants stop."""

import pandas as pd

from calexico.running import runs, scenarios

# Two southbound booths at 2.25 min a truck, each at its documented end (parameters.toml): about
# 53 trucks an hour, short of the inputs the plants order at the weekday peak.
SHORT_SOUTH = {"lines.east_commercial_south.booths": 2, "lines.east_commercial_south.primary_min": 2.25}
DAYS = 120


def _measured(overrides, seed=3):
    result = runs.run(scenarios.load("baseline"), seed=seed, days=DAYS, overrides=overrides)
    return result.daily[result.daily["measured"]]


def test_inputs_beyond_a_short_southbound_line_go_around_and_the_plants_keep_running():
    daily = _measured(SHORT_SOUTH)
    around = daily[["diverted_south_otay_mesa", "diverted_south_san_luis"]].to_numpy().sum()
    assert around > 0.05 * daily["southbound_trucks"].sum(), "a share of the inputs goes by other ports"
    assert daily["cost_stoppage_usd"].sum() == 0, "no plant stops for want of inputs"
    # The line clears what it is sent: no queue at closing that grows through the run.
    queue = daily["east_commercial_south_queue_at_close"]
    assert queue.iloc[-28:].mean() <= queue.iloc[:28].mean() + 50


def test_where_the_room_binds_at_realistic_inputs_some_loads_go_around_that_day():
    """The baseline year: the room binds on Saturdays (short cargo hours, and a held load waits for
    Monday) and on some Mondays (Sunday's loads too); some of those loads go around that day,
    none midweek."""
    result = runs.run(scenarios.load("baseline"), seed=3)
    daily = result.daily[result.daily["measured"]]
    weekday = pd.to_datetime(daily["date"]).dt.day_of_week.to_numpy()
    around = daily["loads_around"].to_numpy()
    assert around[weekday == 5].sum() > 0 and around[weekday == 0].sum() > 0
    assert around[weekday == 5].mean() > around[weekday == 2].mean()
    assert around[weekday == 0].mean() > around[weekday == 2].mean()
    assert (around <= daily[["diverted_otay_mesa", "diverted_san_luis", "diverted_south_otay_mesa",
                             "diverted_south_san_luis"]].sum(axis=1).to_numpy() + 1e-9).all()
