"""The README's walk-through runs as written against the real service."""

import re
import shutil
import subprocess

import pytest

from tests.database import ROOT

pytestmark = pytest.mark.slow


def walkthrough() -> str:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- walkthrough -->\n```bash\n(.*?)```", readme, re.DOTALL)
    assert match, "README.md lost its walk-through block"
    return match.group(1)


def test_readme_walkthrough_places_a_partial_order_and_cancels_it(base_url: str) -> None:
    assert shutil.which("jq"), "the walk-through needs jq (apt-get install jq; .ci/run installs it)"
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", walkthrough()],
        env={"API": base_url, "PATH": "/usr/local/bin:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    stock_lines = [line for line in result.stdout.splitlines() if line.startswith('{"product_id"')]
    assert [re.search(r'"available":(\d+)', line).group(1) for line in stock_lines] == ["3", "0", "3"]  # type: ignore[union-attr]
    assert '"line_total": "387.00"' in result.stdout
    assert '{"status":"cancelled","total":"387.00"}' in result.stdout
