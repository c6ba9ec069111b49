"""HTTP load for `lancer bench api`: wrk (installed by ``scripts/ensure_wrk.sh`` when missing and possible),
else a bounded Python load generator. Each run also reports the load generator's own CPU time, so a
report can tell when the generator, not the server, was the bottleneck.

Only ever aimed at the API this machine runs on loopback; each run is bounded in time.
"""

from __future__ import annotations

import asyncio
import os
import re
import resource
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import httpx


@dataclass(frozen=True)
class LoadResult:
    url: str
    tool: str
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    generator_cpu: float = 0.0  # CPU seconds the load generator itself used (user + system)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def generator_share(self) -> float:
        """The load generator's CPU over the run, in cores (1.0 = one core busy all along)."""
        return self.generator_cpu / self.seconds if self.seconds else 0.0


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(url: str, output: str) -> LoadResult:
    requests = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", output).group(1))  # type: ignore[union-attr]
    duration = re.search(r"requests in ([\d.]+\w+)", output).group(1)  # type: ignore[union-attr]
    seconds = _ms(duration) / 1000.0
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non2xx:
        errors += int(non2xx.group(1))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return LoadResult(url, "wrk", requests, errors, seconds, p50, p99)


def ensure_wrk(log: Callable[[str], None] = print) -> bool:
    """wrk on PATH, installing Debian's package first when it is missing and this user can (root)."""
    if shutil.which("wrk"):
        return True
    script = Path(__file__).resolve().parent.parent / "scripts" / "ensure_wrk.sh"
    if os.geteuid() == 0 and shutil.which("apt-get") and script.exists():
        done = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            log(f"could not install wrk: {done.stderr.strip()[-300:]}")
    return shutil.which("wrk") is not None


def run_wrk(url: str, seconds: int, connections: int, threads: int = 2,
            headers: dict[str, str] | None = None) -> LoadResult:
    cmd = ["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{seconds}s"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    cmd.append(url)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    # Reaped by communicate(); its CPU is in this process's children usage, read as a difference below.
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {err.strip()[-300:]}")
    return parse_wrk(url, out)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_python(url: str, seconds: int, connections: int, headers: dict[str, str] | None = None) -> LoadResult:
    """Closed-loop load from `connections` threads with keep-alive clients, for machines without wrk."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        with httpx.Client(timeout=10.0, headers=headers) as client:
            while time.monotonic() < deadline:
                start = time.perf_counter()
                try:
                    ok = client.get(url).status_code < 400
                except httpx.HTTPError:
                    ok = False
                mine.append((time.perf_counter() - start) * 1000.0)
                bad += 0 if ok else 1
        with lock:
            latencies.extend(mine)
            errors += bad

    started, cpu0 = time.monotonic(), time.process_time()
    pool = [threading.Thread(target=worker) for _ in range(connections)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return LoadResult(url, "python", len(latencies), errors, elapsed, cuts[49], cuts[98],
                      time.process_time() - cpu0)


def run_load(url: str, seconds: int = 10, connections: int = 32, headers: dict[str, str] | None = None) -> LoadResult:
    """wrk when on PATH (see ``ensure_wrk``), else the Python generator; with the generator's CPU time."""
    if shutil.which("wrk"):
        before = _children_cpu()
        result = run_wrk(url, seconds, connections, headers=headers)
        return replace(result, generator_cpu=_children_cpu() - before)
    return run_python(url, seconds, connections, headers)


def wait_until_up(base: str, timeout: float = 120) -> None:
    """Until ``base``/health/liveness answers 200 (a loaded machine imports web3 slowly)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/health/liveness", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the API at {base} did not start")
        time.sleep(0.3)


@dataclass(frozen=True)
class MixResult:
    """A closed-loop run over several paths: totals, latency percentiles, and how busy the generator was."""

    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_share: float  # the load generator's CPU time / wall time (1.0 = one core fully busy)
    per_path_p99_ms: dict[str, float]  # by path, or by the caller's label of a path
    sent_distinct: int = 0  # distinct mode: how many paths of the sequence were taken (repeats past its end)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def _http_get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """One keep-alive GET on an open connection; the status code (the body is read and dropped)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def _mix(host: str, port: int, paths: list[str], seconds: float, connections: int, *, distinct: bool,
               headers: list[dict[str, str]] | None, label: Callable[[str], str] | None) -> MixResult:
    latencies: dict[str, list[float]] = {}
    errors = 0
    shared = [0]  # distinct mode: the next path, taken by whichever connection is free

    def extra(n: int) -> bytes:
        chosen = headers[n % len(headers)] if headers else {}
        return "".join(f"{k}: {v}\r\n" for k, v in chosen.items()).encode()

    async def worker(offset: int, deadline: float) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        own = extra(offset)
        i = offset
        try:
            while time.monotonic() < deadline:
                if distinct:
                    path = paths[shared[0] % len(paths)]
                    shared[0] += 1
                else:
                    path = paths[i % len(paths)]
                    i += 1
                request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: application/json\r\n".encode()
                           + own + b"\r\n")
                started = time.perf_counter()
                status = await _http_get(reader, writer, request)
                latencies.setdefault(label(path) if label else path, []).append(
                    (time.perf_counter() - started) * 1000.0)
                errors += status >= 400
        finally:
            writer.close()

    cpu0, wall0 = time.process_time(), time.perf_counter()
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(worker(n, deadline) for n in range(connections)))
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    everything = sorted(x for values in latencies.values() for x in values)

    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    return MixResult(len(everything), errors, wall, pct(everything, 0.5), pct(everything, 0.99), cpu / wall,
                     {p: pct(v, 0.99) for p, v in sorted(latencies.items())}, shared[0] if distinct else 0)


def run_mix(base: str, paths: list[str], seconds: float, connections: int, *, distinct: bool = False,
            headers: list[dict[str, str]] | None = None, label: Callable[[str], str] | None = None) -> MixResult:
    """Closed-loop load over ``paths`` from ``connections`` keep-alive connections, on one asyncio loop with
    raw HTTP/1.1 (a few tens of microseconds of CPU per request: far lighter than the API).

    By default each connection cycles through ``paths``. ``distinct``: the connections take the paths in
    turn from one shared sequence, so none is sent twice until all were (a stream of new requests: give
    more paths than the run can send). ``headers``: connection n sends ``headers[n % len(headers)]`` with
    every request (one signed-in user per connection). ``label`` groups the per-path p99 (by kind of query,
    when every path is new)."""
    url = httpx.URL(base)
    return asyncio.run(_mix(url.host, url.port or 80, paths, seconds, connections, distinct=distinct,
                            headers=headers, label=label))


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its live descendants (uvicorn's workers)."""
    total, pending, seen = 0.0, [pid], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            with open(f"/proc/{current}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    pending += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue  # gone meanwhile
    return total
