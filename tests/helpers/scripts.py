"""`load_script`: a script in scripts/ imported by its file path (scripts/ is not a package), so
a test can call its functions and `main(argv)` without a subprocess."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def load_script(name: str) -> ModuleType:
    """A fresh module from scripts/NAME.py. It is in sys.modules only while it runs, under a name
    no real module has: a dataclass looks its module up there while it is defined, and two test
    files loading one script must not share (or leave behind) one module."""
    spec = importlib.util.spec_from_file_location(f"{name}_under_test", SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module
