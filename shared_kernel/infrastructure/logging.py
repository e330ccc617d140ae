"""structlog for our code, with stdlib loggers (uvicorn, SQLAlchemy, litestar) routed through the same pipe.

Production renders one JSON object per line (filebeat -> logstash -> elasticsearch); local runs render
readable console lines. Every line of a request carries its request id (bound by RequestIdMiddleware).
"""

import logging
import logging.config

import structlog

from shared_kernel.infrastructure.settings import Settings

_STDLIB_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy", "litestar", "alembic")


def _shared_processors() -> list[structlog.typing.Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
    ]


def configure_logging(settings: Settings) -> None:
    renderer: structlog.typing.Processor
    renderer = structlog.processors.JSONRenderer() if settings.log_format == "json" else structlog.dev.ConsoleRenderer()

    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "structlog": {
                    "()": structlog.stdlib.ProcessorFormatter,
                    "foreign_pre_chain": _shared_processors(),
                    "processors": [
                        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                        structlog.processors.format_exc_info,
                        renderer,
                    ],
                },
            },
            "handlers": {
                "stdout": {"class": "logging.StreamHandler", "formatter": "structlog", "stream": "ext://sys.stdout"},
            },
            "root": {"handlers": ["stdout"], "level": settings.log_level},
            "loggers": {
                **{name: {"handlers": [], "propagate": True} for name in _STDLIB_LOGGERS},
                "uvicorn.access": {
                    "handlers": [],
                    "propagate": True,
                    "level": "INFO" if settings.access_log else "WARNING",
                },
                # SQL statements only when explicitly asked for.
                "sqlalchemy.engine": {"level": "INFO" if settings.db_echo else "WARNING"},
            },
        },
    )
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Tests capture log lines (structlog.testing.capture_logs), which a logger cached by an earlier app misses.
        cache_logger_on_first_use=settings.app_env != "test",
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
