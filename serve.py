"""Serve order-service with uvicorn: the server's options, for every way the service is run, in one place.

    python serve.py [--host H] [--port P] [--workers N]

Used by the image (Dockerfile CMD), `make serve`, the black-box tests (tests/live_server.py) and `make bench`.
With several workers, uvicorn's own supervisor shares one listening socket among them, replaces a worker that
dies and stops when one cannot start. SIGTERM lets every worker finish its requests in flight (at most
GRACEFUL_SHUTDOWN_SECONDS). The supervisor and the workers log the app's way (JSON in production).
"""

import argparse
import logging
import os
import sys
from dataclasses import dataclass
from typing import Any

import uvicorn
from pydantic import ValidationError
from uvicorn.config import STARTUP_FAILURE
from uvicorn.importer import import_from_string
from uvicorn.supervisors import Multiprocess

from shared_kernel.infrastructure.logging import configure_logging
from shared_kernel.infrastructure.settings import load_settings

GRACEFUL_SHUTDOWN_SECONDS = 20
# uvicorn's supervisor pings each worker every half second and replaces one that does not answer in time,
# from the worker's first second on. Its 5 s default killed workers still importing their code on a 2-core
# machine at load 15, again and again. Longer is no better: a ping can wait this long for a worker that died
# meanwhile, and the supervisor watches one worker at a time.
WORKER_HEALTHCHECK_SECONDS = 10

logger = logging.getLogger("uvicorn.error")


@dataclass(frozen=True, slots=True)
class AppFactory:
    """Builds the app in each worker. uvicorn stops on a factory that raises TypeError only; any other
    failure would end the worker with exit code 1, and uvicorn's supervisor would start another, forever.
    Here every failure to build the app is one to start: the supervisor stops, and so does the server."""

    path: str  # module:function

    def __call__(self) -> Any:
        try:
            configure_logging(load_settings())  # the app's way from the start, for its failures too
            return import_from_string(self.path)()
        except Exception:
            logger.exception("the app could not be created; stopping")
            raise SystemExit(STARTUP_FAILURE) from None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python serve.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")),
                        help="worker processes (default: $WEB_CONCURRENCY, else 1)")  # fmt: skip
    parser.add_argument("--app", default="main:create_app", help="the app factory, module:function")
    parser.add_argument("--app-dir", help="import the app from this folder (make bench-ab serves another revision)")
    args = parser.parse_args(argv)
    try:  # invalid settings would stop every worker: say so once, here
        settings = load_settings()
        configure_logging(settings)
    except ValidationError as exc:
        print(f"invalid settings: {exc}", file=sys.stderr)  # noqa: T201
        return STARTUP_FAILURE
    if args.app_dir:
        sys.path.insert(0, args.app_dir)
    config = uvicorn.Config(
        AppFactory(args.app),
        factory=True,
        host=args.host,
        port=args.port,
        workers=max(1, args.workers),
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        timeout_keep_alive=settings.http_keep_alive_timeout_seconds,
        log_config=None,  # logging is the app's (configure_logging), in the supervisor and the workers alike
    )
    return serve(config)


def serve(config: uvicorn.Config) -> int:
    """What uvicorn.run does, but exiting with STARTUP_FAILURE (3) when the app cannot start, also with
    several workers (uvicorn.run then stops with 0, which a restart policy "on-failure" would take for done)."""
    if config.workers == 1:
        server = uvicorn.Server(config)
        server.run()
        return 0 if server.started else STARTUP_FAILURE
    supervisor = Multiprocess(config, sockets=[config.bind_socket()])
    supervisor.run()
    return STARTUP_FAILURE if any(p.exitcode == STARTUP_FAILURE for p in supervisor.processes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
