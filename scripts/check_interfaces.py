"""Check that every package of spectrum_rpc is used only through its public interface.

A module outside package P (scripts included) may import P itself and the names its
`__init__` exports (a submodule only where `__all__` lists it as public), never P's other
submodules or a name starting with an underscore. import-linter
checks the direction of the arrows between packages (`.importlinter`); this checks what crosses
them. Tests are white-box: `tests/P/test_M.py` tests module P.M itself, so they are not
checked. `make lint` runs both:

    .venv/bin/python scripts/check_interfaces.py spectrum_rpc scripts
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "spectrum_rpc"


def module_name(path: Path) -> tuple[str, bool]:
    """Return the dotted name of a file under ROOT and whether it is a package's __init__."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    is_init = parts[-1] == "__init__"
    if is_init:
        parts.pop()
    return ".".join(parts), is_init


def packages() -> set[str]:
    """Return the dotted names of spectrum_rpc's sub-packages."""
    return {module_name(p)[0] for p in (ROOT / PACKAGE).rglob("__init__.py")} - {PACKAGE}


def exported(pkg: str) -> set[str]:
    """Return the names a package's `__init__` lists in `__all__` (submodules among them)."""
    init = ROOT / pkg.replace(".", "/") / "__init__.py"
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__"
                                                for t in node.targets):
            return {e.value for e in node.value.elts  # type: ignore[attr-defined]
                    if isinstance(e, ast.Constant)}
    return set()


def owner(module: str, pkgs: set[str]) -> str | None:
    """Return the innermost sub-package that contains `module` (not counting itself)."""
    candidates = [p for p in pkgs if module.startswith(p + ".")]
    return max(candidates, key=len) if candidates else None


def imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """Return (line, absolute module, imported names) for every import in a file."""
    name, is_init = module_name(path)
    base = name.split(".") if is_init else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                prefix = base[: len(base) - node.level + 1]
                module = ".".join(prefix + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module, [a.name for a in node.names]))
    return found


def is_module(name: str, pkgs: set[str]) -> bool:
    return name in pkgs or (ROOT / (name.replace(".", "/") + ".py")).exists()


def problems(path: Path, pkgs: set[str]) -> list[str]:
    here, _ = module_name(path)
    out = []
    for line, module, names in imports(path):
        if not module.startswith(PACKAGE):
            continue
        public = exported(module) if module in pkgs else set()
        targets = [module] + [f"{module}.{n}" for n in names
                              if n not in public and is_module(f"{module}.{n}", pkgs)]
        for target in targets:
            pkg = owner(target, pkgs)
            if pkg is not None and target[len(pkg) + 1:].split(".")[0] in exported(pkg):
                continue  # a submodule the package lists as public
            if pkg is not None and not (here == pkg or here.startswith(pkg + ".")):
                out.append(f"{path.relative_to(ROOT)}:{line}: imports {target}, a private "
                           f"module of {pkg}: import from {pkg} instead")
        private = [n for n in names if n.startswith("_") and n != "__version__"]
        pkg = module if module in pkgs else owner(module, pkgs)
        if private and pkg is not None and not (here == pkg or here.startswith(pkg + ".")):
            out.append(f"{path.relative_to(ROOT)}:{line}: imports private name(s) "
                       f"{', '.join(private)} from {module}")
    return out


def main(argv: list[str]) -> int:
    pkgs = packages()
    found = []
    for arg in argv or [PACKAGE, "scripts"]:
        for path in sorted((ROOT / arg).rglob("*.py")):
            found += problems(path, pkgs)
    for problem in found:
        print(problem)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
