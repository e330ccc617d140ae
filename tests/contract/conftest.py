from collections.abc import Iterator

import pytest

from shared_kernel.infrastructure.settings import Settings
from tests.live_server import live_server


@pytest.fixture(scope="session")
def base_url(settings: Settings) -> Iterator[str]:
    """The service under uvicorn, as production runs it, on the worker's test database."""
    with live_server(str(settings.database_url)) as url:
        yield url
