"""The import-linter contracts can fail: an agents module importing the application breaks them."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("sim", "agents", "products", "contracts")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the packages and pyproject.toml, analysed in place of the installed ones."""
    root = tmp_path_factory.mktemp("tree")
    ignore = shutil.ignore_patterns("__pycache__", "node_modules", "build", "*.sol", "*.js")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, root / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_tree_keeps_every_contract(tree: Path) -> None:
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.split("Contracts:")[-1]


def test_an_agent_importing_the_runner_breaks_the_floors(tree: Path) -> None:
    module = tree / "agents" / "supply_chain" / "model.py"
    module.write_text(module.read_text(encoding="utf-8") + "\nimport sim.runner  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode == 1
    assert (
        "Floors: application -> agents -> products -> contracts -> kernel BROKEN" in result.stdout
    )
    assert "agents.supply_chain.model -> sim.runner" in result.stdout
