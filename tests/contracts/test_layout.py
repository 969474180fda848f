"""The layout rules of DESIGN.md, checked: modules at most 350 lines, strict layering."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bounds", "gaussian_oracle", "verification")
MODULES = sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))
#: DESIGN.md: "modules at most 350 lines"
MAX_LINES = 350


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out


def test_the_packages_have_modules():
    assert len(MODULES) > 40


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_are_at_most_350_lines(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{path.relative_to(ROOT)} has {n} lines"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_layering_is_strict(path):
    """bounds imports neither of the others; gaussian_oracle does not import bounds."""
    pkg = path.relative_to(ROOT).parts[0]
    forbidden = {
        "bounds": {"gaussian_oracle", "verification"},
        "gaussian_oracle": {"bounds", "verification"},
        "verification": set(),
    }[pkg]
    assert not (_imported_packages(path) & forbidden), path


def test_every_subpackage_is_packaged():
    """pyproject lists packages explicitly: a subpackage left out is missing from ``pip
    install .`` (verification.cli was, once; only the clean-clone CI saw it)."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for pkg in PACKAGES
        for p in (ROOT / pkg).rglob("__init__.py")
    }
    assert found == listed
