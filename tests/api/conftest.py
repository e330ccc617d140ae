from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from main import create_app
from shared_kernel.infrastructure.settings import Settings


@pytest.fixture(autouse=True)
def _clean(clean_database: None) -> None:
    """Every api test starts from empty tables."""


@pytest.fixture(scope="session")
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The real app, lifespan included, over in-process HTTP."""
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client
