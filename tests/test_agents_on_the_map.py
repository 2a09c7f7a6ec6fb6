"""Every agent lives on its node of the region's Mesa Network, and the map draws it there."""

import pytest

from agents import CrossBorderWorker, Grower, Manufacturer, TruckingFirm
from calexico.views.viz.region_map import agent_points
from model import BorderModel
from model.populations import CARRIER_YARDS


@pytest.fixture(scope="module")
def model():
    return BorderModel(seed=0, collect=False)


def test_every_agent_is_on_a_cell_of_the_network(model):
    cells = set(model.grid.all_cells)
    assert all(agent.cell in cells for agent in model.agents)
    assert sum(len(cell.agents) for cell in cells) == len(model.agents)


def test_plants_growers_and_carriers_sit_on_their_places(model):
    kinds = {n: d["kind"] for n, d in model.region.graph.nodes(data=True)}
    for plant in model.agents_by_type[Manufacturer]:
        assert plant.cell.coordinate == plant.place and kinds[plant.place] == "industrial_park"
    for grower in model.agents_by_type[Grower]:
        assert grower.cell.coordinate == grower.place and kinds[grower.place] == "farm_district"
    for firm in model.agents_by_type[TruckingFirm]:
        assert firm.cell.coordinate == CARRIER_YARDS[firm.base]


def test_commuters_live_in_the_mexicali_district_nearest_their_port(model):
    home = {"calexico_west": "mexicali_center", "calexico_east": "mexicali_southeast"}
    workers = model.agents_by_type[CrossBorderWorker]
    for worker in workers:
        port = model.lines[model.workforce.line[worker.row]].port
        assert worker.cell.coordinate == home[port]
    assert {w.cell.coordinate for w in workers} == set(home.values())


def test_the_map_draws_agents_from_their_cells(model):
    points = agent_points(model)
    assert len(points["plant"]) == len(model.agents_by_type[Manufacturer])
    graph = model.region.graph
    for plant, (x, y) in zip(model.agents_by_type[Manufacturer], points["plant"], strict=True):
        px, py = graph.nodes[plant.cell.coordinate]["pos"]
        assert abs(x - px) < 0.02 and abs(y - py) < 0.02  # at its node, jittered a little
