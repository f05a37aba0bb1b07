"""See what the module does: effective receptive fields and branch sampling patterns."""

from .erf import ERFResult, compute_erf, mass_square_side, plot_erfs
from .inputs import dataset_images, load_model
from .sampling import branch_support, plot_sampling_patterns, predicted_support

__all__ = (
    "ERFResult",
    "branch_support",
    "compute_erf",
    "dataset_images",
    "load_model",
    "mass_square_side",
    "plot_erfs",
    "plot_sampling_patterns",
    "predicted_support",
)
