"""`lancer bench messages`: its minimal WebSocket client against a real WebSocket server (the
``websockets`` library's, which checks the handshake and the client's masking), and the report's
per-message breakdown. About 1 s."""

from __future__ import annotations

import asyncio
import json
import math

from websockets.asyncio.server import ServerConnection, serve

from bench.messages import Breakdown, FanOut, _RawClient


def test_raw_client_signs_in_stamps_every_frame_and_answers_pings() -> None:
    seen: dict[str, object] = {}
    # 3 sizes: a 7-bit, a 16-bit and a 64-bit length field.
    events = [json.dumps({"n": i, "pad": "x" * size}) for i, size in enumerate((10, 1000, 70_000))]

    async def handler(ws: ServerConnection) -> None:
        seen["auth"] = json.loads(await ws.recv())
        await ws.send(json.dumps({"type": "ready"}))
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 5)  # the client must answer, or the API would drop it
        seen["pong"] = True
        for text in events:
            await ws.send(text)
        await ws.wait_closed()

    async def main() -> tuple[list[tuple[float, bytes]], _RawClient]:
        arrivals: list[tuple[float, bytes]] = []
        async with serve(handler, "127.0.0.1", 0, compression=None) as server:
            port = server.sockets[0].getsockname()[1]
            loop = asyncio.get_running_loop()
            _, client = await loop.create_connection(lambda: _RawClient(f"127.0.0.1:{port}", "tok" * 50, arrivals),
                                                     "127.0.0.1", port)
            await asyncio.wait_for(client.ready, 5)
            for _ in range(100):
                if client.received == len(events):
                    break
                await asyncio.sleep(0.02)
            assert client.transport is not None
            client.transport.close()
        return arrivals, client

    arrivals, client = asyncio.run(main())
    assert seen["auth"] == {"type": "auth", "token": "tok" * 50}  # 150+ bytes: the 16-bit length form, masked
    assert seen.get("pong") is True
    assert [payload.decode() for _, payload in arrivals] == events  # the "ready" frame is not a delivery
    assert client.received == 3
    assert all(t > 0 for t, _ in arrivals)


def test_raw_client_fails_on_a_refused_handshake() -> None:
    async def main() -> str:
        async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(refuse, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        _, client = await asyncio.get_running_loop().create_connection(
            lambda: _RawClient(f"127.0.0.1:{port}", "t", []), "127.0.0.1", port)
        try:
            await asyncio.wait_for(client.ready, 5)
        except RuntimeError as exc:
            return str(exc)
        finally:
            server.close()
        return "ready"

    assert asyncio.run(main()).startswith("handshake refused")


def test_report_breaks_each_message_down() -> None:
    nan = float("nan")
    run = FanOut(clients=2, processes=2, messages=2, latencies_ms=[10.0, 20.0, 30.0, 40.0], post_ms=[25.0, 45.0],
                 expected=4, client_cpu_share=0.02, server_cpu_s=[0.01, 0.002], load_average=(0.5, 0.4, 0.3),
                 breakdown=[Breakdown(2.0, 8.0, 10.0, 20.0, 25.0), Breakdown(3.0, nan, 30.0, 40.0, 45.0)],
                 client_gc_pauses_ms=[0.5, 1.5], warmup=[Breakdown(90.0, 95.0, 99.0, 120.0, 125.0)])
    text = run.report()
    assert "goal: p99 < 100 ms with every delivery made -> MET" in text
    assert "2 / 1.5" in text  # GC pauses: count / max
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("per message, ms after the POST was sent"))
    assert lines[head + 1].split() == ["message", "handler", "start", "in", "Redis", "first", "delivery", "last",
                                       "delivery", "POST", "response"]
    # NaN and the warm-up left out of median and max
    assert lines[head + 2].split() == ["median", "2.5", "8.0", "20.0", "30.0", "35.0"]
    assert lines[head + 3].split() == ["max", "3.0", "8.0", "30.0", "40.0", "45.0"]
    assert lines[head + 4].split() == ["warm-up", "1", "90.0", "95.0", "99.0", "120.0", "125.0"]
    assert lines[head + 6].split() == ["#2", "3.0", "nan", "30.0", "40.0", "45.0"]
    assert math.isnan(run.breakdown[1].values()[1])
    slow = FanOut(clients=2, processes=2, messages=2, latencies_ms=[10.0, 20.0, 30.0, 140.0], post_ms=[25.0],
                  expected=4, client_cpu_share=0.0)
    assert slow.report().endswith("-> NOT MET")  # no breakdown table without per-message figures
