"""serve.py's BoundedHttpToolsProtocol on a real uvicorn server (loopback) with short bounds: a head that comes too
slowly gets 408, one too large 431, and neither refusal ever overtakes or cuts a response under way.

The production server with the default bounds: test_slow_clients.py.
"""

import asyncio
import functools
import re
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
import uvicorn

from serve import BoundedHttpToolsProtocol

pytestmark = pytest.mark.slow  # a few seconds of waiting out bounds

HEADER_TIMEOUT = 1.0
MAX_HEADER_BYTES = 2048


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """`GET /<seconds>` answers 200 after that many seconds."""
    delay = float(scope["path"].strip("/") or 0)
    await asyncio.sleep(delay)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
async def port() -> AsyncIterator[int]:
    protocol = functools.partial(
        BoundedHttpToolsProtocol, header_timeout=HEADER_TIMEOUT, max_header_bytes=MAX_HEADER_BYTES
    )
    config = uvicorn.Config(
        _app, host="127.0.0.1", port=0, lifespan="off", log_config=None, http=cast(type[asyncio.Protocol], protocol)
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  (uvicorn.Server has a flag, no event)
        await asyncio.sleep(0.01)
    yield server.servers[0].sockets[0].getsockname()[1]
    server.should_exit = True
    await serving


def _get(path: str, extra: bytes = b"") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: test\r\n".encode() + extra + b"\r\n"


async def _statuses_until_closed(reader: asyncio.StreamReader) -> list[int]:
    received = await asyncio.wait_for(reader.read(), timeout=30)
    return [int(status) for status in re.findall(rb"HTTP/1\.1 (\d{3})", received)]


async def test_a_connection_that_sends_nothing_gets_408(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = asyncio.get_running_loop().time()
    assert await _statuses_until_closed(reader) == [408]
    assert asyncio.get_running_loop().time() - started >= HEADER_TIMEOUT
    writer.close()


async def test_on_a_kept_alive_connection_the_bound_counts_from_the_first_byte_of_each_head(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for pause in (0, HEADER_TIMEOUT * 0.8, HEADER_TIMEOUT * 0.8):
        await asyncio.sleep(pause)  # idle between requests: the keep-alive timeout's business, not this bound's
        head = _get("/0")
        writer.write(head[:10])
        await asyncio.sleep(HEADER_TIMEOUT * 0.4)  # the rest later, but within the bound of the first byte
        writer.write(head[10:])
        answer = await asyncio.wait_for(reader.readuntil(b"ok"), timeout=30)
        assert answer.startswith(b"HTTP/1.1 200")
    writer.close()


async def test_a_slow_response_is_not_cut_by_the_next_pipelined_head(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    # A response that takes longer than the head bound, and the start of the next request behind it.
    writer.write(_get(f"/{HEADER_TIMEOUT * 3}") + b"GET /0 HTTP/1.1\r\nHo")
    assert await _statuses_until_closed(reader) == [200, 408]  # in order: the 408 only once the answer is sent
    writer.close()


async def test_a_head_over_the_limit_gets_431_after_any_response_under_way(port: int) -> None:
    too_large = _get("/0", b"X-Big: " + b"x" * MAX_HEADER_BYTES + b"\r\n")
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(too_large)
    assert await _statuses_until_closed(reader) == [431]
    writer.close()

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(_get(f"/{HEADER_TIMEOUT * 3}") + too_large)
    assert await _statuses_until_closed(reader) == [200, 431]
    writer.close()


async def test_a_head_within_the_limit_is_served(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(_get("/0", b"X-Large: " + b"x" * (MAX_HEADER_BYTES - 100) + b"\r\n"))
    assert (await asyncio.wait_for(reader.readuntil(b"ok"), timeout=30)).startswith(b"HTTP/1.1 200")
    writer.close()
