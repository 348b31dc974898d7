"""The layering: a domain module imports neither UI (trellis.office,
trellis.portal), and the two UIs do not import each other; what both need (the
card form, who may view as a customer) lives in the domain.

The rules are the import-linter contracts in pyproject.toml, which CI also runs
as its own step; here `make test` runs them too. They count indirect imports,
so a domain app's test that borrows a helper from the portal's tests breaks
them as well: shared test helpers live in trellis/testing/.
"""

from __future__ import annotations

import json
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

import trellis

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(trellis.__file__).parent
UIS = {"trellis.office", "trellis.portal", "trellis.webhooks"}
# What puts the apps together or tests them, and so may import a UI: settings,
# the root URLconf, the entry points, and the tests.
WIRING = {
    "trellis.conftest",
    "trellis.e2e",
    "trellis.manage",
    "trellis.settings",
    "trellis.testing",
    "trellis.tests",
    "trellis.urls",
    "trellis.wsgi",
}


def _lint_imports() -> str:
    script = Path(sys.executable).with_name("lint-imports")
    found = str(script) if script.exists() else shutil.which("lint-imports")
    assert found, "lint-imports is not installed: make install-dev"
    return found


def run_lint_imports(config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (import-linter, on our own configuration)
        [_lint_imports(), "--no-cache", str(config)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def contracts() -> list[dict[str, Any]]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["tool"]["importlinter"]["contracts"]


def domain_modules() -> set[str]:
    [forbidden] = [c for c in contracts() if c["id"] == "domain-imports-no-ui"]
    assert set(forbidden["forbidden_modules"]) == UIS
    return set(forbidden["source_modules"])


def test_no_domain_module_imports_a_ui_and_the_uis_import_not_each_other():
    result = run_lint_imports(ROOT / "pyproject.toml", cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contracts_have_no_exceptions():
    for contract in contracts():
        assert not contract.get("ignore_imports"), contract["name"]
        assert not contract.get("allow_indirect_imports"), contract["name"]


def test_every_top_level_module_is_a_domain_module_a_ui_or_wiring():
    # A new app or module is checked only once it is named: one nobody named
    # would import the office unseen.
    top_level = {f"trellis.{module.name}" for module in pkgutil.iter_modules([str(PACKAGE)])}
    unnamed = top_level - domain_modules() - UIS - WIRING
    assert not unnamed, (
        f"{sorted(unnamed)}: add each to source_modules of the forbidden contract in "
        "pyproject.toml (a domain module), or to WIRING here if it puts the apps together"
    )
    assert domain_modules() <= top_level, "pyproject.toml names modules that are gone"


# The checks must be able to fail: the same contracts, on a copy of the
# project's shape (every module an empty package) under another name, with one
# import that breaks them.
PROBE = "layering_probe"


def _probe_name(module: str) -> str:
    return PROBE + module.removeprefix("trellis")


def _toml_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(item) for item in value) + "]"
    return json.dumps(value)


def probe_project(tmp_path: Path, violation: tuple[str, str] | None) -> Path:
    modules = domain_modules() | UIS | WIRING
    for module in modules:
        folder = tmp_path.joinpath(*_probe_name(module).split("."))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").touch()
    (tmp_path / PROBE / "__init__.py").touch()
    if violation is not None:
        importer, imported = violation
        path = tmp_path.joinpath(*_probe_name(importer).split(".")).with_suffix(".py")
        path.write_text(f"import {_probe_name(imported)}\n")
    lines = ["[tool.importlinter]", f"root_package = {json.dumps(PROBE)}"]
    for contract in contracts():
        lines.append("[[tool.importlinter.contracts]]")
        for key, value in contract.items():
            if key.endswith("modules"):
                value = [_probe_name(module) for module in value]
            lines.append(f"{key} = {_toml_value(value)}")
    config = tmp_path / "probe.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


def test_the_probe_of_the_projects_shape_keeps_the_contracts(tmp_path):
    result = run_lint_imports(probe_project(tmp_path, violation=None), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("importer", "imported", "broken"),
    [
        ("trellis.billing.card_forms", "trellis.portal.views", "trellis.billing"),
        ("trellis.customers.admin", "trellis.office.filters", "trellis.customers"),
        ("trellis.visibility.rule", "trellis.office", "trellis.visibility"),
        # Through a module allowed to import the portal: indirect imports count.
        ("trellis.accounts.tests", "trellis.testing.portal_helpers", "trellis.accounts"),
        ("trellis.office.view_as", "trellis.portal.preview", "trellis.office"),
        ("trellis.portal.payments", "trellis.office.card", "trellis.portal"),
    ],
)
def test_an_import_across_the_layers_breaks_the_check(tmp_path, importer, imported, broken):
    config = probe_project(tmp_path, violation=(importer, imported))
    if imported == "trellis.testing.portal_helpers":
        helper = tmp_path.joinpath(*_probe_name(imported).split(".")).with_suffix(".py")
        helper.write_text(f"import {_probe_name('trellis.portal')}\n")

    result = run_lint_imports(config, cwd=tmp_path)

    assert result.returncode != 0
    assert "BROKEN" in result.stdout, result.stdout + result.stderr
    assert f"{_probe_name(broken)} is not allowed to import" in result.stdout
