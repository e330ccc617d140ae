"""Engine, per-request session and schema metadata, built from settings (never at import time)."""

from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from sqlalchemy import MetaData

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
        session_dependency_key=SESSION_DEPENDENCY,
        session_config=AsyncSessionConfig(expire_on_commit=False, autoflush=False),
        engine_config=EngineConfig(
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout_seconds,
            pool_pre_ping=False,
            connect_args={
                "server_settings": {
                    "application_name": "order-service",
                    "statement_timeout": str(settings.db_statement_timeout_ms),
                },
            },
        ),
        # Errors are mapped to problem+json by the app's own handlers.
        set_default_exception_handler=False,
    )
