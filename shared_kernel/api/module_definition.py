"""What a module tells the composition root about itself: one ModuleDefinition, exported by its module.py.

main.py builds the app from the list in modules/registry.py; migrations, the tests' database cleanup and the
import contracts' check read the same list.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar import Router
from litestar.di import Provide
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession

from shared_kernel.infrastructure.facades import FacadeOverFacades, Facades, PublishedFacade


@dataclass(frozen=True, slots=True)
class ModuleDefinition:
    name: str  # the package under modules/
    metadata: MetaData  # its tables, all in one PostgreSQL schema of its own
    # Its routes, with its use cases' providers scoped to this router, given the facades it may use.
    router: Callable[[Facades], Router]
    # What it publishes to other modules, if anything.
    facade: PublishedFacade[Any] | FacadeOverFacades[Any] | None = None
    # Demo data for `make seed`: fills an empty database, returns a summary line such as "8 products".
    seed: Callable[[AsyncSession, Facades], Awaitable[str]] | None = None

    @property
    def schema(self) -> str | None:
        return self.metadata.schema


def provide(provider: Callable[..., Any]) -> Provide:
    """A request-scoped provider that builds a use case (cheap and synchronous: no thread hop)."""
    return Provide(provider, sync_to_thread=False)
