"""UnitOfWork over the request's AsyncSession: commits only when told to, rolls back otherwise."""

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession

from shared_kernel.application.events import EventBus, TransactionEvents
from shared_kernel.domain.events import RecordsEvents
from shared_kernel.infrastructure.sql import drop_connection_if_broken


class SqlAlchemyUnitOfWork:
    def __init__(self, session: AsyncSession, bus: EventBus | None = None) -> None:
        self._session = session
        self._events = TransactionEvents(bus or EventBus())

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # After a successful commit there is nothing to roll back (and no need to cross into SQLAlchemy's greenlet).
        if self._session.in_transaction():
            await self._session.rollback()
        self._events.ended(exc)

    def collect(self, aggregate: RecordsEvents) -> None:
        self._events.collect(aggregate)

    async def commit(self) -> None:
        try:
            await self._session.commit()
        except Exception as exc:
            await drop_connection_if_broken(self._session, exc)
            raise
        self._events.committed()
