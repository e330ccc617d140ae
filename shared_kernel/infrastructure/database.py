"""Engine, per-request session and schema metadata, built from settings (never at import time)."""

from typing import Any

import asyncpg
from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from sqlalchemy import MetaData, event
from sqlalchemy import exc as sqlalchemy_exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from shared_kernel.infrastructure.settings import Settings

SESSION_DEPENDENCY = "db_session"

# One naming convention for every schema, so migrations get predictable constraint names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def schema_metadata(schema: str) -> MetaData:
    """Each module owns its tables in its own PostgreSQL schema."""
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


def sqlalchemy_config(settings: Settings) -> SQLAlchemyAsyncConfig:
    """The advanced-alchemy plugin config: one engine per app, one session per request, manual commits."""
    return SQLAlchemyAsyncConfig(
        connection_string=str(settings.database_url),
        create_engine_callable=_engine_dropping_closed_connections,
        session_dependency_key=SESSION_DEPENDENCY,
        session_config=AsyncSessionConfig(expire_on_commit=False, autoflush=False),
        engine_config=EngineConfig(
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout_seconds,
            connect_args=connect_args(settings),
        ),
        # Errors are mapped to problem+json by the app's own handlers.
        set_default_exception_handler=False,
    )


def _engine_dropping_closed_connections(url: str, **options: Any) -> AsyncEngine:
    """The requests' engine. A pooled connection may have died with the database (a restart while idle): the
    pool replaces it at checkout instead of failing the request that drew it, see `_refuse_closed_connection`."""
    engine = create_async_engine(url, **options)
    event.listen(engine.sync_engine, "checkout", _refuse_closed_connection)
    event.listen(engine.sync_engine, "invalidate", _terminate_at_once)
    return engine


def _terminate_at_once(dbapi_connection: Any, _record: Any, _exception: BaseException | None) -> None:
    """A connection is invalidated when it timed out or broke. SQLAlchemy then closes it politely, waiting up
    to 2 s for the server, which is likely the reason it is dropped (a hung host). Terminate it instead: no
    round trip; the server rolls back whatever transaction it held. This keeps the hung-database bound at the
    command timeout (shared_kernel/README.md, Failure bounds)."""
    if dbapi_connection is not None:
        dbapi_connection.driver_connection.terminate()


def _refuse_closed_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A checkout check without a round trip, instead of SQLAlchemy's `pool_pre_ping` (a `SELECT 1` before
    every request, about a tenth of an order's CPU). A server that stops, restarts or crashes closes its
    connections; asyncpg sees the socket close while the connection idles in the pool and marks it closed.
    Raising DisconnectionError makes the pool discard it and open a new one. What this cannot see, a host that
    stopped answering without closing anything, a ping could not see either without waiting out its timeout:
    the first statement's command_timeout bounds it the same way."""
    if dbapi_connection.driver_connection.is_closed():
        msg = "the database closed this pooled connection"
        raise sqlalchemy_exc.DisconnectionError(msg)


def connect_args(settings: Settings) -> dict[str, Any]:
    """asyncpg's connection arguments: every wait on the database is bounded (shared_kernel/README.md).

    `timeout` bounds connecting, `command_timeout` every statement as the driver sees it (it covers a host
    that stopped answering, where the server's own timeouts cannot fire), `lock_timeout` a wait for a row
    lock, and `statement_timeout` the server's work.
    """
    return {
        "timeout": settings.db_connect_timeout_seconds,
        "command_timeout": settings.db_command_timeout_seconds,
        "server_settings": {
            "application_name": "order-service",
            "statement_timeout": str(settings.db_statement_timeout_ms),
            "lock_timeout": str(settings.db_lock_timeout_ms),
        },
    }


def readiness_engine(settings: Settings) -> AsyncEngine:
    """The readiness check's own engine, apart from the requests' pool: a probe never waits behind requests
    for a connection, so it reports the database, not how busy the worker is. Each check opens a new
    connection (NullPool), as a restarted worker would, and nothing is left half-used if a check times out."""
    return create_async_engine(str(settings.database_url), poolclass=NullPool, connect_args=connect_args(settings))


# Why a statement did not run, by the errors that say the database (not the request) is at fault. The
# direct asyncpg path of `fetch` (sql.py) raises asyncpg's own errors, SQLAlchemy wraps the rest: both are seen.
_UNAVAILABLE_BY_ERROR: tuple[tuple[type[BaseException], str | None], ...] = (
    (asyncpg.DataError, None),  # a value the driver refused: a bug, not an outage (an InterfaceError, below)
    (asyncpg.LockNotAvailableError, "lock_timeout"),
    (asyncpg.QueryCanceledError, "statement_timeout"),
    (asyncpg.CannotConnectNowError, "starting_or_stopping"),
    (asyncpg.AdminShutdownError, "starting_or_stopping"),
    (asyncpg.CrashShutdownError, "starting_or_stopping"),
    (asyncpg.TooManyConnectionsError, "too_many_connections"),
    (asyncpg.PostgresConnectionError, "connection_lost"),
    (asyncpg.InterfaceError, "connection_lost"),
    (sqlalchemy_exc.TimeoutError, "pool_timeout"),
    (TimeoutError, "timeout"),
    (OSError, "connection_lost"),
    (sqlalchemy_exc.DisconnectionError, "connection_lost"),
)


def database_unavailable(exc: BaseException) -> str | None:
    """The reason (a short word) when `exc` means the database is unreachable, hung or busy past a bound, so
    that a retry may succeed; None for every other error."""
    seen: set[int] = set()
    error: BaseException | None = exc
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        for kind, reason in _UNAVAILABLE_BY_ERROR:
            if isinstance(error, kind):
                return reason
        if isinstance(error, sqlalchemy_exc.DBAPIError) and error.connection_invalidated:
            return "connection_lost"
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__
    return None
