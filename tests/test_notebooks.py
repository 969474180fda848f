"""The notebooks run top to bottom on the public API (so they cannot rot).

Each notebook is executed in a fresh kernel (nbclient, kernel ``python3`` of the running
interpreter) in a temporary working directory; a cell that raises fails the test, and so does
a warning printed by any cell. The committed files carry no outputs (readable diffs), and they
import only public names (no ``package._module``).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
PRIVATE_IMPORT = re.compile(r"^\s*(from|import)\s+(bounds|gaussian_oracle|verification)\.\_", re.M)
PRIVATE_NAME = re.compile(r"\b(bounds|gaussian_oracle|verification)(\.\w+)*\.\_\w+")


def test_the_seven_notebooks_are_there():
    assert [p.name[:3] for p in NOTEBOOKS] == ["01_", "02_", "03_", "04_", "05_", "06_", "07_"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_is_clean_and_public(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a notebook without code"
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, "commit without outputs"
        assert not PRIVATE_IMPORT.search(cell.source), cell.source
        assert not PRIVATE_NAME.search(cell.source), cell.source


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=600,  # per cell; a whole notebook takes 5-45 s on a 2-core machine
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    elapsed = time.perf_counter() - start
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("text", "") if out.get("output_type") == "stream" else ""
            assert "Warning" not in text, f"cell printed a warning:\n{cell.source}\n{text}"
    print(f"{path.name}: {elapsed:.1f} s")
