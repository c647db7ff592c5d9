"""Layers only point down (docs/architecture.md): the import-linter contracts
in pyproject.toml, checked against the source as it is now. A lower package
that imports a higher one fails here with import-linter's report, which names
the contract and every offending import line."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_the_import_contracts_are_kept():
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} is missing: install the dev extra")
    result = subprocess.run(
        [
            str(LINT_IMPORTS),
            "--config",
            str(ROOT / "pyproject.toml"),
            "--no-cache",
            "--no-logo",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        report = result.stdout
        broken = report.find("Broken contracts")
        pytest.fail(
            (report[broken:] if broken >= 0 else report) + result.stderr,
            pytrace=False,
        )
    assert "BROKEN" not in result.stdout
    assert " KEPT" in result.stdout
