"""Every notebook runs top to bottom at the small size (CALEXICO_NB_SCALE=small)."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_the_notebooks_are_there():
    assert [p.stem for p in NOTEBOOKS] == ["01_quickstart", "02_scenario_comparison", "03_sensitivity",
                                           "04_scenario_discovery", "06_history_matching", "07_hindcast"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_at_the_small_size(path, monkeypatch, tmp_path):
    monkeypatch.setenv("CALEXICO_NB_SCALE", "small")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # the kernel inherits this environment; raises CellExecutionError on any error
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_shows_its_figures_and_no_error(path):
    """A reader on GitHub sees the stored outputs: at least one figure, no error (re-execute
    with `make notebooks`, which keeps matplotlib's inline backend whatever MPLBACKEND says)."""
    nb = nbformat.read(path, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name} stores no figure"
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code"), "not executed top to bottom"
