"""Java imports: fully qualified class names → the repo file declaring that top-level type; a
wildcard → every file of that package; else a declared Maven artifact by groupId prefix; else a
module named by the first two segments (``java.util``). Same-package types are bound implicitly."""

from __future__ import annotations

from ingest.bindings import Binding, ImportResult, RepoFiles
from ingest.model import ParsedFile


class JavaImports:
    """Java import resolution with its index: fully qualified top-level type → its file."""

    def __init__(self, repo: RepoFiles) -> None:
        self.repo = repo
        self.types: dict[str, str] = {}
        for p in repo.paths:
            pf = repo.parsed[p]
            if pf.lang != "java":
                continue
            for s in pf.symbols:
                if s.kind != "Module" and s.parent_qn == pf.module.qualified_name:
                    self.types.setdefault(s.qualified_name, p)

    def resolve_file(self, pf: ParsedFile) -> ImportResult:
        return _resolve(self.repo, self.types, pf)


def _resolve(r: RepoFiles, index: dict[str, str], pf: ParsedFile) -> ImportResult:
    res = ImportResult()
    own_pkg = next(
        (s.qualified_name.rsplit(".", 1)[0] for s in pf.symbols[1:2] if "." in s.qualified_name), ""
    )
    for fqcn, path in index.items():
        if path != pf.path and own_pkg and fqcn.rsplit(".", 1)[0] == own_pkg:
            res.bindings[fqcn.rsplit(".", 1)[1]] = Binding("symbol", path, fqcn.rsplit(".", 1)[1])
    groups = sorted((d.name.split(":")[0], d.name) for d in r.ctx.packages if d.ecosystem == "maven")
    for ref in pf.imports:
        spec = ref.module
        if ref.names == ("*",):
            hits = sorted({p for q, p in index.items() if q.rsplit(".", 1)[0] == spec})
            if hits:
                res.files.update(hits)
                res.stars.extend(hits)
                continue
        else:
            parts = spec.split(".")
            for i in range(len(parts), 0, -1):
                path = index.get(".".join(parts[:i]))
                if path:
                    res.files.add(path)
                    res.bindings[ref.alias or parts[-1]] = Binding("symbol", path, parts[i - 1])
                    break
            else:
                path = None
            if path:
                continue
        group = next((name for g, name in groups if spec.startswith(g + ".")), None)
        if group:
            res.packages.add(r.package_node("maven", group))
        else:
            mid, name = r.module_node(".".join(spec.split(".")[:2]))
            res.modules[mid] = name
        res.bindings[spec.rsplit(".", 1)[-1]] = Binding("external")
    return res
