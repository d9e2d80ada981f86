"""Go imports: paths under the go.mod module → every non-test file of that directory; else a
declared module (longest prefix of a ``require``); else a module node (stdlib or undeclared)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ingest.model import ParsedFile

if TYPE_CHECKING:
    from ingest.resolve import Resolver

_VERSION = re.compile(r"^v\d+$")


def _files_in(r: Resolver, directory: str) -> list[str]:
    index: dict[str, list[str]] | None = getattr(r, "_go_files", None)
    if index is None:
        index = {}
        for p in sorted(r.all_files):
            if p.endswith(".go") and not p.endswith("_test.go"):
                index.setdefault(p.rsplit("/", 1)[0] if "/" in p else "", []).append(p)
        r._go_files = index  # type: ignore[attr-defined]
    return index.get(directory, [])


def resolve_file(r: Resolver, pf: ParsedFile):  # type: ignore[no-untyped-def]
    from ingest.resolve import Binding, ImportResult

    res = ImportResult(set(), set(), {}, {}, [], 0)
    mod = r.ctx.go_module
    declared = sorted((d.name for d in r.ctx.packages if d.ecosystem == "go"), key=len, reverse=True)
    for ref in pf.imports:
        spec = ref.module
        segs = spec.split("/")
        local = ref.alias or (segs[-2] if len(segs) > 1 and _VERSION.match(segs[-1]) else segs[-1])
        if mod and (spec == mod or spec.startswith(mod + "/")):
            files = _files_in(r, spec[len(mod) + 1 :] if spec != mod else "")
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
