"""Model versions: where they live on disk and in the store, and the router that picks a
project's model for each request and follows promotions without a restart."""

from .registry import (
    REPORT_FILE,
    RETRAIN,
    SHIPPED,
    ModelCopyError,
    ModelNotFound,
    ModelRegistry,
    load_version,
    model_root,
    scope_of,
    shipped_dir,
)
from .router import ModelRouter

__all__ = ["REPORT_FILE", "RETRAIN", "SHIPPED", "ModelCopyError", "ModelNotFound", "ModelRegistry",
           "ModelRouter", "load_version", "model_root", "scope_of", "shipped_dir"]
