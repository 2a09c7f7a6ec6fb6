"""The four kinds of agents: growers, manufacturers, trucking firms, cross-border workers."""

from agents.cross_border_worker import CrossBorderWorker, Workforce
from agents.grower import Grower
from agents.manufacturer import Manufacturer
from agents.trucking_firm import TruckingFirm

__all__ = ["CrossBorderWorker", "Grower", "Manufacturer", "TruckingFirm", "Workforce"]
