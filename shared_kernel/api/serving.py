"""Serving the app with uvicorn: one process, or several workers that each accept their own connections.

uvicorn's own `--workers` binds one socket in a parent process and hands it to every worker, so the workers
race to accept. A burst of new connections (a load balancer's keep-alive pool, a client starting up) tends
to land on whichever worker woke first, and those connections stay there: under `make bench`'s load, 64
connections split anywhere from 32/32 to 3/61 from run to run, and the crowded worker's requests waited up
to twice as long. Here each worker binds its own socket with SO_REUSEPORT (Linux) and listens once its app has
started, and the kernel spreads new connections over the listening sockets by their address hash. The
parent only supervises: it replaces a worker that dies, stops everything when a worker cannot start, and
on SIGTERM or SIGINT lets every worker finish its requests.

    python -m shared_kernel.api.serving main:create_app [--host H] [--port P] [--workers N]

The supervisor never imports the app (`module:factory`), so it holds no pool and writes no metric files:
only the workers do. It checks the settings and logs like the app (JSON in production).
"""

import argparse
import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType

import uvicorn
from pydantic import ValidationError
from uvicorn.config import STARTUP_FAILURE

from shared_kernel.infrastructure.logging import configure_logging
from shared_kernel.infrastructure.settings import load_settings

logger = logging.getLogger("uvicorn.error")

_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies
# A worker that dies sooner than this after starting may die again at once: wait before the next one,
# twice as long each time (up to the maximum), so a crash loop costs little and still recovers.
_HEALTHY_AFTER_SECONDS = 30.0
_FIRST_RESTART_DELAY_SECONDS = 1.0
_MAX_RESTART_DELAY_SECONDS = 30.0


def bound_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound with SO_REUSEPORT (other sockets of this user may bind the port too), not listening."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[
        0
    ]
    # proto stays IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted connections only for TCP sockets.
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
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
        bound_socket(config.host, config.port).close()
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


def _run_worker(config: uvicorn.Config, supervisor_pid: int) -> None:
    """A worker process: its own socket, its own event loop, the whole app."""
    # A worker must not outlive its supervisor (killed with SIGKILL, say): it would keep the port.
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != supervisor_pid:
        return
    configure_logging(load_settings())  # the supervisor checked them: log the app's way from the start
    try:
        sock = bound_socket(config.host, config.port)
        config.load()  # the app itself: any failure here is a failure to start, not a crash
    except BaseException:
        logger.exception("worker [%d] could not start", os.getpid())
        raise SystemExit(STARTUP_FAILURE) from None
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])  # uvicorn listens once the app's startup has completed
    except KeyboardInterrupt:  # uvicorn re-raises the SIGINT it stopped for; the worker is done, not crashed
        return
    if not server.started:
        raise SystemExit(STARTUP_FAILURE)


class _Supervisor:
    def __init__(self, config: uvicorn.Config, workers: int) -> None:
        self._config = config
        self._workers = workers
        # spawn, not fork: every worker starts from a clean interpreter, with no inherited event loop or pool.
        self._context = multiprocessing.get_context("spawn")
        self._processes: dict[BaseProcess, float] = {}  # live workers and when each started
        self._stop_signal: int | None = None  # set by the signal handler only (no locks in there)
        self._restart_delay = _FIRST_RESTART_DELAY_SECONDS

    def run(self) -> int:
        logger.info("Started supervisor process [%d], %d workers on %s:%d", os.getpid(), self._workers,
                    self._config.host, self._config.port)  # fmt: skip
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        for _ in range(self._workers):
            self._start_worker()
        exit_code = 0
        while not self._stopping() and exit_code == 0:
            for sentinel in wait([p.sentinel for p in self._processes], timeout=1.0):
                process = next(p for p in self._processes if p.sentinel == sentinel)
                if self._stopping():
                    break
                exit_code = self._replace(process)
                if exit_code:
                    break
        self._stop_workers()
        logger.info("Stopped supervisor process [%d]", os.getpid())
        return exit_code

    def _replace(self, process: BaseProcess) -> int:
        """A worker has exited unasked: start another, unless the app cannot start at all (then stop)."""
        lived = time.monotonic() - self._processes.pop(process)
        process.join()
        if process.exitcode == STARTUP_FAILURE:
            logger.error("worker [%s] could not start; stopping", process.pid)
            return STARTUP_FAILURE
        if lived >= _HEALTHY_AFTER_SECONDS:
            self._restart_delay = _FIRST_RESTART_DELAY_SECONDS
        logger.error("worker [%s] exited with %s after %.0f s; starting a new one in %.0f s", process.pid,
                     process.exitcode, lived, self._restart_delay)  # fmt: skip
        deadline = time.monotonic() + self._restart_delay
        while time.monotonic() < deadline and not self._stopping():
            time.sleep(0.1)
        self._restart_delay = min(2 * self._restart_delay, _MAX_RESTART_DELAY_SECONDS)
        if not self._stopping():
            self._start_worker()
        return 0

    def _start_worker(self) -> None:
        process = self._context.Process(target=_run_worker, args=(self._config, os.getpid()), name="uvicorn-worker")
        process.start()
        self._processes[process] = time.monotonic()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._stop_signal = signum

    def _stopping(self) -> bool:
        return self._stop_signal is not None

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
    try:  # invalid settings would stop every worker: say so once, here
        settings = load_settings()
        configure_logging(settings)
    except ValidationError as exc:
        print(f"invalid settings: {exc}", file=sys.stderr)  # noqa: T201
        return STARTUP_FAILURE
    config = uvicorn.Config(
        args.factory,
        factory=True,
        host=args.host,
        port=args.port,
        server_header=False,
        timeout_graceful_shutdown=args.timeout_graceful_shutdown,
        timeout_keep_alive=settings.http_keep_alive_timeout_seconds,
        log_config=None,  # logging is the app's (configure_logging), in the supervisor and the workers alike
    )
    return serve(config, workers=max(1, args.workers))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
