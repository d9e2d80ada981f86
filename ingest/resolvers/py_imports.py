"""Python imports → repo files (under any source root), declared PyPI packages or external modules."""

from __future__ import annotations

from ingest.bindings import Binding, ImportResult, RepoFiles
from ingest.manifests import normalise_pypi
from ingest.model import ParsedFile

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


def build_module_index(r: RepoFiles) -> dict[str, str]:
    """Dotted module name → file, under every Python source root."""
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
    return index


class PythonImports:
    """Python import resolution with its indexes, built once per repo: dotted module → file, the
    top-level names of repo packages, and the declared PyPI distributions."""

    def __init__(self, repo: RepoFiles) -> None:
        self.repo = repo
        self.modules = build_module_index(repo)
        self.tops = {m.split(".", 1)[0] for m in self.modules}
        self.declared = {normalise_pypi(d.name): d.name for d in repo.ctx.packages if d.ecosystem == "pypi"}

    def resolve_file(self, pf: ParsedFile) -> ImportResult:
        return _resolve(self, pf)

    def package_for(self, top: str) -> str | None:
        """The package node of the declared distribution that provides import name ``top``."""
        key = normalise_pypi(top)
        for candidate in (key, IMPORT_TO_DIST.get(key), f"python-{key}", f"py{key}"):
            if candidate and candidate in self.declared:
                return self.repo.package_node("pypi", normalise_pypi(self.declared[candidate]))
        return None

    def owning_module(self, parts: list[str]) -> tuple[str, list[str]] | None:
        """``a.b.c.func`` after ``import a.b.c``: the file of the longest prefix that is a repo module,
        and the names that remain to look up in it."""
        for i in range(len(parts) - 1, 0, -1):
            path = self.modules.get(".".join(parts[:i]))
            if path is not None:
                return path, parts[i:]
        return None


def _by_dir(r: RepoFiles, parts: list[str]) -> str | None:
    base = "/".join(parts)
    for cand in (f"{base}.py", f"{base}/__init__.py" if base else "__init__.py"):
        if cand in r.all_files:
            return cand
    return None


def _resolve(idx: PythonImports, pf: ParsedFile) -> ImportResult:
    r = idx.repo
    index = idx.modules
    tops = idx.tops
    res = ImportResult()
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
            pkg = idx.package_for(top)
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
