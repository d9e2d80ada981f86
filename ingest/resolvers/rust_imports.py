"""Rust ``use`` paths: ``crate::``/``self::``/``super::`` → module files (``x.rs`` or ``x/mod.rs``);
other first segments → a declared Cargo crate (``-`` ≡ ``_``) or a module node (std, core, ...)."""

from __future__ import annotations

import posixpath

from ingest.bindings import Binding, ImportResult, RepoFiles
from ingest.model import ParsedFile


def _module_dir(path: str) -> str:
    """Directory holding the children of the module defined by ``path``."""
    d, name = posixpath.split(path)
    stem = name.removesuffix(".rs")
    return d if stem in ("mod", "lib", "main") else posixpath.join(d, stem)


def _crate_root(path: str) -> str:
    i = path.rfind("src/")
    return path[: i + 3] if i >= 0 else posixpath.dirname(path)


class RustImports:
    """Rust ``use`` resolution with its index: crate name as written (``_``) → declared crate."""

    def __init__(self, repo: RepoFiles) -> None:
        self.repo = repo
        self.crates = {d.name.replace("-", "_"): d.name for d in repo.ctx.packages if d.ecosystem == "cargo"}

    def resolve_file(self, pf: ParsedFile) -> ImportResult:
        return _resolve(self.repo, self.crates, pf)


def _resolve(r: RepoFiles, crates: dict[str, str], pf: ParsedFile) -> ImportResult:
    res = ImportResult()
    for ref in pf.imports:
        segs = [s for s in ref.module.split("::") if s]
        if not segs:
            continue
        if segs[0] in ("crate", "self", "super"):
            base = _crate_root(pf.path) if segs[0] == "crate" else _module_dir(pf.path)
            rest = segs[1:]
            while rest and rest[0] == "super":
                base, rest = posixpath.dirname(base), rest[1:]
            if segs[0] == "super":
                base = posixpath.dirname(base)
            found = None
            for i in range(len(rest), 0, -1):
                mod = posixpath.join(base, *rest[:i])
                for cand in (mod + ".rs", mod + "/mod.rs"):
                    if cand in r.all_files:
                        found = (cand, rest[i:])
                        break
                if found:
                    break
            if found is None:
                own = pf.path if segs[0] != "crate" else None
                if own is None:
                    lib = base + "/lib.rs" if base + "/lib.rs" in r.all_files else base + "/main.rs"
                    own = lib if lib in r.all_files else None
                if own is None or not rest:
                    res.unresolved += 1
                    continue
                found = (own, rest)
            path, leftover = found
            if path != pf.path:
                res.files.add(path)
            local = ref.alias or (leftover[-1] if leftover else rest[-1])
            if leftover == ["*"]:
                res.stars.append(path)
            elif leftover:
                res.bindings[local] = Binding("symbol", path, leftover[0])
            else:
                res.bindings[local] = Binding("file", path)
            continue
        crate = segs[0]
        if crate in crates:
            res.packages.add(r.package_node("cargo", crates[crate]))
        else:
            mid, name = r.module_node(crate)
            res.modules[mid] = name
        res.bindings[ref.alias or segs[-1]] = Binding("external")
    return res
