"""`make test` collects every test folder but tests/deploy, which `make deploy-check` runs (pyproject testpaths)."""

import tomllib

from tests.database import ROOT


def test_every_test_folder_is_run_by_make_test_or_make_deploy_check() -> None:
    testpaths = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["testpaths"]
    folders = {f"tests/{path.name}" for path in (ROOT / "tests").iterdir() if (path / "__init__.py").exists()}
    assert folders == {*testpaths, "tests/deploy"}
