"""TS/JS imports: relative specifiers with extension/index probing, tsconfig ``paths``/``baseUrl``,
npm packages (``@scope/name``, ``lodash/fp`` → ``lodash``) and Node builtins as modules."""

from __future__ import annotations

import posixpath

from ingest.bindings import Binding, ImportResult, RepoFiles
from ingest.model import ParsedFile

EXTS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs")
NODE_BUILTINS = frozenset(
    [
        "assert",
        "async_hooks",
        "buffer",
        "child_process",
        "cluster",
        "console",
        "constants",
        "crypto",
        "dgram",
        "diagnostics_channel",
        "dns",
        "domain",
        "events",
        "fs",
        "http",
        "http2",
        "https",
        "inspector",
        "module",
        "net",
        "os",
        "path",
        "perf_hooks",
        "process",
        "punycode",
        "querystring",
        "readline",
        "repl",
        "stream",
        "string_decoder",
        "sys",
        "timers",
        "tls",
        "trace_events",
        "tty",
        "url",
        "util",
        "v8",
        "vm",
        "wasi",
        "worker_threads",
        "zlib",
        "test",
    ]
)


def probe(r: RepoFiles, base: str) -> str | None:
    """The file a module path without/with extension denotes (``x`` → ``x.ts`` … ``x/index.ts`` …)."""
    files = r.all_files
    base = posixpath.normpath(base) if base else base
    if base.startswith("../") or base == "..":
        return None
    base = "" if base == "." else base
    if base and base in files:
        return base
    stem, ext = posixpath.splitext(base)
    if ext in (".js", ".jsx", ".mjs", ".cjs"):  # ESM-style "./x.js" naming a TS source
        for e in (".ts", ".tsx", ".mts", ".cts"):
            if stem + e in files:
                return stem + e
    for e in EXTS:
        if base + e in files:
            return base + e
    prefix = f"{base}/index" if base else "index"
    for e in EXTS:
        if prefix + e in files:
            return prefix + e
    return None


def _via_tsconfig(r: RepoFiles, spec: str) -> str | None:
    base_url = r.ctx.ts_base_url
    root = base_url or ""
    best: tuple[int, list[str], str] | None = None
    for pattern, targets in r.ctx.ts_paths.items():
        if "*" in pattern:
            pre, _, post = pattern.partition("*")
            if spec.startswith(pre) and spec.endswith(post) and len(spec) >= len(pre) + len(post):
                star = spec[len(pre) : len(spec) - len(post)]
                if best is None or len(pre) > best[0]:
                    best = (len(pre), targets, star)
        elif pattern == spec:
            best = (1 << 30, targets, "")
            break
    if best is not None:
        for t in best[1]:
            hit = probe(r, posixpath.join(root, t.replace("*", best[2])))
            if hit:
                return hit
    if base_url is not None:
        return probe(r, posixpath.join(root, spec))
    return None


def package_name(spec: str) -> str:
    parts = spec.split("/")
    return "/".join(parts[:2]) if spec.startswith("@") and len(parts) > 1 else parts[0]


class TsImports:
    """TS/JS import resolution; it needs no index beyond the repo's file set."""

    def __init__(self, repo: RepoFiles) -> None:
        self.repo = repo

    def resolve_file(self, pf: ParsedFile) -> ImportResult:
        return _resolve(self.repo, pf)


def _resolve(r: RepoFiles, pf: ParsedFile) -> ImportResult:
    res = ImportResult()
    here = posixpath.dirname(pf.path)
    for ref in pf.imports:
        spec = ref.module
        if spec.startswith("."):
            target = probe(r, posixpath.join(here, spec))
            if target is None:
                res.unresolved += 1
                continue
        elif spec.startswith("/"):
            res.unresolved += 1
            continue
        else:
            target = _via_tsconfig(r, spec)
        if target is None:
            name = spec.removeprefix("node:")
            if spec.startswith("node:") or name.split("/")[0] in NODE_BUILTINS:
                mid, mname = r.module_node(name.split("/")[0])
                res.modules[mid] = mname
            else:
                res.packages.add(r.package_node("npm", package_name(spec)))
            for name in ref.names:
                res.bindings[ref.alias or name] = Binding("external")
            if ref.alias:
                res.bindings[ref.alias] = Binding("external")
            continue
        res.files.add(target)
        if not ref.names or ref.names == ("*",):
            if ref.alias:
                res.bindings[ref.alias] = Binding("file", target)
            elif ref.names:
                res.stars.append(target)
            continue
        for name in ref.names:
            # a default import is looked up by its local name (``import App from './App'``): we do not
            # record which declaration is the default export
            real = (ref.alias or name) if name == "default" else name
            res.bindings[ref.alias or name] = Binding("symbol", target, real)
    return res
