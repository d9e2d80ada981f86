"""Cross-file resolution: parsed files + repo context → typed edges.

Imports are resolved per language into *bindings* (local name → repo file, symbol in a repo file, or
something external); calls and base classes are then resolved through scope → bindings → class
hierarchy → a repo-wide unique-name fallback, each step with its own confidence. Everything iterates
over sorted paths and emits sorted lists, so the output is a pure function of the input.
"""

from __future__ import annotations

import builtins
import re
from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from ingest.bindings import Binding, ImportResolver, ImportResult, RepoFiles, Target
from ingest.ids import file_id, package_id, symbol_id
from ingest.model import (
    AttributeRef,
    CallRef,
    Edge,
    PackageDecl,
    ParsedFile,
    RepoContext,
    Resolution,
    SymbolDef,
)
from ingest.parsing.python import annotation_type, element_type, item_type, returns
from ingest.resolvers.go_imports import GoImports
from ingest.resolvers.java_imports import JavaImports
from ingest.resolvers.py_imports import PythonImports
from ingest.resolvers.rust_imports import RustImports
from ingest.resolvers.ts_imports import TsImports

CALLABLE = frozenset({"Function", "Method", "Class"})
CALL_TYPES = frozenset({"CALLS", "TESTS"})
HERITAGE_TYPES = frozenset({"EXTENDS", "IMPLEMENTS"})
TYPE_KINDS = frozenset({"Class", "Interface", "Type"})
CONF_LOCAL, CONF_IMPORT, CONF_SELF, CONF_GUESS = 1.0, 0.9, 0.8, 0.3


class Outcome(NamedTuple):
    """How a name resolved: the target (None: not in the repo), the confidence and the evidence."""

    target: Target | None
    confidence: float
    evidence: str  # scope | import | self | annotation | constructor | with | default | isinstance |
    # except | attribute (an attribute that is a class) | alias (a name known to be a class) | guess


VAR = frozenset({"Var"})
_FIRST_CLS = re.compile(r"(?:async\s+)?def\s+\w+\s*\(\s*cls\b")
_CLS_PARAM = re.compile(r"[(,]\s*cls\s*[:=,)]")
MAX_RECEIVER_DEPTH = 4
UNRESOLVED = Outcome(None, 0.0, "")
EXTERNAL = Outcome(None, 0.0, "external")
_JS_GLOBALS = frozenset((
    "Array", "ArrayBuffer", "BigInt", "Boolean", "DataView", "Date", "Error", "EvalError",
    "Function", "Intl", "JSON", "Map", "Math", "Number", "Object", "Promise", "Proxy",
    "RangeError", "ReferenceError", "Reflect", "RegExp", "Set", "String", "Symbol", "SyntaxError",
    "TypeError", "URIError", "URL", "URLSearchParams", "WeakMap", "WeakRef", "WeakSet",
    "AbortController", "Blob", "FormData", "Headers", "Request", "Response", "TextDecoder",
    "TextEncoder", "Event", "EventTarget", "Worker", "alert", "atob", "btoa", "clearInterval",
    "clearTimeout", "console", "decodeURI", "decodeURIComponent", "encodeURI",
    "encodeURIComponent", "eval", "fetch", "isFinite", "isNaN", "parseFloat", "parseInt",
    "queueMicrotask", "require", "setInterval", "setTimeout", "setImmediate", "structuredClone",
    "describe", "it", "test", "expect", "beforeEach", "afterEach", "beforeAll", "afterAll",
))  # fmt: skip
# names a bare call finds without any import: never guessed to be a repo definition
BUILTINS: dict[str, frozenset[str]] = {"python": frozenset(dir(builtins)), "js": _JS_GLOBALS}

IMPORT_RESOLVERS: dict[str, type[ImportResolver]] = {
    "python": PythonImports,
    "typescript": TsImports,
    "tsx": TsImports,
    "javascript": TsImports,
    "go": GoImports,
    "java": JavaImports,
    "rust": RustImports,
}


EdgeBucket = dict[tuple[str, str, str], tuple[float, str]]  # (type, src, dst) -> (confidence, evidence)


class _Reads:
    """The files (and pseudo-keys: a Go directory, a guessed name) the call resolution of one file
    looked at; ``None`` while nothing is being recorded."""

    current: set[str] | None = None


class _TrackedDict(dict):  # type: ignore[type-arg]
    """A dict keyed by path (or by a Target, whose path counts) that notes every key it is asked for
    in ``reads.current``: the dependency record an incremental re-resolution starts from."""

    def __init__(self, data: Mapping[Any, Any], reads: _Reads, key: Any = None, factory: Any = None) -> None:
        super().__init__(data)
        self._reads = reads
        self._key = key
        self._factory = factory

    def __missing__(self, key: Any) -> Any:
        if self._factory is None:
            raise KeyError(key)
        value = self[key] = self._factory()
        return value

    def _note(self, key: Hashable) -> None:
        if self._reads.current is not None:
            self._reads.current.add(self._key(key) if self._key else key)  # type: ignore[arg-type]

    def __getitem__(self, key: Any) -> Any:
        self._note(key)
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        self._note(key)
        return super().get(key, default)


@dataclass(slots=True)
class ResolverState:
    """What a re-resolution after a change reuses: each file's call edges and unresolved count, what
    its call resolution read, and the cross-file facts whose change makes those reads stale."""

    files: frozenset[str]
    ctx: RepoContext
    imports: dict[str, ImportResult]
    extras: dict[str, PackageDecl]  # undeclared packages the imports name, by id
    bases: dict[Target, list[Target]]
    guesses: dict[str, Target]  # "f|family|name" / "c|family|name" -> the unique definition
    calls: dict[str, EdgeBucket]
    members: dict[str, EdgeBucket]
    sids: dict[Target, str]  # symbol ids are a pure function of (repo, path, name): kept across runs
    unresolved: dict[str, int]
    reads: dict[str, frozenset[str]]
    heritage: dict[str, EdgeBucket]  # each file's EXTENDS/IMPLEMENTS edges
    heritage_reads: dict[str, frozenset[str]]
    buckets: dict[str, EdgeBucket]
    edges_by_file: dict[str, list[Edge]]


class Resolver:
    def __init__(
        self, repo_id: str, ctx: RepoContext, parsed: Mapping[str, ParsedFile], *, track: bool = False
    ) -> None:
        self.repo_id = repo_id
        self.ctx = ctx
        self.track = track
        self.reads = _Reads()
        self.parsed = _TrackedDict(parsed, self.reads) if track else parsed
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
        self.edges: dict[str, EdgeBucket] = defaultdict(dict)
        self.imports: dict[str, ImportResult] = {}
        self.bases: dict[Target, list[Target]] = defaultdict(list)
        self.call_unresolved: dict[str, int] = {}
        self.call_reads: dict[str, frozenset[str]] = {}
        self.heritage_reads: dict[str, frozenset[str]] = {}
        self.heritage_stale: set[str] = set()  # files whose heritage the last run resolved
        self.unresolved_calls = 0
        self.receiver_depth = 0  # receiver_class's nesting (it may recurse through resolve_name)
        self.external_modules: dict[str, str] = {}
        self._sid: dict[Target, str] = {}
        # guesses: names defined once per language family (a Python call never lands in TS or Go);
        # methods never, since a bare-name call cannot be a method call
        functions: dict[tuple[str, str], list[Target]] = defaultdict(list)
        classes: dict[tuple[str, str], list[Target]] = defaultdict(list)
        go_dirs: dict[str, dict[str, Target]] = defaultdict(dict)
        for p in self.paths:
            pf = parsed[p]
            family = _family(pf.lang)
            for s in pf.symbols:
                if s.kind in ("Function", "Method"):
                    functions[(family, s.name)].append(
                        (p, s.qualified_name) if s.kind == "Function" else ("", "")
                    )
                elif s.kind in ("Class", "Interface"):
                    classes[(family, s.name)].append((p, s.qualified_name))
                if pf.lang == "go" and s.kind != "Module" and s.qualified_name.count(".") == 1:
                    go_dirs[_dirname(p)].setdefault(s.name, (p, s.qualified_name))
        # what is known of class attributes (self.x = Foo(), x: Foo): annotations win over the rest
        self.attributes: dict[Target, dict[str, AttributeRef]] = defaultdict(dict)
        for p in self.paths:
            for a in parsed[p].attributes:
                table = self.attributes[(p, a.class_qn)]
                known = table.get(a.name)
                if known is None or (a.evidence == "annotation" and known.evidence != "annotation"):
                    table[a.name] = a
        self.unique_functions = {k: v[0] for k, v in functions.items() if len(v) == 1 and v[0][0]}
        self.unique_classes = {k: v[0] for k, v in classes.items() if len(v) == 1}
        self.go_dirs = go_dirs
        if track:  # every cross-file lookup of heritage and calls is recorded (see ResolverState)
            self.bases = _TrackedDict({}, self.reads, key=lambda t: f"bases|{t[0]}", factory=list)
            self.syms = _TrackedDict(self.syms, self.reads)
            self.attributes = _TrackedDict(self.attributes, self.reads, key=lambda t: t[0])
            self.go_dirs = _TrackedDict(go_dirs, self.reads, key=lambda d: f"dir|{d}")
            self.unique_functions = _TrackedDict(
                self.unique_functions, self.reads, key=lambda k: f"f|{k[0]}|{k[1]}"
            )
            self.unique_classes = _TrackedDict(
                self.unique_classes, self.reads, key=lambda k: f"c|{k[0]}|{k[1]}"
            )

    def guesses(self) -> dict[str, Target]:
        return {**{f"f|{f}|{n}": t for (f, n), t in dict.items(self.unique_functions)},
                **{f"c|{f}|{n}": t for (f, n), t in dict.items(self.unique_classes)}}  # fmt: skip

    # --- ids and edges ------------------------------------------------------------------------
    def sid(self, target: Target) -> str:
        s = self._sid.get(target)
        if s is None:
            s = self._sid[target] = symbol_id(self.repo_id, target[0], target[1])
        return s

    def add(self, owner: str, etype: str, src: str, dst: str, conf: float, evidence: str = "") -> None:
        bucket = self.edges[owner]
        key = (etype, src, dst)
        if bucket.get(key, (-1.0, ""))[0] < conf:
            bucket[key] = (conf, evidence)

    def same_family(self, a: str, b: str) -> bool:
        """Whether code in file ``a`` can call code in file ``b`` (TS and JS can; Python and Go cannot)."""
        return _family(self.parsed[a].lang) == _family(self.parsed[b].lang)

    # --- imports ------------------------------------------------------------------------------
    def resolve_imports(
        self, reuse: Mapping[str, ImportResult] | None = None, extras: Mapping[str, PackageDecl] | None = None
    ) -> None:
        """``reuse``: results still valid (the file, the file set and the context unchanged), with
        ``extras`` the undeclared packages they name, by id."""
        for p in self.paths:
            pf = self.parsed[p]
            cls = IMPORT_RESOLVERS.get(pf.lang)
            if cls is None:
                continue
            result = reuse.get(p) if reuse is not None else None
            if result is None:
                result = self.import_resolvers[cls].resolve_file(pf)
            else:
                for pkg in result.packages:
                    decl = (extras or {}).get(pkg)
                    if decl is not None:
                        self.repo.extra_packages.setdefault((decl.ecosystem, decl.name), decl)
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
        self, path: str, scope_qn: str, expr: str, kinds: frozenset[str], call: CallRef | None = None
    ) -> Outcome:
        """Resolve ``expr`` used in ``scope_qn`` (``call``: the site, with what the parser knows of
        its receiver). Only a bare name not bound anywhere may fall back to a unique-name guess."""
        parts = expr.split(".")
        head = parts[0]
        imp = self.imports.get(path)
        lang = self.parsed[path].lang
        if call is not None and call.evidence == "local":
            # a parameter or local variable: never a definition elsewhere, unless the function
            # also imports the name (``cls = self.client_class`` / ``from .testing import Client as cls``)
            b = self._scoped_binding(imp, path, scope_qn, head)
            return self._via_import(b, parts, kinds) if b is not None else UNRESOLVED
        if call is not None and call.receiver:
            return self._via_receiver(path, scope_qn, call.receiver, parts, call.evidence)
        if expr.startswith("super()."):
            cls = self.enclosing_class(path, scope_qn)
            for base in self.bases.get(cls, ()) if cls else ():
                hit = self.method_of(base, parts[-1])
                if hit:
                    return Outcome(hit, CONF_SELF, "self")
            return UNRESOLVED
        if head in ("self", "cls", "this") and len(parts) == 2:
            cls = self.enclosing_class(path, scope_qn)
            hit = self.method_of(cls, parts[1]) if cls else None
            if hit:
                return Outcome(hit, CONF_SELF, "self")
            # self.response_class(): an attribute that is a class (calling an instance is its __call__)
            return self._member_call(cls, parts[1], "self") if cls else UNRESOLVED
        if head in ("self", "cls") and len(parts) >= 3:  # self.x.m(), self.a.b.m(): through attributes
            cls = self.enclosing_class(path, scope_qn)
            typed, evidence = self._walk(cls, parts[1:-1], "self") if cls else (None, "")
            return self._member_call(typed, parts[-1], evidence) if typed else UNRESOLVED
        if expr == "cls" and lang == "python":  # cls(...) in a classmethod: the class (or a subclass)
            b = self._scoped_binding(imp, path, scope_qn, head)
            if b is not None:
                return self._via_import(b, parts, kinds)
            cls = self._classmethod_class(path, scope_qn)
            return Outcome(cls, CONF_SELF, "self") if cls else UNRESOLVED
        if head == "?" or head in ("self", "cls", "this"):
            return UNRESOLVED  # an attribute of an unknown receiver: no evidence, no edge
        b = self._scoped_binding(imp, path, scope_qn, head)
        if b is not None:  # a function-local import shadows everything outside the function
            return self._via_import(b, parts, kinds)
        if len(parts) == 1:
            hit = self.scope_lookup(path, scope_qn, head, kinds)
            if hit:
                return Outcome(hit, CONF_LOCAL, "scope")
            if lang == "go":
                hit = self.member(path, head, kinds, 0)
                if hit:
                    return Outcome(hit, CONF_LOCAL, "scope")
            if lang == "java":  # unqualified calls in Java are calls of the enclosing class's methods
                cls = self.enclosing_class(path, scope_qn)
                hit = self.method_of(cls, head) if cls else None
                if hit:
                    return Outcome(hit, CONF_SELF, "self")
        local = self.scope_lookup(path, scope_qn, head, TYPE_KINDS) if len(parts) > 1 else None
        if local:  # Class.static_method()
            hit = self.method_of(local, ".".join(parts[1:])) if len(parts) == 2 else None
            if hit:
                return Outcome(hit, CONF_LOCAL, "scope")
        b = imp.bindings.get(head) if imp else None
        if b is not None:
            return self._via_import(b, parts, kinds)
        if imp is not None and len(parts) == 1:
            for star in imp.stars:
                hit = self.member(star, head, kinds)
                if hit:
                    return Outcome(hit, CONF_IMPORT, "import")
        if len(parts) > 1 or head in BUILTINS.get(_family(lang), ()):
            return UNRESOLVED  # an attribute of an unknown name, or a builtin
        return self._guess(lang, head, kinds)

    def _scoped_binding(
        self, imp: ImportResult | None, path: str, scope_qn: str, head: str
    ) -> Binding | None:
        if imp is None or not imp.scoped:
            return None
        table = self.syms[path]
        s: str | None = scope_qn
        while s is not None:
            b = imp.scoped.get(s, {}).get(head)
            if b is not None:
                return b
            sym = table.get(s)
            s = sym.parent_qn if sym is not None else None
        return None

    def _via_import(self, b: Binding, parts: list[str], kinds: frozenset[str]) -> Outcome:
        if b.kind == "external":
            return EXTERNAL
        var = self.member(b.path, b.name, VAR) if b.kind == "symbol" else None
        if var is not None:
            return self._via_variable(var, parts[1:], kinds)
        hit = self._via_binding(b, parts[1:], kinds)
        return Outcome(hit, CONF_IMPORT, "import") if hit else UNRESOLVED

    def _via_receiver(
        self, path: str, scope_qn: str, receiver: str, parts: list[str], evidence: str
    ) -> Outcome:
        """``x.m()`` / ``x.a.b.m()`` where the parser knows ``x``'s class (``evidence`` says how): ``m``
        of that class, or of the classes its attributes ``a``, ``b`` are known to hold; ``x()`` where
        ``x`` is known to be a class (``cls = Argument``): that class."""
        if len(parts) == 1:
            if evidence != "alias":
                return UNRESOLVED
            out = self.resolve_name(path, scope_qn, receiver, CALLABLE)
            found = out.target is not None and out.evidence != "guess"
            return Outcome(out.target, CONF_SELF, "alias") if found else UNRESOLVED
        cls, evidence = self.receiver_class(path, scope_qn, receiver, evidence)
        typed, evidence = self._walk(cls, parts[1:-1], evidence) if cls else (None, "")
        return self._member_call(typed, parts[-1], evidence) if typed else UNRESOLVED

    def _walk(self, cls: Target, names: list[str], evidence: str) -> tuple[Target | None, str]:
        """The class reached from an instance of ``cls`` through the attributes ``names`` (each known
        from an annotation, a constructor, a property's return annotation, ...), with how the last
        one is known."""
        for name in names:
            found = self.attribute_of(cls, name)
            if found is None:
                return None, ""
            owner, attr = found
            typed, evidence = self._typed(owner[0], owner[1], attr)
            if typed is None:
                return None, ""
            cls = typed
        return cls, evidence

    def _typed(self, path: str, scope_qn: str, attr: AttributeRef) -> tuple[Target | None, str]:
        """The class an attribute (or module variable) holds; for ``alias``, the class it is."""
        if attr.evidence == "alias":
            out = self.resolve_name(path, scope_qn, attr.receiver, TYPE_KINDS)
            return (out.target, "attribute") if out.target and out.evidence != "guess" else (None, "")
        return self.receiver_class(path, scope_qn, attr.receiver, attr.evidence)

    def _member_call(self, cls: Target, name: str, evidence: str) -> Outcome:
        """``x.name()`` with ``x`` an instance of ``cls``: its method, or the class an attribute is."""
        hit = self.method_of(cls, name)
        if hit:
            return Outcome(hit, CONF_SELF, evidence)
        found = self.attribute_of(cls, name)
        if found is not None and found[1].evidence == "alias":  # app.request_class(...)
            typed, evidence = self._typed(found[0][0], found[0][1], found[1])
            return Outcome(typed, CONF_SELF, evidence) if typed else UNRESOLVED
        return UNRESOLVED

    def _classmethod_class(self, path: str, scope_qn: str) -> Target | None:
        """The class of the method whose first parameter is ``cls`` and which (or whose nested
        functions, none rebinding ``cls``) holds ``scope_qn``."""
        table = self.syms[path]
        sym = table.get(scope_qn)
        while sym is not None and sym.kind == "Function":
            if _CLS_PARAM.search(sym.signature):
                return None  # a nested function's own cls
            sym = table.get(sym.parent_qn) if sym.parent_qn else None
        if sym is None or sym.kind != "Method" or not _FIRST_CLS.match(sym.signature):
            return None
        return self.enclosing_class(path, sym.parent_qn) if sym.parent_qn else None

    def attribute_of(
        self, cls: Target, name: str, seen: set[Target] | None = None
    ) -> tuple[Target, AttributeRef] | None:
        """The attribute ``name`` of class ``cls`` or of its bases, with the class that declares it."""
        seen = seen or set()
        if cls in seen or len(seen) > 8:
            return None
        seen.add(cls)
        attr = self.attributes.get(cls, {}).get(name)
        if attr is not None:
            return cls, attr
        for base in self.bases.get(cls, ()):
            hit = self.attribute_of(base, name, seen)
            if hit:
                return hit
        return None

    def receiver_class(
        self, path: str, scope_qn: str, receiver: str, evidence: str
    ) -> tuple[Target | None, str]:
        """The class a receiver holds. ``receiver`` names a class (annotation, isinstance, except) or,
        for ``constructor``/``with``/``default``/``iterate``, the callable whose result it holds: a
        class, or a function whose return annotation names one (its items', for ``iterate``). Chains
        (``self.a = self.b.make()``) are followed a few steps deep, never round a cycle."""
        if self.receiver_depth >= MAX_RECEIVER_DEPTH:
            return None, ""
        self.receiver_depth += 1
        try:
            return self._receiver_class(path, scope_qn, receiver, evidence)
        finally:
            self.receiver_depth -= 1

    def _receiver_class(
        self, path: str, scope_qn: str, receiver: str, evidence: str
    ) -> tuple[Target | None, str]:
        evidence, _, part = evidence.partition(":")  # iterate:1 / each:1: the tuple items' part 1
        index = int(part) if part.isdigit() else None
        if evidence == "items":
            return None, ""  # a container: its methods are the builtin's
        if evidence == "chain":
            return self._value_type(path, scope_qn, receiver)
        if evidence == "each":
            return self._value_type(path, scope_qn, receiver, items=True, index=index)
        if evidence not in ("constructor", "with", "default", "iterate"):
            out = self.resolve_name(path, scope_qn, receiver, TYPE_KINDS)
            return (out.target, evidence) if out.target and out.evidence != "guess" else (None, "")
        made = self.resolve_name(path, scope_qn, receiver, CALLABLE)
        if made.target is None or made.evidence == "guess":
            return None, ""
        sym = self.syms[made.target[0]][made.target[1]]
        if sym.kind in TYPE_KINDS:
            return (made.target, evidence) if evidence != "iterate" else (None, "")
        if self.parsed[made.target[0]].lang != "python":
            return None, ""
        annotation = returns(sym.signature)
        named = element_type(annotation, index) if evidence == "iterate" else annotation_type(annotation)
        if not named:
            return None, ""
        out = self.resolve_name(made.target[0], made.target[1], named, TYPE_KINDS)
        return (out.target, "annotation") if out.target and out.evidence != "guess" else (None, "")

    def _value_type(
        self, path: str, scope_qn: str, text: str, *, items: bool = False, index: int | None = None
    ) -> tuple[Target | None, str]:
        """The class of the value of the attribute chain ``text`` (``self.app.session_interface``,
        ``Context.command`` where a local's type was put in front, ``current_app.json``), or with
        ``items`` the class of its items (``self.order``, annotated ``list[JSONTag]``; with ``index``,
        of that part of its tuple items)."""
        parts = text.split(".")
        cls: Target | None = None
        evidence, rest = "", parts[1:]
        if parts[0] in ("self", "cls"):
            cls, evidence = self.enclosing_class(path, scope_qn), "self"
        else:
            for k in range(len(parts) - 1, 0, -1):  # the longest prefix naming a class or a typed variable
                var = self._module_variable(path, scope_qn, parts[0]) if k == 1 else None
                if var is not None:
                    cls, evidence = self._variable_type(var)
                else:
                    out = self.resolve_name(path, scope_qn, ".".join(parts[:k]), TYPE_KINDS)
                    if out.target is None or out.evidence == "guess":
                        continue
                    cls, evidence = out.target, "annotation"
                rest = parts[k:]
                break
        if cls is None or not rest:
            return None, ""
        if not items:
            return self._walk(cls, rest, evidence)
        owner, _ = self._walk(cls, rest[:-1], evidence)
        found = self.attribute_of(owner, rest[-1]) if owner else None
        if found is None or found[1].evidence != "items":
            return None, ""
        named = item_type(found[1].receiver, index)
        if not named:
            return None, ""
        out = self.resolve_name(found[0][0], found[0][1], named, TYPE_KINDS)
        return (out.target, "annotation") if out.target and out.evidence != "guess" else (None, "")

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

    def _via_variable(self, var: Target, rest: list[str], kinds: frozenset[str]) -> Outcome:
        """``current_app.json.dumps()`` after ``from .globals import current_app`` where the module
        says ``current_app: Flask = ...``: through the variable's type and the attributes that follow;
        ``Alias()`` of a module-level ``Alias = Foo``: the class."""
        module_qn, attr = self._variable_ref(var)
        if attr is None:
            return UNRESOLVED
        if not rest:  # calling the variable: only an alias of a class or function says what runs
            if attr.evidence != "alias":
                return UNRESOLVED
            out = self.resolve_name(var[0], module_qn, attr.receiver, kinds)
            found = out.target is not None and out.evidence != "guess"
            return Outcome(out.target, CONF_IMPORT, "import") if found else UNRESOLVED
        typed, evidence = self._typed(var[0], module_qn, attr)
        typed, evidence = self._walk(typed, rest[:-1], evidence) if typed else (None, "")
        return self._member_call(typed, rest[-1], evidence) if typed else UNRESOLVED

    def _module_variable(self, path: str, scope_qn: str, name: str) -> Target | None:
        """The module-level variable ``name`` means in ``scope_qn``: this module's or an imported one."""
        imp = self.imports.get(path)
        b = self._scoped_binding(imp, path, scope_qn, name) or (imp.bindings.get(name) if imp else None)
        if b is not None:
            return self.member(b.path, b.name, VAR) if b.kind == "symbol" else None
        return self.member(path, name, VAR, 0)

    def _variable_ref(self, var: Target) -> tuple[str, AttributeRef | None]:
        """The module's qualified name and what the parser noted of its variable ``var``."""
        path, qn = var
        module_qn = self.parsed[path].module.qualified_name
        return module_qn, self.attributes.get((path, module_qn), {}).get(qn.rsplit(".", 1)[-1])

    def _variable_type(self, var: Target) -> tuple[Target | None, str]:
        """The class a module-level variable holds (or is, for ``Alias = Foo``), from the parser's notes."""
        module_qn, attr = self._variable_ref(var)
        if attr is None:
            return None, ""
        return self._typed(var[0], module_qn, attr)

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

    def _guess(self, lang: str, name: str, kinds: frozenset[str]) -> Outcome:
        """The one function (or, for a base, class) of that name in the same language family."""
        table = self.unique_classes if kinds == TYPE_KINDS else self.unique_functions
        hit = table.get((_family(lang), name))
        return Outcome(hit, CONF_GUESS, "guess") if hit else UNRESOLVED

    # --- heritage, calls, members, tests ----------------------------------------------------
    def resolve_heritage(self, paths: list[str] | None = None) -> None:
        for p in self.paths if paths is None else paths:
            if self.track:
                self.reads.current = {p}
            self._resolve_heritage_of(p)
            if self.track:
                self.heritage_reads[p] = frozenset(self.reads.current)  # type: ignore[arg-type]
                self.reads.current = None

    def _resolve_heritage_of(self, p: str) -> None:
        for h in self.parsed[p].heritage:
            target, conf, evidence = self.resolve_name(p, h.class_qn, h.base, TYPE_KINDS)
            if target is None or target == (p, h.class_qn) or not self.same_family(p, target[0]):
                continue
            src = (p, h.class_qn)
            self.bases[src].append(target)  # interfaces too: default methods, TS abstract members
            self.add(p, h.relation, self.sid(src), self.sid(target), conf, evidence)

    def resolve_calls(self, paths: list[str] | None = None) -> None:
        for p in self.paths if paths is None else paths:
            if self.track:
                self.reads.current = {p}
                before = self.unresolved_calls
            self._resolve_calls_of(p)
            if self.track:
                self.call_reads[p] = frozenset(self.reads.current)  # type: ignore[arg-type]
                self.call_unresolved[p] = self.unresolved_calls - before
                self.reads.current = None

    def _resolve_calls_of(self, p: str) -> None:
        pf = self.parsed[p]
        table = self.syms[p]
        # The same callee from the same scope resolves the same way (self.x(), len(), a
        # helper called in a loop): one resolution per pair (in Django, 30% of calls repeat one).
        resolved: dict[tuple[str, str, str, str], Outcome] = {}
        for c in pf.calls:
            key = (c.caller_qn, c.callee, c.receiver, c.evidence)
            outcome = resolved.get(key)
            if outcome is None:
                outcome = resolved[key] = self.resolve_name(p, c.caller_qn, c.callee, CALLABLE, c)
            target, conf, evidence = outcome
            if target is None or not self.same_family(p, target[0]):
                self.unresolved_calls += 1
                continue
            src = (p, c.caller_qn)
            if target == src and (conf < CONF_SELF or c.callee.startswith("super()")):
                continue  # a guess that lands on the caller itself is not recursion
            self.add(p, "CALLS", self.sid(src), self.sid(target), conf, evidence)
            caller = table.get(c.caller_qn)
            callee_sym = self.syms[target[0]][target[1]]
            if caller is not None and caller.is_test and not callee_sym.is_test:
                self.add(p, "TESTS", self.sid(src), self.sid(target), conf, evidence)

    def members(self, paths: list[str] | None = None) -> None:
        for p in self.paths if paths is None else paths:
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
                        "scope",
                    )

    def run(self) -> Resolution:
        self.resolve_imports()
        self.resolve_heritage()
        self.resolve_calls()
        self.members()
        edges_by_file = {p: _edge_list(bucket) for p, bucket in sorted(self.edges.items())}
        return self._resolution(edges_by_file)

    def run_after_change(
        self, previous: ResolverState | None, changed: set[str]
    ) -> tuple[Resolution, ResolverState, int]:
        """Re-resolve after ``changed`` files changed content: imports and members of the changed
        files, heritage and calls of the files whose recorded reads touch something that changed (a
        changed file, a file whose import bindings or class bases changed, a guessed name that is no
        longer unique, ...); the rest is taken from ``previous``. With no ``previous`` state, or when
        files were added or deleted or the context changed (module indexes move), everything.
        Needs ``track=True``.
        Returns the resolution, the state for the next change and how many files' calls were resolved."""
        assert self.track, "incremental resolution needs recorded reads"
        same_files = (
            previous is not None and previous.files == frozenset(self.paths) and previous.ctx == self.ctx
        )
        if previous is not None:
            self._sid = previous.sids
        if same_files and not any(self.parsed[p].lang == "java" for p in changed):
            # a file's imports depend on it, the file set and the context only (Java: on every
            # file's package declaration, so any Java change resolves them all)
            reuse = {p: r for p, r in previous.imports.items() if p not in changed}  # type: ignore[union-attr]
            self.resolve_imports(reuse, previous.extras)  # type: ignore[union-attr]
        else:
            self.resolve_imports()
        guesses = self.guesses()
        dirty: set[str] = set()
        if previous is not None and same_files:
            dirty.update(changed)
            dirty.update(p for p in self.paths if previous.imports.get(p) != self.imports.get(p))
            dirty.update(f"dir|{_dirname(p)}" for p in changed)
            dirty.update(guesses.keys() ^ previous.guesses.keys())
            dirty.update(k for k, t in guesses.items() if previous.guesses.get(k, t) != t)
        self._heritage_after_change(previous if same_files else None, dirty)
        if previous is None:
            self.members()
        else:  # HAS_MEMBER depends on the file's own symbols only
            for p in self.paths:
                if p in changed or p not in previous.members:
                    self.members([p])
                else:
                    self.edges[p].update(previous.members[p])
        if previous is None or not same_files:
            stale = set(self.paths)
        else:
            bases = dict.items(self.bases)  # type: ignore[arg-type]
            dirty.update(cls[0] for cls, targets in bases if previous.bases.get(cls) != targets)
            dirty.update(cls[0] for cls in previous.bases if cls not in self.bases)
            stale = {p for p in self.paths if p in changed or not previous.reads[p].isdisjoint(dirty)}
        for p in self.paths:
            if p in stale:
                continue
            self.edges[p].update(previous.calls.get(p, {}))  # type: ignore[union-attr]
            self.call_reads[p] = previous.reads[p]  # type: ignore[union-attr]
            self.call_unresolved[p] = previous.unresolved[p]  # type: ignore[union-attr]
        self.resolve_calls(sorted(stale))
        self.unresolved_calls = sum(self.call_unresolved.values())
        calls = _pick(self.edges, self.paths, CALL_TYPES, previous.calls if previous else None, keep=stale)
        members = _pick(self.edges, self.paths, {"HAS_MEMBER"}, previous.members if previous else None,
                        keep=changed)  # fmt: skip
        heritage = _pick(self.edges, self.paths, HERITAGE_TYPES, previous.heritage if previous else None,
                         keep=self.heritage_stale)  # fmt: skip
        edges_by_file: dict[str, list[Edge]] = {}
        for p, bucket in sorted(self.edges.items()):
            if not bucket:
                continue
            same = previous is not None and previous.buckets.get(p) == bucket
            edges_by_file[p] = previous.edges_by_file[p] if same else _edge_list(bucket)  # type: ignore[union-attr]
        resolution = self._resolution(edges_by_file)
        state = ResolverState(
            files=frozenset(self.paths),
            ctx=self.ctx, imports=dict(self.imports),
            extras={package_id(d.ecosystem, d.name): d for d in self.repo.extra_packages.values()},
            bases={k: list(v) for k, v in dict.items(self.bases)}, guesses=guesses, calls=calls,
            members=members, sids=self._sid, heritage=heritage, heritage_reads=dict(self.heritage_reads),  # type: ignore[arg-type]
            unresolved=dict(self.call_unresolved), reads=dict(self.call_reads),
            buckets={p: b for p, b in self.edges.items() if b}, edges_by_file=edges_by_file,
        )  # fmt: skip
        return resolution, state, len(stale)

    def _heritage_after_change(self, previous: ResolverState | None, dirty: set[str]) -> None:
        """Heritage of the files whose heritage reads touch ``dirty``; the rest replayed as before.
        Files are visited in the full run's order, because a base such as ``A.Inner`` may be found
        through the bases already known of ``A`` (``bases|<path>`` in the reads): a file whose
        bases come out different makes the later files that read them stale too."""
        if previous is None:
            self.resolve_heritage()
            self.heritage_stale = set(self.paths)
            return
        before: dict[str, dict[Target, list[Target]]] = defaultdict(dict)
        for cls, targets in previous.bases.items():
            before[cls[0]][cls] = targets
        dirty = set(dirty)
        stale: set[str] = set()
        for p in self.paths:
            reads = previous.heritage_reads.get(p)
            if reads is not None and reads.isdisjoint(dirty):
                for cls, targets in before.get(p, {}).items():
                    self.bases[cls] = list(targets)
                self.edges[p].update(previous.heritage.get(p, {}))
                self.heritage_reads[p] = reads
                continue
            stale.add(p)
            self.resolve_heritage([p])
            classes = {(p, h.class_qn) for h in self.parsed[p].heritage}
            now = {c: t for c in classes if (t := dict.get(self.bases, c))}  # type: ignore[arg-type]
            if now != before.get(p, {}):
                dirty.add(f"bases|{p}")
        self.heritage_stale = stale

    def _resolution(self, edges_by_file: dict[str, list[Edge]]) -> Resolution:
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


def _pick(
    edges: Mapping[str, EdgeBucket],
    paths: list[str],
    types: Any,
    previous: dict[str, EdgeBucket] | None,
    *,
    keep: set[str],
) -> dict[str, EdgeBucket]:
    """Each file's edges of ``types``: recomputed for the files in ``keep``, else as before."""
    out = {}
    for p in paths:
        if previous is not None and p not in keep and p in previous:
            out[p] = previous[p]
        else:
            bucket = {k: v for k, v in edges.get(p, {}).items() if k[0] in types}
            if bucket:
                out[p] = bucket
    return out


def _edge_list(bucket: EdgeBucket) -> list[Edge]:
    return sorted((Edge(t, s, d, c, ev) for (t, s, d), (c, ev) in bucket.items()), key=lambda e: e.sort_key)


def _family(lang: str) -> str:
    """Languages whose code can call each other's: TypeScript, TSX and JavaScript are one family."""
    return "js" if lang in ("typescript", "tsx", "javascript") else lang


def _dirname(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def resolve(repo_id: str, ctx: RepoContext, parsed: Mapping[str, ParsedFile]) -> Resolution:
    """Resolve imports, heritage, calls, tests and members of all ``parsed`` files of one repo."""
    return Resolver(repo_id, ctx, parsed).run()


__all__ = ["Binding", "ImportResult", "Resolver", "ResolverState", "Target", "resolve"]
