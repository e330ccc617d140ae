"""Serving the app with uvicorn: one process, or several workers that each accept their own connections.

uvicorn's own `--workers` binds one socket in a parent process and hands it to every worker, so the workers
race to accept. A burst of new connections (a load balancer's keep-alive pool, a client starting up) tends to
land on whichever worker woke first, and those connections stay there: `make bench` saw 64 connections split
3/61 as often as 32/32, and the crowded worker's requests waited up to twice as long. Here each worker binds
its own listening socket with SO_REUSEPORT (Linux), and the kernel spreads connections over the sockets by
their address hash. The parent only supervises: it replaces a worker that dies, and stops them all
gracefully on SIGTERM or SIGINT.

    python -m shared_kernel.api.serving main:create_app [--host H] [--port P] [--workers N]

The supervisor never imports the app (`module:factory`), so it holds no pool and writes no metric files:
only the workers do.
"""

import argparse
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType

import uvicorn
from uvicorn.config import STARTUP_FAILURE

logger = logging.getLogger("uvicorn.error")

_RESTART_DELAY_SECONDS = 1.0  # a worker crashing at once again is retried once a second, not in a hot loop


def reuse_port_socket(host: str, port: int, backlog: int) -> socket.socket:
    """A listening TCP socket that other sockets of this user can share the port with (SO_REUSEPORT)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[
        0
    ]
    # proto stays IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted connections only for TCP sockets.
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


def serve(config: uvicorn.Config, workers: int) -> int:
    """Run the app until stopped; returns the process exit code."""
    if workers == 1:
        server = uvicorn.Server(config)
        server.run()
        return 0 if server.started else STARTUP_FAILURE
    # Fail fast, in the parent. SO_REUSEPORT would let a second copy of this server share the port silently,
    # so a port that already answers is refused too.
    if _answers(config.host, config.port):
        logger.error("%s:%d is already being served", config.host, config.port)
        return STARTUP_FAILURE
    try:
        reuse_port_socket(config.host, config.port, config.backlog).close()
    except OSError as exc:
        logger.error("cannot listen on %s:%d: %s", config.host, config.port, exc)
        return STARTUP_FAILURE
    return _Supervisor(config, workers).run()


def _answers(host: str, port: int) -> bool:
    wildcard = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104
    try:
        socket.create_connection((wildcard.get(host, host), port), timeout=1).close()
    except OSError:
        return False
    return True


def _run_worker(config: uvicorn.Config) -> None:
    """A worker process: its own socket, its own event loop, the whole app."""
    try:
        sock = reuse_port_socket(config.host, config.port, config.backlog)
    except OSError as exc:
        logger.error("cannot listen on %s:%d: %s", config.host, config.port, exc)
        raise SystemExit(STARTUP_FAILURE) from exc
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    if not server.started:
        raise SystemExit(STARTUP_FAILURE)


class _Supervisor:
    def __init__(self, config: uvicorn.Config, workers: int) -> None:
        self._config = config
        self._workers = workers
        # spawn, not fork: every worker starts from a clean interpreter, with no inherited event loop or pool.
        self._context = multiprocessing.get_context("spawn")
        self._processes: list[BaseProcess] = []
        self._stop_requested = threading.Event()  # set by SIGTERM / SIGINT, or when workers cannot start

    def run(self) -> int:
        logger.info("Started supervisor process [%d], %d workers on %s:%d", os.getpid(), self._workers,
                    self._config.host, self._config.port)  # fmt: skip
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)
        for _ in range(self._workers):
            self._start_worker()
        exit_code = 0
        while not self._stop_requested.is_set():
            for sentinel in wait([p.sentinel for p in self._processes], timeout=1.0):
                process = next(p for p in self._processes if p.sentinel == sentinel)
                if self._stop_requested.is_set():
                    break
                self._processes.remove(process)
                process.join()
                if process.exitcode == STARTUP_FAILURE:  # the app cannot start: a new worker would not either
                    logger.error("worker [%s] could not start; stopping", process.pid)
                    exit_code = STARTUP_FAILURE
                    self._stop_requested.set()
                    break
                logger.error("worker [%s] exited with %s; starting a new one", process.pid, process.exitcode)
                time.sleep(_RESTART_DELAY_SECONDS)
                self._start_worker()
        self._stop_workers()
        logger.info("Stopped supervisor process [%d]", os.getpid())
        return exit_code

    def _start_worker(self) -> None:
        process = self._context.Process(target=_run_worker, args=(self._config,), name="uvicorn-worker")
        process.start()
        self._processes.append(process)

    def _stop(self, _signum: int, _frame: FrameType | None) -> None:
        self._stop_requested.set()

    def _stop_workers(self) -> None:
        """SIGTERM: each worker finishes its requests in flight (uvicorn's graceful shutdown), then exits."""
        for process in self._processes:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + (self._config.timeout_graceful_shutdown or 30) + 5
        for process in self._processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                logger.error("worker [%s] did not stop in time; killing it", process.pid)
                process.kill()
                process.join()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared_kernel.api.serving", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("factory", help="the app factory, as module:function (main:create_app)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")),
                        help="worker processes (default: $WEB_CONCURRENCY, else 1)")  # fmt: skip
    parser.add_argument("--timeout-graceful-shutdown", type=int, default=20, metavar="SECONDS")
    args = parser.parse_args(argv)
    config = uvicorn.Config(
        args.factory,
        factory=True,
        host=args.host,
        port=args.port,
        server_header=False,
        timeout_graceful_shutdown=args.timeout_graceful_shutdown,
    )
    return serve(config, workers=max(1, args.workers))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
