"""The UnitOfWork port: one transaction per use case, rolled back unless committed, then its events."""

from types import TracebackType
from typing import Protocol, Self

from shared_kernel.domain.events import RecordsEvents


class UnitOfWork(Protocol):
    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed; if a DomainError carrying an event ended the block,
        publish that event (a refusal is worth counting even though nothing was stored)."""

    def collect(self, aggregate: RecordsEvents) -> None:
        """Publish the events `aggregate` records once this transaction commits (and never if it does not)."""

    async def commit(self) -> None:
        """Commit, then publish the collected aggregates' events."""
