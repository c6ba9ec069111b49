"""The webhook receiver of `lancer bench webhooks`, run as its own process (``python -m bench.hook_receiver``)
so that its CPU is measured apart from the senders'.

A bare asyncio HTTP/1.1 server with keep-alive: a POST is recorded as (event number from the body's
``data.n``, arrival time) and answered 204 without verifying its signature (the tests verify
signatures); ``GET /count`` answers ``{"count": N}``, ``GET /arrivals`` the whole list. It prints its port
on its first line. One event loop and no framework: a few tens of microseconds per request, so that the
receiver is not what the bench measures.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time

ARRIVALS: list[tuple[int, float]] = []
_NO_CONTENT = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n"


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return  # the body is still coming
            body = bytes(self.buffer[end + 4:end + 4 + length])
            del self.buffer[:end + 4 + length]
            method, path = (head[0].split(" ") + ["", ""])[:2]
            assert self.transport is not None
            if method == "POST":
                ARRIVALS.append((int(json.loads(body)["data"]["n"]), now))
                self.transport.write(_NO_CONTENT)
            else:
                out = json.dumps({"count": len(ARRIVALS)} if path == "/count" else {"arrivals": ARRIVALS}).encode()
                self.transport.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
                                     + str(len(out)).encode() + b"\r\n\r\n" + out)


def main() -> None:
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(_Connection, "127.0.0.1", 0, backlog=2048))
    print(server.sockets[0].getsockname()[1], flush=True)
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
