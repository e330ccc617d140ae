"""Application settings: read once by the composition root and passed down as arguments."""

import os
from typing import Literal

from pydantic import Field, PostgresDsn, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_ENV_FILE = ".env"


class Settings(BaseSettings):
    """Every knob of the service. Environment variables override the env file."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    app_env: Literal["local", "production", "test"] = "production"
    database_url: PostgresDsn = Field(
        default=PostgresDsn("postgresql+asyncpg://postgres@127.0.0.1:5432/order_service"),
    )
    # Per worker process. A few connections keep PostgreSQL busy; more only lengthen lock queues on hot rows
    # (measured with `make bench`: 5 + 0 per worker beat 10 + 5 by half in the hot scenario).
    db_pool_size: int = Field(default=5, ge=1, le=200)
    db_max_overflow: int = Field(default=0, ge=0, le=200)
    # Failure bounds (shared_kernel/README.md says why each value): a request never waits longer than these for
    # the database, and what runs past them is answered 503 with Retry-After.
    db_pool_timeout_seconds: int = Field(default=2, ge=1)
    db_connect_timeout_seconds: float = Field(default=3, gt=0)
    db_statement_timeout_ms: int = Field(default=2_500, ge=0)
    db_lock_timeout_ms: int = Field(default=1_000, ge=0)
    db_command_timeout_seconds: float = Field(default=3, gt=0)
    # Bounds on clients: the request head's time and size (the server, serve.py), the body's
    # time (the app) and an idle keep-alive connection (uvicorn).
    http_header_timeout_seconds: float = Field(default=5, gt=0)
    http_max_header_bytes: int = Field(default=65_536, ge=4_096)
    http_body_timeout_seconds: float = Field(default=5, gt=0)
    http_keep_alive_timeout_seconds: int = Field(default=5, ge=1)
    db_echo: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"
    access_log: bool = True
    debug: bool = False
    # How many replicas the deployment runs (docker-compose.yml's APP_REPLICAS). Exported as a gauge, so that an
    # alert sees when fewer answer than were meant to.
    app_replicas: int = Field(default=1, ge=1)

    @field_validator("database_url")
    @classmethod
    def _asyncpg_driver(cls, url: PostgresDsn) -> PostgresDsn:
        if url.scheme != "postgresql+asyncpg":
            msg = "DATABASE_URL must use the postgresql+asyncpg:// scheme"
            raise ValueError(msg)
        return url


def load_settings(env_file: str | None = None) -> Settings:
    """Read settings from ENV_FILE (default `.env`; `.local.env` for local runs) and the environment."""
    path = env_file or os.environ.get("ENV_FILE", DEFAULT_ENV_FILE)
    return Settings(_env_file=path)
