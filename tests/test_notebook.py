"""The evaluation notebook runs top to bottom, so it cannot rot."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "evaluate_topics.ipynb"


@pytest.mark.slow
def test_evaluate_topics_notebook_runs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2  # the precision-recall grid and the threshold sweep
    last = notebook.cells[-2].outputs[0]["data"]["text/plain"]
    assert "false positive" in last or "missed" in last
