"""Serve order-service with uvicorn: the server's options, for every way the service is run, in one place.

    python serve.py [--host H] [--port P] [--workers N]

Used by the image (Dockerfile CMD), `make serve`, the black-box tests (tests/live_server.py) and `make bench`.
With several workers, uvicorn's own supervisor shares one listening socket among them, replaces a worker that
dies and stops when one cannot start. SIGTERM lets every worker finish its requests in flight (at most
GRACEFUL_SHUTDOWN_SECONDS). The supervisor and the workers log the app's way (JSON in production).
"""

import argparse
import asyncio
import functools
import json
import logging
import os
import sys
from dataclasses import dataclass
from typing import Any, cast

import uvicorn
from pydantic import ValidationError
from uvicorn.config import STARTUP_FAILURE
from uvicorn.importer import import_from_string
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
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
        # httptools' parser, plus a bound on the time to send the request head and on its size. A partial, not a
        # class, so that the bounds travel to the worker processes with the config (uvicorn accepts any callable).
        http=cast(
            type[asyncio.Protocol],
            functools.partial(
                BoundedHttpToolsProtocol,
                header_timeout=settings.http_header_timeout_seconds,
                max_header_bytes=settings.http_max_header_bytes,
            ),
        ),
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


# --- The request head's bounds --------------------------------------------------------------------------------
# uvicorn bounds an idle keep-alive connection, and nothing before a request reaches the app: a client may open a
# connection and dribble its request line and headers forever, or send megabytes of headers, which the parser
# holds in memory. nginx bounds both in production (`client_header_timeout`, `large_client_header_buffers`); this
# bounds them in the service itself, wherever it is served from. A head not complete HTTP_HEADER_TIMEOUT_SECONDS
# after the connection opened or the request's first byte is answered 408, a head (request line and headers)
# over HTTP_MAX_HEADER_BYTES 431, and the connection closed. It lives here, not in shared_kernel, because
# `make bench-ab` serves another revision's app (and shared_kernel) with this file.


class HeadTooLarge(Exception):
    """Raised from a parser callback to stop parsing; the parser reports it through send_400_response."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, header_timeout: float, max_header_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout
        self._max_header_bytes = max_header_bytes
        self._head_timer: asyncio.TimerHandle | None = None
        self._reading_head = True  # a new connection owes us a request head
        self._head_begun = False  # its first byte has come
        # Bytes received while the head is incomplete: bounds what the parser buffers (to within one socket
        # read: bytes of the next head that share a read with the end of a request are not counted).
        self._head_bytes = 0
        self._head_too_large = False
        self._deferred_refusal: bytes | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_timer()  # also bounds a connection that never sends anything

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._reading_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._reading_head and self._head_bytes > self._max_header_bytes:
            self._refuse(_HEAD_TOO_LARGE)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_begun = True
        if not self._answering():  # else it starts once the response under way is sent
            self._start_head_timer()

    def on_headers_complete(self) -> None:
        self._reading_head = self._head_begun = False
        self._stop_head_timer()
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > self._max_header_bytes:
            self._head_too_large = True
            raise HeadTooLarge  # the parser stops and reports it: see send_400_response
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._reading_head, self._head_bytes = True, 0  # what follows is the next request's head

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._answering():  # a pipelined request's turn
            return
        if self._deferred_refusal is not None:
            self._refuse(self._deferred_refusal)
        elif self._head_begun:
            self._start_head_timer()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to anything the parser refused, a callback's exception included."""
        if self._head_too_large:
            self._refuse(_HEAD_TOO_LARGE)
        else:
            super().send_400_response(msg)

    def _answering(self) -> bool:
        """Whether a response is under way (or a pipelined request waits for its turn)."""
        return self.cycle is not None and not self.cycle.response_complete

    def _start_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self._header_timeout, self._refuse, _HEAD_TIMEOUT)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _refuse(self, response: bytes) -> None:
        """Answer and close; after the response under way, if there is one, so that answers stay in order."""
        self._stop_head_timer()
        if self._answering():
            self._deferred_refusal = response
            self.flow.pause_reading()  # buffer nothing more meanwhile
        elif not self.transport.is_closing():
            self.transport.write(response)
            self.transport.close()


def _problem_response(status: int, title: str, detail: str) -> bytes:
    """A whole HTTP response with a problem+json body, as the app would answer, closing the connection."""
    body = json.dumps({"status": status, "title": title, "detail": detail}).encode()
    head = f"HTTP/1.1 {status} {title}\r\ncontent-type: application/problem+json\r\ncontent-length: {len(body)}\r\n"
    return head.encode() + b"connection: close\r\n\r\n" + body


_HEAD_TIMEOUT = _problem_response(408, "Request Timeout", "the request line and headers came too slowly")
_HEAD_TOO_LARGE = _problem_response(431, "Request Header Fields Too Large", "the request line and headers are too long")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
