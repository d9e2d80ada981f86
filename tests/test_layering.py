"""The import rule of docs/ARCHITECTURE.md, checked over the whole of app/ and ingest/.

- the base (``app/core``, ``app/config.py``, ``app/runtime``) imports no domain and no entry point;
- a domain (a package of ``app/`` other than the base and ``app/cli``) imports the base, itself,
  and another domain's ``service`` or ``flows`` only; a GraphQL ``schema`` module may also import
  another domain's ``schema`` (the entity types of the Node interface are the graph's);
- ``ingest/`` imports nothing of ``app/`` but the base;
- no import cycles between modules (function-local imports included);
- router and schema modules (by name, or by role: they build an ``APIRouter`` or Strawberry
  types) run no Cypher; the CLI uses no named query itself;
- every ``execute_query`` / ``session(`` call in app/ names its database.

The checker reads source files only, so ``test_the_checker_*`` feed it deliberate violations.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = ("app.core", "app.config", "app.runtime", "app")
ENTRY = ("app.main", "app.schema", "app.worker", "app.cli")
PUBLIC = {"service", "flows"}
DB_CALLS = {"execute_query": "database_", "session": "database"}
CYPHER_CALLS = {"execute_query", "session", "execute_read", "execute_write", "run_named"}
CYPHER_MODULES = {"app.core.cypher", "app.core.db"}
_ROLE_NAME = re.compile(r"(^|_)(router|schema|rpc)")  # router.py, routers.py, services_router.py, …


@dataclass
class Module:
    name: str
    path: Path
    imports: dict[str, int] = field(default_factory=dict)  # imported module -> line
    imported_names: dict[str, set[str]] = field(default_factory=dict)  # module -> names taken from it
    calls: list[tuple[str, set[str], int]] = field(default_factory=list)  # (attribute, keywords, line)
    entry_role: bool = False  # builds an APIRouter or Strawberry types


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _walk(tree: ast.AST) -> list[ast.AST]:
    """Every node, leaving out ``if TYPE_CHECKING:`` blocks (they never run)."""
    found: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(child for child in ast.iter_child_nodes(node) if not _type_checking_only(child))
    return found


def scan(root: Path, packages: tuple[str, ...] = ("app", "ingest")) -> dict[str, Module]:
    """The modules under ``root`` with their imports (resolved to modules) and calls."""
    paths: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            paths[name] = path
    modules = {name: Module(name, path) for name, path in paths.items()}
    for module in modules.values():
        package = module.name if module.path.name == "__init__.py" else module.name.rpartition(".")[0]
        tree = ast.parse(module.path.read_text())
        for node in _walk(tree):
            targets: list[tuple[str, set[str]]] = []
            if isinstance(node, ast.Import):
                targets = [(alias.name, set()) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append((sub, set()) if sub in modules else (base, {alias.name}))
            elif isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                module.calls.append((name, {k.arg for k in node.keywords if k.arg}, node.lineno))
                if name == "APIRouter" or (
                    isinstance(func, ast.Attribute)
                    and ast.unparse(func).startswith(
                        ("strawberry.type", "strawberry.mutation", "strawberry.field", "strawberry.input")
                    )
                ):
                    module.entry_role = True
            elif isinstance(node, ast.Attribute) and ast.unparse(node).startswith(
                ("strawberry.type", "strawberry.mutation", "strawberry.input")
            ):
                module.entry_role = True
            for target, names in targets:
                while target and target not in modules and "." in target:
                    target = target.rpartition(".")[0]
                if target in modules and target != module.name:
                    module.imports.setdefault(target, getattr(node, "lineno", 0))
                    module.imported_names.setdefault(target, set()).update(names)
    return modules


def domain_of(name: str) -> str | None:
    parts = name.split(".")
    if parts[0] != "app" or len(parts) < 2 or any(_within(name, p) for p in BASE[:3] + ENTRY):
        return None
    return parts[1]


def _last(name: str) -> str:
    return name.rpartition(".")[2]


def layer_violations(modules: dict[str, Module]) -> list[str]:
    problems: list[str] = []
    for module in modules.values():
        name = module.name
        for target, line in module.imports.items():
            where = f"{module.path.name}:{line} {name} imports {target}"
            if any(_within(name, base) for base in BASE[:3]) and not any(
                _within(target, base) for base in BASE[:3]
            ):
                problems.append(f"{where}: the base imports no domain or entry point")
            elif (
                _within(name, "ingest")
                and _within(target, "app")
                and not any(_within(target, base) for base in BASE[:2])
            ):
                problems.append(f"{where}: ingest/ uses only app.core and app.config")
            mine, theirs = domain_of(name), domain_of(target)
            if mine is None:
                continue
            if any(_within(target, entry) for entry in ENTRY):
                problems.append(f"{where}: a domain imports no entry point")
            elif theirs is not None and theirs != mine:
                allowed = PUBLIC | ({"schema"} if _last(name) == "schema" else set())
                if target.count(".") != 2 or _last(target) not in allowed:
                    problems.append(f"{where}: another domain only through its {'/'.join(sorted(allowed))}")
    return problems


def cycles(modules: dict[str, Module]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in modules:
        if start in index:
            continue
        work = [(start, iter(modules[start].imports))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None and child not in modules:
                continue  # outside the part being checked
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(modules[child].imports)))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    item = stack.pop()
                    on_stack.discard(item)
                    component.append(item)
                    if item == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def cypher_in_entry_points(modules: dict[str, Module]) -> list[str]:
    problems = []
    for module in modules.values():
        role = _ROLE_NAME.search(_last(module.name)) or module.entry_role
        cli = _within(module.name, "app.cli")
        if not (role or cli) or _within(module.name, "app.core") or module.name == "app.schema":
            continue
        for target in module.imports:
            if target == "app.core.cypher" or (
                target == "app.core.db" and "run_named" in module.imported_names.get(target, set())
            ):
                problems.append(f"{module.name} imports {target}: named queries belong in a service")
        if cli:
            continue  # `hub cypher` runs the user's own text: that is its job
        for call, _, line in module.calls:
            if call in CYPHER_CALLS:
                problems.append(f"{module.path.name}:{line} {module.name} calls {call}: Cypher in a service")
    return problems


def calls_without_database(modules: dict[str, Module]) -> list[str]:
    problems = []
    for module in modules.values():
        if not _within(module.name, "app"):
            continue
        for call, keywords, line in module.calls:
            needed = DB_CALLS.get(call)
            if needed and needed not in keywords:
                problems.append(f"{module.path}:{line} {call}(...) without {needed}=")
    return problems


# -- the rule over this repository -----------------------------------------------------------
MODULES = scan(ROOT)


def test_the_scan_sees_the_whole_tree() -> None:
    assert {"app.graph.service", "app.views.service", "app.events.bridge", "ingest.pipeline"} <= set(MODULES)
    assert "app.graph.service" in MODULES["app.graph.schema"].imports


def test_layers() -> None:
    assert layer_violations(MODULES) == []


def test_no_import_cycles() -> None:
    assert cycles(MODULES) == []


def test_routers_schema_modules_and_the_cli_run_no_cypher() -> None:
    assert cypher_in_entry_points(MODULES) == []


def test_every_query_names_its_database() -> None:
    assert calls_without_database(MODULES) == []


# -- the checker fails on deliberate violations -----------------------------------------------
def _tree(tmp_path: Path, files: dict[str, str]) -> dict[str, Module]:
    for relative, text in {"app/__init__.py": "", "ingest/__init__.py": "", **files}.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return scan(tmp_path)


def test_the_checker_finds_each_kind_of_violation(tmp_path: Path) -> None:
    modules = _tree(
        tmp_path,
        {
            "app/core/__init__.py": "",
            "app/core/bad.py": "from app.graph import service\n",
            "app/core/cypher.py": "",
            "app/graph/__init__.py": "",
            "app/graph/service.py": "def f():\n    from app.work import service  # local, still counted\n",
            "app/graph/models.py": "",
            "app/work/__init__.py": "",
            "app/work/service.py": "from app.graph.models import X\nfrom ..graph import service\n",
            "app/work/schema.py": "from app.graph.schema import T\n",
            "app/graph/schema.py": "import strawberry\n",
            "app/graph/routes.py": "from fastapi import APIRouter\nr = APIRouter()\n"
            "async def f(d):\n    await d.execute_query('RETURN 1', database_='x')\n",
            "app/work/views_router.py": "from app.core.cypher import query\n",
            "app/health/service.py": "async def f(d):\n    await d.execute_query('RETURN 1')\n"
            "    async with d.session() as s:\n        pass\n",
            "app/health/__init__.py": "",
            "ingest/pipeline.py": "from app.graph import service\n",
        },
    )
    layers = "\n".join(layer_violations(modules))
    assert "app.core.bad imports app.graph.service: the base" in layers
    assert "app.work.service imports app.graph.models: another domain only" in layers
    assert "ingest.pipeline imports app.graph.service: ingest/" in layers
    assert "app.work.schema imports app.graph.schema" not in layers  # schema may use schema types
    assert "app.work.service imports app.graph.service" not in layers  # relative import resolved, allowed
    assert ["app.graph.service", "app.work.service"] in cycles(modules)
    cypher = "\n".join(cypher_in_entry_points(modules))
    assert "app.graph.routes calls execute_query" in cypher  # a router by role, not by file name
    assert "app.work.views_router imports app.core.cypher" in cypher
    missing = "\n".join(calls_without_database(modules))
    assert "execute_query(...) without database_=" in missing and "session(...) without database=" in missing
    assert "routes.py" not in missing


def test_the_checker_passes_a_clean_tree(tmp_path: Path) -> None:
    modules = _tree(
        tmp_path,
        {
            "app/core/__init__.py": "",
            "app/core/db.py": "from app.config import S\n",
            "app/config.py": "S = 1\n",
            "app/graph/__init__.py": "",
            "app/graph/service.py": "from app.core.db import run_named\n",
            "app/graph/flows.py": "from app.graph import service\nfrom app.work import service as w\n",
            "app/work/__init__.py": "",
            "app/work/service.py": "from app.graph.service import get\n",
            "ingest/pipeline.py": "from app.core.db import run_named\n",
        },
    )
    assert (layer_violations(modules), cycles(modules), cypher_in_entry_points(modules)) == ([], [], [])
