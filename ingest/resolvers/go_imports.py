"""Go imports: paths under the go.mod module → every non-test file of that directory; else a
declared module (longest prefix of a ``require``); else a module node (stdlib or undeclared)."""

from __future__ import annotations

import re

from ingest.bindings import Binding, ImportResult, RepoFiles
from ingest.model import ParsedFile

_VERSION = re.compile(r"^v\d+$")


class GoImports:
    """Go import resolution with its index: package directory → its non-test files."""

    def __init__(self, repo: RepoFiles) -> None:
        self.repo = repo
        self.files_by_dir: dict[str, list[str]] = {}
        for p in sorted(repo.all_files):
            if p.endswith(".go") and not p.endswith("_test.go"):
                self.files_by_dir.setdefault(p.rsplit("/", 1)[0] if "/" in p else "", []).append(p)
        self.declared = sorted(
            (d.name for d in repo.ctx.packages if d.ecosystem == "go"), key=len, reverse=True
        )

    def resolve_file(self, pf: ParsedFile) -> ImportResult:
        return _resolve(self, pf)


def _resolve(idx: GoImports, pf: ParsedFile) -> ImportResult:
    r = idx.repo
    res = ImportResult()
    mod = r.ctx.go_module
    declared = idx.declared
    for ref in pf.imports:
        spec = ref.module
        segs = spec.split("/")
        local = ref.alias or (segs[-2] if len(segs) > 1 and _VERSION.match(segs[-1]) else segs[-1])
        if mod and (spec == mod or spec.startswith(mod + "/")):
            files = idx.files_by_dir.get(spec[len(mod) + 1 :] if spec != mod else "", [])
            if not files:
                res.unresolved += 1
                continue
            res.files.update(files)
            if local == ".":
                res.stars.append(files[0])
            elif local != "_":
                res.bindings[local] = Binding("gopkg", files[0])
            continue
        pkg = next((d for d in declared if spec == d or spec.startswith(d + "/")), None)
        if pkg:
            res.packages.add(r.package_node("go", pkg))
        else:
            mid, name = r.module_node(spec)
            res.modules[mid] = name
        res.bindings[local] = Binding("external")
    return res
