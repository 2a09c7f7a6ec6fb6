"""The model core: the region, the ports, the markets and the day's schedule."""

from model.border_model import BorderModel
from model.parameters import SPECS, Event, ParameterError, resolve

__all__ = ["SPECS", "BorderModel", "Event", "ParameterError", "resolve"]
