"""`lancer bench web`: the web app's first-load JavaScript budget (the issue's "Lighthouse-style budget",
a benchmark, not a test). A production `next build` of web/, then web/scripts/first-load-js.mjs sums,
per main route, the gzip size of every script the prerendered page loads on first load; the goal is
< 200 kB gzip on /dashboard. Sizes do not depend on machine load; only the build time does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WEB = Path(__file__).resolve().parents[1] / "web"


@dataclass
class Result:
    rows: list[dict[str, Any]]
    verdict: dict[str, Any]
    build_seconds: float | None
    load: tuple[float, float, float]

    def report(self) -> str:
        lines = [f"{'route':<24} {'scripts':>7} {'raw kB':>8} {'gzip kB':>8}"]
        for r in self.rows:
            lines.append(f"{r['route']:<24} not prerendered" if r.get("missing") else
                         f"{r['route']:<24} {r['scripts']:>7} {r['raw_kb']:>8.1f} {r['gzip_kb']:>8.1f}")
        v = self.verdict
        built = f"next build {self.build_seconds:.0f} s; " if self.build_seconds is not None else "existing build; "
        lines.append(f"({built}load average {self.load[0]:.2f} {self.load[1]:.2f} {self.load[2]:.2f}; sizes do not depend on load)")
        lines.append(f"goal: first-load JS of {v['route']} < {v['budget_kb']} kB gzip -> {v['gzip_kb']} kB: "
                     f"{'MET' if v['met'] else 'NOT MET'}")
        return "\n".join(lines)


def run(*, build: bool, routes: tuple[str, ...] = (), log: Callable[[str], None] = print) -> Result:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH")
    if not (WEB / "node_modules" / ".bin" / "next").exists():
        raise RuntimeError("web/node_modules is missing: run `npm ci` in web/")
    env = {**os.environ, "NEXT_TELEMETRY_DISABLED": "1"}
    seconds = None
    if build:
        log("next build (production)...")
        start = time.monotonic()
        proc = subprocess.run([str(WEB / "node_modules" / ".bin" / "next"), "build"], cwd=WEB, env=env,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"next build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        seconds = time.monotonic() - start
    # Exit 1 means "over budget", which the report says; 2 (a route not prerendered) still prints the rows.
    proc = subprocess.run([node, "scripts/first-load-js.mjs", "--json", *routes], cwd=WEB, env=env,
                          capture_output=True, text=True)
    if proc.returncode not in (0, 1, 2) or not proc.stdout.strip():
        raise RuntimeError(f"first-load-js.mjs failed: {proc.stderr[-2000:]}")
    out = json.loads(proc.stdout)
    return Result(out["rows"], out["verdict"], seconds, os.getloadavg())
