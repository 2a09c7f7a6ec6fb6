"""Tooling for the Calexico border-economy model: scenarios, runs, batches, reports, the CLI."""

__version__ = "0.1.0"
