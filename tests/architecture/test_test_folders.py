"""`make test` collects every test folder but tests/deploy, which `make deploy-check` runs, tests/observability,
which `make observability-check` runs, and tests/benchmarks, which `make bench` runs (pyproject testpaths)."""

import tomllib

from tests.database import ROOT

RUN_ELSEWHERE = {"tests/deploy", "tests/observability", "tests/benchmarks"}


def test_every_test_folder_is_run_by_make_test_or_another_target() -> None:
    testpaths = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["testpaths"]
    folders = {f"tests/{path.name}" for path in (ROOT / "tests").iterdir() if (path / "__init__.py").exists()}
    assert folders == {*testpaths, *RUN_ELSEWHERE}
