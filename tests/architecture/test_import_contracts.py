"""The import-linter contracts hold on the real code and catch deliberate violations."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.database import ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
    )


def test_contracts_are_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout


VIOLATIONS = [
    pytest.param(
        "modules/catalog/domain/leak.py",
        "import sqlalchemy\n",
        "Domain, facades and use cases are plain Python",
        id="framework-in-domain",
    ),
    pytest.param(
        "modules/catalog/application/leak.py",
        "from modules.catalog.infrastructure import repository\n",
        "Layers inside each module",
        id="use-case-imports-infrastructure",
    ),
    pytest.param(
        "modules/catalog/domain/leak.py",
        "from modules.catalog.api import schemas\n",
        "Layers inside each module",
        id="domain-imports-api",
    ),
    pytest.param(
        "shared_kernel/domain/leak.py",
        "from modules.catalog import facade\n",
        "The shared kernel imports no module",
        id="kernel-imports-module",
    ),
    pytest.param(
        "modules/storefront/application/leak.py",
        "from modules.ordering.application import use_cases\n",
        "The storefront uses other modules only through their facades",
        id="storefront-bypasses-a-facade",
    ),
    pytest.param(
        "modules/rogue/__init__.py",
        "from modules.catalog.infrastructure import tables\n",
        "Modules talk to each other only through published facades",
        id="module-reaches-into-another",
    ),
    pytest.param(
        "shared_kernel/infrastructure/leak.py",
        "from devtools import database\n",
        "The service imports no development tool",
        id="service-imports-dev-tools",
    ),
]


@pytest.mark.parametrize(("path", "source", "contract"), VIOLATIONS)
def test_a_deliberate_violation_is_caught(tmp_path: Path, path: str, source: str, contract: str) -> None:
    for item in ("modules", "shared_kernel"):
        shutil.copytree(ROOT / item, tmp_path / item, ignore=shutil.ignore_patterns("__pycache__"))
    config = (ROOT / ".importlinter").read_text()
    if path.startswith("modules/rogue"):
        # A new module joins the independence contract, as every real module must.
        head, independence = config.split("type = independence\nmodules =\n", 1)
        config = f"{head}type = independence\nmodules =\n    modules.rogue\n{independence}"
    (tmp_path / ".importlinter").write_text(config)
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / path).write_text(source)

    result = lint_imports(tmp_path)

    assert result.returncode != 0, result.stdout
    broken = [line for line in result.stdout.splitlines() if "BROKEN" in line or contract in line]
    assert any(contract in line for line in broken), result.stdout
