"""Serve order-service with uvicorn: the server's options, for every way the service is run, in one place.

    python serve.py [--host H] [--port P] [--workers N]

Used by the image (Dockerfile CMD), `make serve`, the black-box tests (tests/live_server.py) and `make bench`.
With several workers, uvicorn's own supervisor shares one listening socket among them, replaces a worker that
dies and stops when one cannot start. SIGTERM lets every worker finish its requests in flight (at most
GRACEFUL_SHUTDOWN_SECONDS). The supervisor and the workers log the app's way (JSON in production).
"""

import argparse
import os
import sys

import uvicorn
from pydantic import ValidationError
from uvicorn.config import STARTUP_FAILURE

from shared_kernel.infrastructure.logging import configure_logging
from shared_kernel.infrastructure.settings import load_settings

GRACEFUL_SHUTDOWN_SECONDS = 20


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
        configure_logging(load_settings())
    except ValidationError as exc:
        print(f"invalid settings: {exc}", file=sys.stderr)  # noqa: T201
        return STARTUP_FAILURE
    uvicorn.run(
        args.app,
        factory=True,
        app_dir=args.app_dir,
        host=args.host,
        port=args.port,
        workers=max(1, args.workers),
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        log_config=None,  # logging is the app's (configure_logging), in the supervisor and the workers alike
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
