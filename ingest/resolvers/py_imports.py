"""Python imports → repo files (under any source root), declared PyPI packages or external modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.model import ParsedFile

if TYPE_CHECKING:
    from ingest.resolve import Resolver, Target

# import name → distribution name, for the few popular packages where they differ beyond -/_
IMPORT_TO_DIST = {
    "yaml": "pyyaml",
    "pil": "pillow",
    "sklearn": "scikit-learn",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "jwt": "pyjwt",
    "attr": "attrs",
    "git": "gitpython",
    "dotenv": "python-dotenv",
    "google": "protobuf",
    "cv2": "opencv-python",
    "magic": "python-magic",
}


def module_index(r: Resolver) -> dict[str, str]:
    """Dotted module name → file, under every Python source root (cached on the resolver)."""
    cached = getattr(r, "_py_index", None)
    if cached is not None:
        return cached
    index: dict[str, str] = {}
    py_files = sorted(p for p in r.all_files if p.endswith(".py"))
    for root in r.ctx.python_roots:
        prefix = f"{root}/" if root else ""
        for path in py_files:
            if not path.startswith(prefix):
                continue
            rel = path[len(prefix) : -3]
            if rel.endswith("/__init__") or rel == "__init__":
                rel = rel[: -len("__init__")].rstrip("/")
            if rel and "-" not in rel and " " not in rel:
                index.setdefault(rel.replace("/", "."), path)
    r._py_index = index  # type: ignore[attr-defined]
    r._py_tops = {m.split(".", 1)[0] for m in index}  # type: ignore[attr-defined]
    return index


def _package_for(r: Resolver, top: str) -> str | None:
    from ingest.resolve import normalise_pypi

    declared = getattr(r, "_py_declared", None)
    if declared is None:
        declared = {normalise_pypi(d.name): d.name for d in r.ctx.packages if d.ecosystem == "pypi"}
        r._py_declared = declared  # type: ignore[attr-defined]
    key = normalise_pypi(top)
    for candidate in (key, IMPORT_TO_DIST.get(key), f"python-{key}", f"py{key}"):
        if candidate and candidate in declared:
            return r.package_node("pypi", normalise_pypi(declared[candidate]))
    return None


def _by_dir(r: Resolver, parts: list[str]) -> str | None:
    base = "/".join(parts)
    for cand in (f"{base}.py", f"{base}/__init__.py" if base else "__init__.py"):
        if cand in r.all_files:
            return cand
    return None


def resolve_file(r: Resolver, pf: ParsedFile):  # type: ignore[no-untyped-def]
    from ingest.resolve import Binding, ImportResult

    index = module_index(r)
    tops: set[str] = r._py_tops  # type: ignore[attr-defined]
    res = ImportResult(set(), set(), {}, {}, [], 0)
    for ref in pf.imports:
        if ref.level:
            dir_parts = pf.path.split("/")[:-1]
            if ref.level - 1 > len(dir_parts):
                res.unresolved += 1
                continue
            dir_parts = dir_parts[: len(dir_parts) - (ref.level - 1)]
            mod_parts = dir_parts + (ref.module.split(".") if ref.module else [])
            target = _by_dir(r, mod_parts)
            if target is None and ref.module:
                res.unresolved += 1
                continue
            if target:
                res.files.add(target)
            for name in ref.names:
                if name == "*":
                    if target:
                        res.stars.append(target)
                    continue
                sub = _by_dir(r, [*mod_parts, name])
                local = ref.alias or name
                if sub:
                    res.files.add(sub)
                    res.bindings[local] = Binding("file", sub)
                elif target:
                    res.bindings[local] = Binding("symbol", target, name)
                else:
                    res.unresolved += 1
            continue
        target = index.get(ref.module)
        top = ref.module.split(".", 1)[0]
        if target is None:
            if top in tops:
                res.unresolved += 1
                continue
            pkg = _package_for(r, top)
            if pkg:
                res.packages.add(pkg)
            else:
                mid, name = r.module_node(top)
                res.modules[mid] = name
            for name in ref.names or (top,):
                res.bindings[ref.alias or name] = Binding("external")
            continue
        res.files.add(target)
        if not ref.names:
            if ref.alias:
                res.bindings[ref.alias] = Binding("file", target)
            else:
                res.bindings[top] = Binding("dotted", "", top)
            continue
        for name in ref.names:
            if name == "*":
                res.stars.append(target)
                continue
            sub = index.get(f"{ref.module}.{name}")
            local = ref.alias or name
            if sub:
                res.files.add(sub)
                res.bindings[local] = Binding("file", sub)
            else:
                res.bindings[local] = Binding("symbol", target, name)
    return res


def resolve_dotted(r: Resolver, head: str, rest: list[str], kinds: frozenset[str]) -> Target | None:
    """``a.b.c.func`` after ``import a.b.c``: the longest prefix that is a repo module owns the rest."""
    index = module_index(r)
    parts = [head, *rest]
    for i in range(len(parts) - 1, 0, -1):
        path = index.get(".".join(parts[:i]))
        if path is None:
            continue
        remaining = parts[i:]
        if len(remaining) == 1:
            return r.member(path, remaining[0], kinds)
        if len(remaining) == 2:
            cls = r.member(path, remaining[0], frozenset({"Class"}))
            return r.method_of(cls, remaining[1]) if cls else None
        return None
    return None
