"""Deployment checks: the models the export matrix derives from a trained dsconv, the exact merged inference forms,
the parity measure and the matrix's tables. `scripts/export_matrix.py` runs the matrix (`make exports`, in its own
environment with every export toolchain); its steps run as `python -m yolo_dsconv.deploy.programs.<step>`."""

from .forms import MergedForm, forms, fused_expandconv, fused_sppf
from .parity import rel_err
from .tables import explanation, ops_change, summary, write_tables
from .transforms import DERIVED, bake_pruning, merge_forms, undilate

__all__ = (
    "DERIVED",
    "MergedForm",
    "bake_pruning",
    "explanation",
    "forms",
    "fused_expandconv",
    "fused_sppf",
    "merge_forms",
    "ops_change",
    "rel_err",
    "summary",
    "undilate",
    "write_tables",
)
