"""Which errors mean "the database is unavailable" (503, retryable), whichever way the statement went: sql.fetch's
fast path raises asyncpg's own errors, the session path wraps them in SQLAlchemy's."""

import asyncpg
import pytest
from sqlalchemy import exc as sqlalchemy_exc

from shared_kernel.infrastructure.database import database_unavailable

DRIVER_ERRORS = [
    (asyncpg.LockNotAvailableError("lock timeout"), "lock_timeout"),
    (asyncpg.QueryCanceledError("statement timeout"), "statement_timeout"),
    (asyncpg.AdminShutdownError("terminating connection"), "starting_or_stopping"),
    (asyncpg.CannotConnectNowError("the database system is starting up"), "starting_or_stopping"),
    (asyncpg.TooManyConnectionsError("too many clients"), "too_many_connections"),
    (asyncpg.ConnectionDoesNotExistError("connection was closed"), "connection_lost"),
    (ConnectionRefusedError(111, "refused"), "connection_lost"),
    (TimeoutError(), "timeout"),
]


@pytest.mark.parametrize(("error", "reason"), DRIVER_ERRORS)
def test_driver_errors_raised_directly_are_unavailable(error: BaseException, reason: str) -> None:
    assert database_unavailable(error) == reason


@pytest.mark.parametrize(("error", "reason"), DRIVER_ERRORS)
def test_driver_errors_wrapped_by_sqlalchemy_are_unavailable(error: BaseException, reason: str) -> None:
    wrapped = sqlalchemy_exc.OperationalError("SELECT 1", {}, error)
    assert database_unavailable(wrapped) == reason


def test_a_pool_timeout_is_unavailable() -> None:
    assert database_unavailable(sqlalchemy_exc.TimeoutError("QueuePool limit reached")) == "pool_timeout"


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.UniqueViolationError("duplicate key"),
        sqlalchemy_exc.IntegrityError("INSERT", {}, asyncpg.UniqueViolationError("duplicate key")),
        asyncpg.UndefinedColumnError("column does not exist"),
        asyncpg.DataError("invalid input for query argument $1"),  # an InterfaceError, yet the connection is fine
        ValueError("a bug"),
    ],
)
def test_other_errors_are_not(error: BaseException) -> None:
    assert database_unavailable(error) is None
