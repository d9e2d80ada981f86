"""Cross-file resolution: parsed files + repo context → typed edges.

Imports are resolved per language into *bindings* (local name → repo file, symbol in a repo file, or
something external); calls and base classes are then resolved through scope → bindings → class
hierarchy → a repo-wide unique-name fallback, each step with its own confidence. Everything iterates
over sorted paths and emits sorted lists, so the output is a pure function of the input.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from ingest.bindings import Binding, ImportResolver, ImportResult, RepoFiles, Target
from ingest.ids import file_id, symbol_id
from ingest.model import Edge, ParsedFile, RepoContext, Resolution, SymbolDef
from ingest.resolvers.go_imports import GoImports
from ingest.resolvers.java_imports import JavaImports
from ingest.resolvers.py_imports import PythonImports
from ingest.resolvers.rust_imports import RustImports
from ingest.resolvers.ts_imports import TsImports

CALLABLE = frozenset({"Function", "Method", "Class"})
TYPE_KINDS = frozenset({"Class", "Interface", "Type"})
CONF_LOCAL, CONF_IMPORT, CONF_SELF, CONF_GUESS = 1.0, 0.9, 0.8, 0.3

IMPORT_RESOLVERS: dict[str, type[ImportResolver]] = {
    "python": PythonImports,
    "typescript": TsImports,
    "tsx": TsImports,
    "javascript": TsImports,
    "go": GoImports,
    "java": JavaImports,
    "rust": RustImports,
}


class Resolver:
    def __init__(self, repo_id: str, ctx: RepoContext, parsed: Mapping[str, ParsedFile]) -> None:
        self.repo_id = repo_id
        self.ctx = ctx
        self.parsed = parsed
        self.repo = RepoFiles(repo_id, ctx, parsed)
        self.paths = self.repo.paths
        # one import resolver per language present, each building its indexes once
        self.import_resolvers: dict[type[ImportResolver], ImportResolver] = {}
        for lang in sorted({pf.lang for pf in parsed.values()}):
            cls = IMPORT_RESOLVERS.get(lang)
            if cls is not None and cls not in self.import_resolvers:
                self.import_resolvers[cls] = cls(self.repo)
        self.syms: dict[str, dict[str, SymbolDef]] = {
            p: {s.qualified_name: s for s in parsed[p].symbols} for p in self.paths
        }
        self.edges: dict[str, dict[tuple[str, str, str], float]] = defaultdict(dict)
        self.imports: dict[str, ImportResult] = {}
        self.bases: dict[Target, list[Target]] = defaultdict(list)
        self.unresolved_calls = 0
        self.external_modules: dict[str, str] = {}
        self._sid: dict[Target, str] = {}
        unique: dict[str, list[Target]] = defaultdict(list)
        classes: dict[str, list[Target]] = defaultdict(list)
        go_dirs: dict[str, dict[str, Target]] = defaultdict(dict)
        for p in self.paths:
            pf = parsed[p]
            for s in pf.symbols:
                if s.kind in ("Function", "Method"):
                    unique[s.name].append((p, s.qualified_name))
                elif s.kind in ("Class", "Interface"):
                    classes[s.name].append((p, s.qualified_name))
                if pf.lang == "go" and s.kind != "Module" and s.qualified_name.count(".") == 1:
                    go_dirs[_dirname(p)].setdefault(s.name, (p, s.qualified_name))
        self.unique_callables = {k: v[0] for k, v in unique.items() if len(v) == 1}
        self.unique_classes = {k: v[0] for k, v in classes.items() if len(v) == 1}
        self.go_dirs = go_dirs

    # --- ids and edges ------------------------------------------------------------------------
    def sid(self, target: Target) -> str:
        s = self._sid.get(target)
        if s is None:
            s = self._sid[target] = symbol_id(self.repo_id, target[0], target[1])
        return s

    def add(self, owner: str, etype: str, src: str, dst: str, conf: float) -> None:
        bucket = self.edges[owner]
        key = (etype, src, dst)
        if bucket.get(key, -1.0) < conf:
            bucket[key] = conf

    # --- imports ------------------------------------------------------------------------------
    def resolve_imports(self) -> None:
        for p in self.paths:
            pf = self.parsed[p]
            cls = IMPORT_RESOLVERS.get(pf.lang)
            if cls is None:
                continue
            result = self.import_resolvers[cls].resolve_file(pf)
            self.imports[p] = result
            src = file_id(self.repo_id, p)
            for target in sorted(result.files):
                if target != p:
                    self.add(p, "IMPORTS", src, file_id(self.repo_id, target), 1.0)
            for pkg in sorted(result.packages):
                self.add(p, "IMPORTS", src, pkg, 1.0)
            for mid, name in sorted(result.modules.items()):
                self.add(p, "IMPORTS", src, mid, 1.0)
                self.external_modules[mid] = name

    # --- names --------------------------------------------------------------------------------
    def member(self, path: str, name: str, kinds: frozenset[str], hops: int = 1) -> Target | None:
        """``name`` defined at the top of file ``path``, following one level of re-export."""
        pf = self.parsed.get(path)
        if pf is None:
            return None
        table = self.syms[path]
        if pf.lang == "go":
            hit = self.go_dirs.get(_dirname(path), {}).get(name)
            return hit if hit and self.syms[hit[0]][hit[1]].kind in kinds else None
        qn = f"{pf.module.qualified_name}.{name}"
        sym = table.get(qn)
        if sym is None and pf.lang == "java":  # Java qualified names are package-based, not path-based
            sym = next(
                (s for s in pf.symbols if s.name == name and s.parent_qn == pf.module.qualified_name), None
            )
            qn = sym.qualified_name if sym is not None else qn
        if sym is not None:
            return (path, qn) if sym.kind in kinds else None
        if hops <= 0:
            return None
        imp = self.imports.get(path)
        if imp is None:
            return None
        b = imp.bindings.get(name)
        if b is not None and b.kind == "symbol":
            return self.member(b.path, b.name, kinds, hops - 1)
        for star in imp.stars:
            hit = self.member(star, name, kinds, hops - 1)
            if hit:
                return hit
        return None

    def scope_lookup(self, path: str, scope_qn: str, name: str, kinds: frozenset[str]) -> Target | None:
        table = self.syms[path]
        s: str | None = scope_qn
        first = True
        while s is not None:
            sym = table.get(s)
            if sym is None:
                break
            if first or sym.kind != "Class":
                hit = table.get(f"{s}.{name}")
                if hit is not None and hit.kind in kinds:
                    return (path, hit.qualified_name)
            first = False
            s = sym.parent_qn
        return None

    def enclosing_class(self, path: str, qn: str) -> Target | None:
        table = self.syms[path]
        sym = table.get(qn)
        while sym is not None:
            if sym.kind in ("Class", "Interface", "Type") and sym.kind != "Module":
                return (path, sym.qualified_name)
            sym = table.get(sym.parent_qn) if sym.parent_qn else None
        pf = self.parsed[path]
        if pf.lang == "go" and qn.count(".") >= 2:  # pkg.Type.Method: the type may live in a sibling
            type_name = qn.split(".")[1]
            return self.go_dirs.get(_dirname(path), {}).get(type_name)
        return None

    def method_of(self, cls: Target, name: str, seen: set[Target] | None = None) -> Target | None:
        seen = seen or set()
        if cls in seen or len(seen) > 8:
            return None
        seen.add(cls)
        path, qn = cls
        sym = self.syms.get(path, {}).get(f"{qn}.{name}")
        if sym is not None and sym.kind in CALLABLE:
            return (path, sym.qualified_name)
        if self.parsed[path].lang == "go":
            hit = self._go_method(path, qn, name)
            if hit:
                return hit
        for base in self.bases.get(cls, ()):
            hit = self.method_of(base, name, seen)
            if hit:
                return hit
        return None

    def _go_method(self, path: str, type_qn: str, name: str) -> Target | None:
        d = _dirname(path)
        for p in self.paths:
            if _dirname(p) == d and p.endswith(".go"):
                sym = self.syms[p].get(f"{type_qn}.{name}")
                if sym is not None:
                    return (p, sym.qualified_name)
        return None

    def resolve_name(
        self, path: str, scope_qn: str, expr: str, kinds: frozenset[str]
    ) -> tuple[Target | None, float, bool]:
        """Resolve ``expr`` used in ``scope_qn``: (target, confidence, is_external)."""
        parts = expr.split(".")
        head = parts[0]
        imp = self.imports.get(path)
        bindings = imp.bindings if imp else {}
        lang = self.parsed[path].lang
        if expr.startswith("super()."):
            cls = self.enclosing_class(path, scope_qn)
            if cls:
                for base in self.bases.get(cls, ()):
                    hit = self.method_of(base, parts[-1])
                    if hit:
                        return hit, CONF_SELF, False
            return self._guess(parts[-1], kinds)
        if head in ("self", "cls", "this") and len(parts) == 2:
            cls = self.enclosing_class(path, scope_qn)
            if cls:
                hit = self.method_of(cls, parts[1])
                if hit:
                    return hit, CONF_SELF, False
            return self._guess(parts[-1], kinds)
        if head == "?" or head in ("self", "cls", "this"):
            return self._guess(parts[-1], kinds)
        if len(parts) == 1:
            hit = self.scope_lookup(path, scope_qn, head, kinds)
            if hit:
                return hit, CONF_LOCAL, False
            if lang == "go":
                hit = self.member(path, head, kinds, 0)
                if hit:
                    return hit, CONF_LOCAL, False
            if lang == "java":  # unqualified calls in Java are calls of the enclosing class's methods
                cls = self.enclosing_class(path, scope_qn)
                hit = self.method_of(cls, head) if cls else None
                if hit:
                    return hit, CONF_SELF, False
        local = self.scope_lookup(path, scope_qn, head, TYPE_KINDS) if len(parts) > 1 else None
        if local:  # Class.static_method()
            hit = self.method_of(local, ".".join(parts[1:])) if len(parts) == 2 else None
            if hit:
                return hit, CONF_LOCAL, False
        b = bindings.get(head)
        if b is not None:
            if b.kind == "external":
                return None, 0.0, True
            hit = self._via_binding(b, parts[1:], kinds)
            if hit:
                return hit, CONF_IMPORT, False
        elif imp is not None and len(parts) == 1:
            for star in imp.stars:
                hit = self.member(star, head, kinds)
                if hit:
                    return hit, CONF_IMPORT, False
        return self._guess(parts[-1], kinds)

    def _via_binding(self, b: Binding, rest: list[str], kinds: frozenset[str]) -> Target | None:
        if b.kind == "symbol":
            base = self.member(b.path, b.name, kinds if not rest else TYPE_KINDS | kinds)
            if base is None or not rest:
                return base
            return self.method_of(base, rest[0]) if len(rest) == 1 else None
        if b.kind in ("file", "gopkg"):
            if not rest:
                return None
            return self.member(b.path, ".".join(rest), kinds) or (
                self._class_member(b.path, rest) if len(rest) == 2 else None
            )
        if b.kind == "dotted":
            return self._via_dotted(b.name, rest, kinds)
        return None

    def _via_dotted(self, head: str, rest: list[str], kinds: frozenset[str]) -> Target | None:
        """``a.b.c.func`` after ``import a.b.c``: the longest prefix that is a repo module owns the rest."""
        python = self.import_resolvers.get(PythonImports)
        found = python.owning_module([head, *rest]) if isinstance(python, PythonImports) else None
        if found is None:
            return None
        path, remaining = found
        if len(remaining) == 1:
            return self.member(path, remaining[0], kinds)
        if len(remaining) == 2:
            cls = self.member(path, remaining[0], frozenset({"Class"}))
            return self.method_of(cls, remaining[1]) if cls else None
        return None

    def _class_member(self, path: str, rest: list[str]) -> Target | None:
        cls = self.member(path, rest[0], TYPE_KINDS)
        return self.method_of(cls, rest[1]) if cls else None

    def _guess(self, name: str, kinds: frozenset[str]) -> tuple[Target | None, float, bool]:
        table = self.unique_classes if kinds == TYPE_KINDS else self.unique_callables
        hit = table.get(name)
        return (hit, CONF_GUESS, False) if hit else (None, 0.0, False)

    # --- heritage, calls, members, tests ----------------------------------------------------
    def resolve_heritage(self) -> None:
        for p in self.paths:
            for h in self.parsed[p].heritage:
                target, conf, _ = self.resolve_name(p, h.class_qn, h.base, TYPE_KINDS)
                if target is None or target == (p, h.class_qn):
                    continue
                src = (p, h.class_qn)
                self.bases[src].append(target)  # interfaces too: default methods, TS abstract members
                self.add(p, h.relation, self.sid(src), self.sid(target), conf)

    def resolve_calls(self) -> None:
        for p in self.paths:
            pf = self.parsed[p]
            table = self.syms[p]
            # The same callee from the same scope resolves the same way (self.x(), len(), a
            # helper called in a loop): one resolution per pair (in Django, 30% of calls repeat one).
            resolved: dict[tuple[str, str], tuple[Target | None, float, bool]] = {}
            for c in pf.calls:
                key = (c.caller_qn, c.callee)
                outcome = resolved.get(key)
                if outcome is None:
                    outcome = resolved[key] = self.resolve_name(p, c.caller_qn, c.callee, CALLABLE)
                target, conf, _external = outcome
                if target is None:
                    self.unresolved_calls += 1
                    continue
                src = (p, c.caller_qn)
                if target == src and (conf < CONF_SELF or c.callee.startswith("super()")):
                    continue  # a guess that lands on the caller itself is not recursion
                self.add(p, "CALLS", self.sid(src), self.sid(target), conf)
                caller = table.get(c.caller_qn)
                callee_sym = self.syms[target[0]][target[1]]
                if caller is not None and caller.is_test and not callee_sym.is_test:
                    self.add(p, "TESTS", self.sid(src), self.sid(target), conf)

    def members(self) -> None:
        for p in self.paths:
            table = self.syms[p]
            for s in self.parsed[p].symbols:
                parent = table.get(s.parent_qn) if s.parent_qn else None
                if parent is not None and parent.kind != "Module":
                    self.add(
                        p,
                        "HAS_MEMBER",
                        self.sid((p, parent.qualified_name)),
                        self.sid((p, s.qualified_name)),
                        1.0,
                    )

    def run(self) -> Resolution:
        self.resolve_imports()
        self.resolve_heritage()
        self.resolve_calls()
        self.members()
        edges_by_file = {
            p: sorted((Edge(t, s, d, c) for (t, s, d), c in bucket.items()), key=lambda e: e.sort_key)
            for p, bucket in sorted(self.edges.items())
        }
        packages = sorted(
            [*self.ctx.packages, *self.repo.extra_packages.values()],
            key=lambda d: (d.ecosystem, d.name, d.manifest, d.version or ""),
        )
        return Resolution(
            edges_by_file=edges_by_file,
            packages=packages,
            external_modules=dict(sorted(self.external_modules.items())),
            unresolved_calls=self.unresolved_calls,
            unresolved_imports=sum(r.unresolved for r in self.imports.values()),
        )


def _dirname(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def resolve(repo_id: str, ctx: RepoContext, parsed: Mapping[str, ParsedFile]) -> Resolution:
    """Resolve imports, heritage, calls, tests and members of all ``parsed`` files of one repo."""
    return Resolver(repo_id, ctx, parsed).run()


__all__ = ["Binding", "ImportResult", "Resolver", "Target", "resolve"]
