"""annal: active learning on imbalanced, multi-class text, driven by ANN indexes."""

from annal.errors import AnnalError

__version__ = "0.1.0"
__all__ = ["AnnalError", "__version__"]
