"""The code-challenge sandbox on its own: a real child process, a real local TCP server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from api.verification.sandbox import Case, Limits, run

CASES = [Case([2, 3], 5), Case([10, -1], 9), Case([[1], [2]], [1, 2])]
LIMITS = Limits(cpu_seconds=1, memory_bytes=128 * 1024 * 1024, wall_seconds=4)


@pytest.fixture
def listener() -> Iterator[tuple[int, list[object]]]:
    """A TCP server on loopback that records every connection it accepts."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    accepted: list[object] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            accepted.append(conn)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()


def test_a_correct_solution_passes_and_a_wrong_one_fails() -> None:
    good = run("def add(a, b):\n    return a + b\n", "add", CASES, LIMITS)
    assert good.passed and good.passed_cases == 3 and good.isolation == "namespace"
    wrong = run("def add(a, b):\n    return a - b if isinstance(a, int) else a + b\n", "add", CASES, LIMITS)
    assert wrong.outcome == "failed" and wrong.passed_cases == 1


def test_an_infinite_loop_is_stopped_by_the_cpu_limit() -> None:
    # A wall clock far above the CPU limit: the loop ending well before it can only be the CPU limit's
    # doing, however loaded the machine is (a 4 s wall clock was reached first under load).
    limits = replace(LIMITS, wall_seconds=60)
    started = time.monotonic()
    result = run("def add(a, b):\n    while True:\n        pass\n", "add", CASES, limits)
    assert result.outcome == "timeout" and not result.passed
    assert time.monotonic() - started < limits.wall_seconds / 2


def test_sleeping_forever_is_stopped_by_the_wall_clock() -> None:
    result = run("import time\ndef add(a, b):\n    time.sleep(60)\n", "add", CASES, LIMITS)
    assert result.outcome == "timeout"


@pytest.mark.parametrize("hog", [
    "def add(a, b):\n    x = bytearray(2 * 1024 ** 3)\n    return a + b\n",
    "def add(a, b):\n    x = []\n    while True:\n        x.append(' ' * 65536)\n",
])
def test_a_memory_hog_is_stopped(hog: str) -> None:
    assert run(hog, "add", CASES, LIMITS).outcome == "memory"


@pytest.mark.parametrize("code", [
    "import socket\ns = socket.create_connection(('127.0.0.1', {port}))\ndef add(a, b):\n    return a + b\n",
    "def add(a, b):\n    __import__('socket').create_connection(('127.0.0.1', {port}))\n    return a + b\n",
])
def test_opening_a_socket_is_stopped(listener: tuple[int, list[object]], code: str) -> None:
    port, accepted = listener
    # The same connection from outside the sandbox works: the server is reachable.
    socket.create_connection(("127.0.0.1", port)).close()
    time.sleep(0.3)
    assert len(accepted) == 1
    result = run(code.format(port=port), "add", CASES, LIMITS)
    assert result.outcome == "network" and not result.passed
    time.sleep(0.3)
    assert len(accepted) == 1  # nothing from the sandbox arrived


@pytest.mark.parametrize("code", [
    "def add(a, b):\n    open('/etc/hostname').read()\n    return a + b\n",
    "import os\ndef add(a, b):\n    os.system('true')\n    return a + b\n",
    "def add(a, b):\n    open('/tmp/x', 'w').write('x')\n    return a + b\n",
])
def test_files_and_processes_are_out_of_reach(code: str) -> None:
    assert run(code, "add", CASES, LIMITS).outcome == "forbidden"


def test_broken_code_fails_without_passing() -> None:
    assert run("def add(a, b:\n", "add", CASES, LIMITS).outcome == "error"
    assert run("x = 1\n", "add", CASES, LIMITS).outcome == "error"
    assert run("def add(a, b):\n    raise ValueError\n", "add", CASES, LIMITS).outcome == "failed"
