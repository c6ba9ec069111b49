"""The dependency rules as code: import-linter's contracts (``[tool.importlinter]`` in pyproject.toml)
hold, they fail when broken, and no Lancer module takes part in an import cycle.

See docs/architecture.md for the rules and why they exist.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parents[1]
ROOT_PACKAGES = ("api", "indexer", "contracts", "devtools", "bench", "scripts")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")



def lint_imports(cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", *extra], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"}, timeout=300)


def import_cycles(graph: grimp.ImportGraph) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[frozenset[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def imports_of_tests(root: Path) -> list[str]:
    """``file: module`` for every import of the ``tests`` package (at any depth, lazy ones included) in the
    Python files under ``root``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            found += [f"{path.relative_to(root)}: {n}" for n in names if n == "tests" or n.startswith("tests.")]
    return found


def test_installed_packages_never_import_the_tests() -> None:
    """`pip install -e .` (make setup) installs ROOT_PACKAGES, not tests/: code that imports tests.* (the soak
    benchmark once did) runs only with the checkout on PYTHONPATH. Shared helpers live in devtools/."""
    include = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {p.rstrip("*") for p in include} == set(ROOT_PACKAGES)
    offenders = [f"{package}/{hit}" for package in ROOT_PACKAGES for hit in imports_of_tests(REPO / package)]
    assert not offenders, f"installed code imports the tests package: {offenders}"


def test_the_tests_import_finder_finds_them(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import os\nfrom tests.support.api_client import login\n")
    (tmp_path / "b.py").write_text("def f():\n    import tests.support.queries as q\n    from . import tests\n")
    (tmp_path / "c.py").write_text("import testsuite\nfrom devtools.signin import login\n")
    assert imports_of_tests(tmp_path) == ["a.py: tests.support.api_client", "b.py: tests.support.queries"]


def test_import_contracts_hold() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " broken" in result.stdout and "0 broken" in result.stdout


def _copy_sources(destination: Path) -> None:
    for package in ROOT_PACKAGES:
        shutil.copytree(REPO / package, destination / package,
                        ignore=lambda _dir, names: [n for n in names if n == "__pycache__"
                                                    or (Path(_dir, n).is_file() and not n.endswith(".py"))])
    shutil.copy(REPO / "pyproject.toml", destination / "pyproject.toml")


@pytest.mark.parametrize(("module", "bad_import", "contract"), [
    ("api/kit/money.py", "from api.identity import service as _  # noqa", "api.kit and api.auth import no API domain"),
    ("api/auth/principal.py", "import api.audit.service  # noqa", "api layers"),
    ("api/reputation/service.py", "from api.attestations import onchain as _  # noqa", "attestation internals"),
    ("api/escrows/service.py", "import api.accounts.router  # noqa", "only the app factory imports a router"),
])
def test_a_broken_contract_fails(tmp_path: Path, module: str, bad_import: str, contract: str) -> None:
    """The same contracts over a copy of the tree with one forbidden import added: lint-imports fails and
    names the contract."""
    _copy_sources(tmp_path)
    target = tmp_path / module
    target.write_text(target.read_text() + "\n" + bad_import + "\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(contract) for line in broken), result.stdout


def test_no_import_cycles() -> None:
    cycles = sorted(sorted(c) for c in import_cycles(grimp.build_graph(*ROOT_PACKAGES)))
    assert not cycles, f"import cycles: {cycles}"


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "cyclic_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cyclic_pkg import b\n")
    (package / "b.py").write_text("from cyclic_pkg import c\n")
    (package / "c.py").write_text("import cyclic_pkg.a\n")
    (package / "d.py").write_text("import cyclic_pkg.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("cyclic_pkg", cache_dir=None)
    assert import_cycles(graph) == [frozenset({"cyclic_pkg.a", "cyclic_pkg.b", "cyclic_pkg.c"})]
