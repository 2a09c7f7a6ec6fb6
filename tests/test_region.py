"""The region graph: real places, a border between them, and cheapest paths."""

import numpy as np
import pytest

from model.region import Region


@pytest.fixture(scope="module")
def region():
    return Region(1.2, 2.26)


def test_places_sit_at_their_real_positions_on_both_sides_of_the_border(region):
    g = region.graph
    for node, data in g.nodes(data=True):
        lon, lat = data["pos"]
        assert -119 < lon < -110 and 29 < lat < 34.5, node
    assert g.nodes["calexico_east_us"]["pos"] == (-115.388, 32.673)  # BTS port position
    us = [d["pos"][1] for n, d in g.nodes(data=True) if d["side"] == "US" and n.startswith("calexico")]
    mx = [d["pos"][1] for n, d in g.nodes(data=True) if d["side"] == "MX" and n.startswith("mexicali")]
    assert min(us) > max(mx), "Calexico lies north of Mexicali"


def test_only_crossing_edges_join_the_two_sides(region):
    for u, v, data in region.graph.edges(data=True):
        cross = region.graph.nodes[u]["side"] != region.graph.nodes[v]["side"]
        assert cross == (data["port"] is not None)
    assert "calexico_west" not in region.truck_ports


@pytest.mark.parametrize("origin,destination", [
    ("mexicali_east_parks", "los_angeles"), ("valley_ciudad_morelos", "phoenix"),
    ("mexicali_south_parks", "san_diego"), ("calexico", "mexicali_south_parks")])
@pytest.mark.parametrize("east_wait_h", [0.0, 2.0, 30.0])
def test_cheapest_crossing_equals_networkx_shortest_path(region, origin, destination, east_wait_h):
    waits = {"calexico_east": east_wait_h, "otay_mesa": 1.0, "san_luis": 0.75}
    wait_h = np.array([waits[p] for p in region.truck_ports])
    ours = region.crossing_costs(origin, destination, wait_h, 90.89).min()
    cost, path = region.cheapest_path(origin, destination, waits, 90.89)
    assert ours == pytest.approx(cost, rel=1e-9)
