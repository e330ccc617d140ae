"""UnitOfWork over the request's AsyncSession: commits only when told to, rolls back otherwise."""

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession


class SqlAlchemyUnitOfWork:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

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

    async def commit(self) -> None:
        await self._session.commit()
