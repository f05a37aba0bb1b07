"""The notebook tour executes end to end (small setting) and is committed with its outputs."""

import os

import nbformat
from nbclient import NotebookClient

from helpers import REPO

NOTEBOOK = REPO / "notebooks" / "expandconv_tour.ipynb"


def test_committed_notebook_has_outputs_and_pictures():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("outputs") for c in code), "commit the notebook executed"
    images = [o for c in code for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3  # sampling diagrams, training curves, ERFs


def test_notebook_executes_in_small_setting(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    os.environ["EXPANDCONV_TOUR_SMALL"] = "1"
    os.environ["EXPANDCONV_TOUR_DIR"] = str(tmp_path)
    try:
        NotebookClient(
            nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        ).execute()
    finally:
        del os.environ["EXPANDCONV_TOUR_SMALL"], os.environ["EXPANDCONV_TOUR_DIR"]
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "yolov5n-dsconv.yaml" in text and "50% side px" in text
    assert (tmp_path / "erf.png").is_file() and (tmp_path / "sampling.png").is_file()
