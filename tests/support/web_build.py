"""One `next build` of web/ for every pytest-xdist worker that runs browser tests, started as early as possible.

The first worker to get web/.next-build.lock starts the build in the background and keeps the lock until it
has finished; the others (and the builder) do other set-up meanwhile, then `wait()`: for the lock, i.e. for
the build. Each worker then serves the same .next with its own `next start` (which only reads it). The lock
is a file outside .next, which `next build` empties. A build newer than every source is reused, which a fresh
clone (CI) never has.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import threading
from pathlib import Path

BUILD_TIMEOUT_SECONDS = 900


def _newest_source(web: Path) -> float:
    paths = [web / "openapi.json", web / "package-lock.json", web / "next.config.ts", web / "tsconfig.json",
             web / "postcss.config.mjs"]
    paths += [p for p in (web / "src").rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in paths)


def _is_current(web: Path) -> bool:
    build_id = web / ".next" / "BUILD_ID"
    return build_id.exists() and build_id.stat().st_mtime > _newest_source(web)


class WebBuild:
    def __init__(self, web: Path, next_bin: Path) -> None:
        self.web, self.next_bin = web, next_bin
        self.log_path = web / ".next-build.log"
        self.lock = open(web / ".next-build.lock", "w")
        self.builder: threading.Thread | None = None
        self.code: int | None = None
        try:
            fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # another worker is building (or checking): wait() waits for it
        if _is_current(web):
            fcntl.flock(self.lock, fcntl.LOCK_UN)
            return
        # Released as soon as the build ends, not when this worker gets to wait(): the others may be ready first.
        self.builder = threading.Thread(target=self._build_then_unlock, daemon=True, name="next-build")
        self.builder.start()

    def _build(self) -> None:
        self.code = -1  # stays so if the build times out (killed) or cannot start
        env = {**os.environ, "NEXT_TELEMETRY_DISABLED": "1"}
        with open(self.log_path, "wb") as log:
            try:
                self.code = subprocess.run([str(self.next_bin), "build"], cwd=self.web, env=env, stdout=log,
                                           stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT_SECONDS).returncode
            except subprocess.TimeoutExpired:
                log.write(f"\nnext build killed after {BUILD_TIMEOUT_SECONDS} s\n".encode())

    def _build_then_unlock(self) -> None:
        try:
            self._build()
        finally:
            fcntl.flock(self.lock, fcntl.LOCK_UN)

    def wait(self) -> Path:
        """The built .next, once the build (this worker's or another's) has ended; AssertionError if it failed."""
        if self.builder is not None:
            self.builder.join()
        else:
            fcntl.flock(self.lock, fcntl.LOCK_EX)  # free once the builder's build has ended
            try:
                if not _is_current(self.web):  # it failed or was stopped: build here, to report why
                    self._build()
            finally:
                fcntl.flock(self.lock, fcntl.LOCK_UN)
        if self.code is not None:
            assert self.code == 0, f"next build failed:\n{self.log_path.read_text(errors='replace')[-8000:]}"
        return self.web / ".next"

    def close(self) -> None:
        self.lock.close()
