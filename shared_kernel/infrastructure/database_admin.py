"""Create the application's database if the server lacks it (used by `make run` and `make migrate`)."""

import asyncpg
from sqlalchemy.engine import make_url


class DatabaseServerUnavailable(RuntimeError):
    """No server answers (yet): worth retrying."""


class DatabaseAccessDenied(RuntimeError):
    """A server answers but refuses DATABASE_URL's credentials: retrying cannot help."""


async def ensure_database(database_url: str) -> bool:
    """Create the database named in `database_url`; return True if it had to be created."""
    url = make_url(database_url)
    name = url.database
    if not name:
        msg = "DATABASE_URL names no database"
        raise ValueError(msg)
    maintenance = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    try:
        connection = await asyncpg.connect(maintenance, timeout=5)
    except (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError) as exc:
        msg = f"PostgreSQL at {where} refuses DATABASE_URL's user or password ({type(exc).__name__}: {exc})."
        raise DatabaseAccessDenied(msg) from exc
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        msg = (
            f"No PostgreSQL answers at {where} ({type(exc).__name__}: {exc}). "
            "Start one with `make infra-up` (Docker) or any local PostgreSQL, and point DATABASE_URL at it."
        )
        raise DatabaseServerUnavailable(msg) from exc
    try:
        if await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        quoted = '"' + name.replace('"', '""') + '"'
        await connection.execute(f"CREATE DATABASE {quoted}")
        return True
    finally:
        await connection.close()
