"""Runs inside the sandbox child (never imported by the API): lock the process down, load the
candidate's code, call its function on the hidden inputs, print the outputs as one JSON line.

Order matters: limits and the network namespace are applied and the audit hook installed *before*
the untrusted code is read, so nothing it does can lift them. The expected outputs never reach this
process (the parent compares), so printing a fake result gains nothing.
"""

import json
import os
import resource
import sys
import sysconfig

NETWORK_EXIT, FORBIDDEN_EXIT, MEMORY_EXIT, LOAD_EXIT = 97, 96, 98, 95
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000


def _limits(cpu: int, memory: int) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))  # SIGXCPU, then SIGKILL a second later
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (16, 16))


def _isolate_network() -> str:
    """A fresh network namespace (only a loopback that is down): no route anywhere."""
    import ctypes  # noqa: PLC0415 - used once, then removed from reach of the candidate's code

    libc = ctypes.CDLL(None, use_errno=True)
    flags = CLONE_NEWNET if os.geteuid() == 0 else CLONE_NEWNET | CLONE_NEWUSER
    ok = libc.unshare(flags) == 0
    for name in ("ctypes", "_ctypes"):
        sys.modules.pop(name, None)
    return "namespace" if ok else "audit-hook"


BLOCKED_PREFIXES = ("socket.", "ctypes.", "os.fork", "os.exec", "os.posix_spawn", "os.spawn", "os.system",
                    "subprocess.", "os.kill", "os.setuid", "os.setgid", "os.setrlimit", "resource.setrlimit", "_posixsubprocess")
BLOCKED_IMPORTS = {"ctypes", "_ctypes", "socket", "_socket", "ssl", "_ssl", "subprocess", "_posixsubprocess",
                   "multiprocessing"}


# The modules a solution may import: loaded before privileges drop (as nobody the interpreter's own
# directory may be unreadable), so the environment is the same for everyone.
PRELOADED = ("math", "cmath", "collections", "re", "itertools", "functools", "heapq", "bisect", "string",
             "statistics", "decimal", "fractions", "datetime", "json", "typing", "dataclasses", "operator")


def _preload() -> None:
    import importlib  # noqa: PLC0415

    for name in PRELOADED:
        importlib.import_module(name)


def _drop_privileges() -> None:
    """As root (containers), become nobody: the API's files and /proc/<parent>/environ are out of reach."""
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)


_READABLE = tuple({sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib")})


def _hook(event: str, args: tuple) -> None:  # type: ignore[type-arg]
    # os._exit: the candidate's code cannot catch it, unlike an exception.
    if event == "open":
        path, mode = str(args[0]), str(args[1] or "r")
        if path == "<solution>":  # a SyntaxError looks for its source line; there is no such file
            return
        if not (path.startswith(_READABLE) and set(mode) <= {"r", "b"}):
            os.write(2, b"sandbox: file access refused\n")
            os._exit(FORBIDDEN_EXIT)
        return
    if event.startswith("socket."):
        os.write(2, b"sandbox: network access refused\n")
        os._exit(NETWORK_EXIT)
    if event == "import" and args and str(args[0]).split(".")[0] in BLOCKED_IMPORTS:
        if str(args[0]).split(".")[0] in {"socket", "_socket", "ssl", "_ssl"}:
            os.write(2, b"sandbox: network access refused\n")
            os._exit(NETWORK_EXIT)
        os.write(2, b"sandbox: forbidden module\n")
        os._exit(FORBIDDEN_EXIT)
    if event.startswith(BLOCKED_PREFIXES):
        os.write(2, b"sandbox: forbidden operation\n")
        os._exit(FORBIDDEN_EXIT)


def main() -> None:
    spec = json.loads(sys.stdin.readline())
    _limits(int(spec["cpu_seconds"]), int(spec["memory_bytes"]))
    mode = _isolate_network()
    for name in ("socket", "_socket", "ssl", "_ssl"):
        sys.modules.pop(name, None)
    source = sys.stdin.read()
    _preload()
    _drop_privileges()
    sys.addaudithook(_hook)
    namespace: dict[str, object] = {"__name__": "solution"}
    try:
        exec(compile(source, "<solution>", "exec"), namespace)  # noqa: S102 - the point of a sandbox
        func = namespace[spec["function"]]
        outputs = []
        for args in spec["inputs"]:
            try:
                outputs.append({"ok": func(*args)})  # type: ignore[operator]
            except MemoryError:
                raise
            except Exception as exc:  # noqa: BLE001 - a failing case, reported by type only
                outputs.append({"error": type(exc).__name__})
    except MemoryError:
        os.write(2, b"sandbox: memory limit\n")
        os._exit(MEMORY_EXIT)
    except Exception as exc:  # noqa: BLE001
        os.write(2, f"sandbox: could not load the solution ({type(exc).__name__})\n".encode())
        os._exit(LOAD_EXIT)
    sys.stdout.write(json.dumps({"isolation": mode, "outputs": outputs}, default=repr) + "\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
