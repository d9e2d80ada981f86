"""Call-graph accuracy (issue 13): the hub's CALLS edges against an independent resolver, pair by pair.

    .venv/bin/python bench/calls_accuracy.py                  # click, requests, flask, httpx (Python)
    .venv/bin/python bench/calls_accuracy.py --corpus DIR ... # any directory holding Python packages
    .venv/bin/python bench/calls_accuracy.py --ts             # a TypeScript project (compiler API)

Python: every call site of the corpus (``ast.Call``, found independently of the hub's parser) is
resolved with jedi (``goto``, then ``infer`` when goto stops at a variable). A site jedi resolves to a
function or class of the corpus gives a *true pair* (enclosing symbol → definition); a site jedi
resolves outside the corpus (builtins, stdlib, dependencies) is *decided external*; a site jedi
cannot resolve is *undecided*. The hub's CALLS edges (from the same resolver the pipeline runs, no
database needed) are then scored:

- an edge is **right** when its pair is a true pair;
- **wrong** when it is not, and some site in its caller with the callee's name was decided by jedi;
- **undecided** otherwise (only jedi-unresolved sites could have produced it).

Precision = right / (right + wrong), per confidence level and overall; recall = true pairs the hub
has / all true pairs. Examples of each error kind are printed. TypeScript: ``bench/ts_calls.mjs``
asks the TypeScript compiler API for every call expression's declaration and the same scoring runs
(the hub's TS edges against the checker's). Nothing is written to a database.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.languages import detect_language  # noqa: E402
from ingest.model import ParsedFile, SymbolDef  # noqa: E402
from ingest.parsing import parse_source  # noqa: E402
from ingest.repo_context import build_repo_context  # noqa: E402
from ingest.resolve import Resolver  # noqa: E402

OUT = ROOT / "bench" / "out" / "corpora"
REPO = "bench-repo"
PY_CORPORA = {  # name: (pip requirement, package directory inside the sdist)
    "click": ("click==8.1.8", "src/click"),
    "requests": ("requests==2.32.3", "src/requests"),
    "flask": ("flask==3.1.0", "src/flask"),
    "httpx": ("httpx==0.28.1", "httpx"),
}
TS_CORPORA = {  # name: (git repository, commit, source directory)
    "got": ("https://github.com/sindresorhus/got", "d00d845a", "source"),
    "ky": ("https://github.com/sindresorhus/ky", "3419113", "source"),
}

Pair = tuple[str, str]  # (caller "path::qn", callee "path::qn")


# --- corpora ------------------------------------------------------------------------------------


def sdist(requirement: str) -> Path:
    """Download and unpack a PyPI sdist once under bench/out/corpora."""
    name = requirement.split("==")[0]
    target = OUT / requirement.replace("==", "-")
    if target.exists():
        return target
    download = OUT / "download"
    download.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                    requirement, "-d", str(download)], check=True)  # fmt: skip
    archive = next(p for p in download.glob("*.tar.gz") if p.name.lower().startswith(name.lower()))
    unpack = OUT / "unpack"
    shutil.unpack_archive(archive, unpack, filter="data")
    source = next(p for p in unpack.iterdir() if p.is_dir() and p.name.lower().startswith(name.lower()))
    shutil.move(source, target)
    return target


def git_checkout(name: str, url: str, commit: str) -> Path:
    """A repository at ``commit`` under bench/out/corpora/NAME (cloned once; an existing directory,
    for example an export of a mirror, is used as it is)."""
    target = OUT / name
    if not target.exists():
        subprocess.run(["git", "clone", "-q", "--", url, str(target)], check=True)
        subprocess.run(["git", "-C", str(target), "checkout", "-q", commit, "--"], check=True)
    return target


# --- the hub's side -----------------------------------------------------------------------------


@dataclass
class HubEdges:
    """The hub's CALLS edges as (caller, callee) → (confidence, evidence), keyed by ``path::qn``."""

    edges: dict[Pair, tuple[float, str]]
    symbols: dict[str, SymbolDef]  # "path::qn" -> symbol
    parsed: dict[str, ParsedFile]
    cross_language: int = 0


def hub_edges(root: Path, paths: Iterable[str]) -> HubEdges:
    parsed: dict[str, ParsedFile] = {}
    for rel in sorted(paths):
        lang = detect_language(rel)
        if lang:
            parsed[rel] = parse_source(rel, lang, (root / rel).read_bytes())
    resolver = Resolver(REPO, build_repo_context(root, list(parsed)), parsed)
    resolution = resolver.run()
    by_sid: dict[str, str] = {}
    symbols: dict[str, SymbolDef] = {}
    lang_of: dict[str, str] = {}
    for path, pf in parsed.items():
        for s in pf.symbols:
            key = f"{path}::{s.qualified_name}"
            by_sid[resolver.sid((path, s.qualified_name))] = key
            symbols[key] = s
            lang_of[key] = pf.lang
    edges: dict[Pair, tuple[float, str]] = {}
    cross = 0
    for e in resolution.all_edges():
        if e.type != "CALLS":
            continue
        pair = (by_sid[e.src], by_sid[e.dst])
        edges[pair] = (e.confidence, e.evidence)
        if _family(lang_of[pair[0]]) != _family(lang_of[pair[1]]):
            cross += 1
    return HubEdges(edges, symbols, parsed, cross)


def _family(lang: str) -> str:
    return "js" if lang in ("typescript", "tsx", "javascript") else lang


# --- the independent side: jedi -----------------------------------------------------------------


@dataclass
class Site:
    path: str
    line: int
    col: int
    caller: str  # "path::qn"
    name: str  # the called name (last segment)
    text: str  # the callee expression as written
    outcome: str = "undecided"  # "corpus" | "external" | "undecided"
    targets: list[str] = field(default_factory=list)  # "path::qn" for corpus outcomes


def _symbol_index(parsed: dict[str, ParsedFile]) -> dict[tuple[str, str, int], str]:
    """(path, name, first line) → "path::qn" for classes and functions."""
    index: dict[tuple[str, str, int], str] = {}
    for path, pf in parsed.items():
        for s in pf.symbols:
            if s.kind in ("Class", "Function", "Method"):
                index.setdefault((path, s.name, s.range_start), f"{path}::{s.qualified_name}")
    return index


def python_sites(root: Path, parsed: dict[str, ParsedFile]) -> list[Site]:
    """Every call site, attributed to its innermost enclosing def/class (the module otherwise)."""
    index = _symbol_index(parsed)
    sites: list[Site] = []
    for path, pf in sorted(parsed.items()):
        if pf.lang != "python":
            continue
        tree = ast.parse((root / path).read_bytes())
        module_key = f"{path}::{pf.module.qualified_name}"

        def visit(node: ast.AST, caller: str, path: str = path) -> None:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                # decorators run in the enclosing scope; the hub's parser attributes everything else
                # in the def's span (arguments, defaults, bases, body) to the def itself
                for deco in node.decorator_list:
                    visit(deco, caller)
                scope = index.get((path, node.name, node.lineno), caller)
                for child in ast.iter_child_nodes(node):
                    if child not in node.decorator_list:
                        visit(child, scope)
                return
            if isinstance(node, ast.Call):
                site = _site(path, node, caller)
                if site:
                    sites.append(site)
            for child in ast.iter_child_nodes(node):
                visit(child, caller)

        visit(tree, module_key)
    return sites


def _site(path: str, call: ast.Call, caller: str) -> Site | None:
    func = call.func
    if isinstance(func, ast.Name):
        return Site(path, func.lineno, func.col_offset, caller, func.id, func.id)
    if isinstance(func, ast.Attribute) and func.end_lineno is not None and func.end_col_offset is not None:
        col = func.end_col_offset - len(func.attr)
        return Site(path, func.end_lineno, col, caller, func.attr, ast.unparse(func))
    return None


def resolve_with_jedi(root: Path, sites: list[Site], parsed: dict[str, ParsedFile]) -> None:
    import jedi  # a dev extra; the bench alone needs it

    index = _symbol_index(parsed)
    project = jedi.Project(path=str(root), added_sys_path=[str(root)])
    by_file: dict[str, list[Site]] = defaultdict(list)
    for s in sites:
        by_file[s.path].append(s)
    for path, file_sites in sorted(by_file.items()):
        script = jedi.Script(path=str(root / path), project=project)
        for site in file_sites:
            names = _jedi_targets(script, site)
            corpus, external = [], False
            for n in names:
                mod = n.module_path
                if n.type not in ("function", "class"):
                    continue
                if mod is None or not str(mod).startswith(str(root) + os.sep):
                    external = True
                    continue
                rel = str(Path(mod).relative_to(root)).replace(os.sep, "/")
                key = index.get((rel, n.name, n.line))
                if key:
                    corpus.append(key)
                else:
                    external = True  # a stub or something the hub has no symbol for
            if corpus:
                site.outcome, site.targets = "corpus", sorted(set(corpus))
            elif external:
                site.outcome = "external"


def _jedi_targets(script, site: Site) -> list:  # type: ignore[no-untyped-def]
    try:
        names = script.goto(site.line, site.col, follow_imports=True)
        if any(n.type in ("function", "class") for n in names):
            return names
        return script.infer(site.line, site.col)
    except Exception:  # jedi raises on odd corners of real code; such a site stays undecided
        return []


# --- scoring ------------------------------------------------------------------------------------


@dataclass
class Score:
    by_conf: dict[tuple[float, str], Counter[str]]  # (confidence, evidence) -> right/wrong/undecided
    recall_found: int
    recall_total: int
    errors: dict[str, list[str]]
    error_counts: Counter[str]
    sites: Counter[str]
    cross_language: int

    def precision(self, conf: float | None = None) -> float:
        counts = Counter[str]()
        for (c, _evidence), n in self.by_conf.items():
            if conf is None or c == conf:
                counts += n
        decided = counts["right"] + counts["wrong"]
        return counts["right"] / decided if decided else 1.0

    @property
    def recall(self) -> float:
        return self.recall_found / self.recall_total if self.recall_total else 1.0


def score(hub: HubEdges, sites: list[Site], examples: int = 6) -> Score:
    truth: dict[Pair, list[Site]] = defaultdict(list)
    decided_by_name: dict[tuple[str, str], list[Site]] = defaultdict(list)
    for s in sites:
        if s.outcome == "corpus":
            for t in s.targets:
                truth[(s.caller, t)].append(s)
        if s.outcome != "undecided":
            decided_by_name[(s.caller, s.name)].append(s)
    by_conf: dict[tuple[float, str], Counter[str]] = defaultdict(Counter)
    errors: dict[str, list[str]] = defaultdict(list)
    counts = Counter[str]()
    for (src, dst), (conf, evidence) in sorted(hub.edges.items()):
        name = hub.symbols[dst].name
        if (src, dst) in truth:
            by_conf[(conf, evidence)]["right"] += 1
            continue
        decided = decided_by_name.get((src, name))
        if not decided:
            by_conf[(conf, evidence)]["undecided"] += 1
            continue
        by_conf[(conf, evidence)]["wrong"] += 1
        s = decided[0]
        said = ", ".join(s.targets) if s.outcome == "corpus" else "outside the corpus"
        kind = f"wrong at {conf} ({evidence or 'no evidence'})"
        counts[kind] += 1
        if len(errors[kind]) < examples:
            errors[kind].append(f"{s.path}:{s.line} `{s.text}` → hub {dst}; oracle: {said}")
    found = 0
    for (src, dst), where in sorted(truth.items()):
        if (src, dst) in hub.edges:
            found += 1
            continue
        s = where[0]
        kind = "missed " + _shape(s.text)
        counts[kind] += 1
        if len(errors[kind]) < examples:
            errors[kind].append(f"{s.path}:{s.line} `{s.text}` in {src} → {dst}")
    return Score(dict(by_conf), found, len(truth), dict(errors), counts, Counter(s.outcome for s in sites),
                 hub.cross_language)  # fmt: skip


def _shape(text: str) -> str:
    if text.startswith("super()"):
        return "super() call"
    if "." not in text:
        return "bare-name call"
    head = text.split(".", 1)[0]
    if head in ("self", "cls"):
        return "self/cls call"
    return "attribute call"


# --- report -------------------------------------------------------------------------------------


def report(name: str, sc: Score, seconds: float) -> str:
    lines = [f"#### {name}", ""]
    lines.append(f"Sites: {dict(sc.sites)}; scored in {seconds:.1f} s. "
                 f"Cross-language edges: {sc.cross_language}.")  # fmt: skip
    lines.append("")
    lines.append("| confidence | evidence | edges | right | wrong | undecided | precision |")
    lines.append("| --- | --- | --- | --- | --- | --- | --- |")
    for conf, evidence in sorted(sc.by_conf, reverse=True):
        c = sc.by_conf[(conf, evidence)]
        total = c["right"] + c["wrong"] + c["undecided"]
        decided = c["right"] + c["wrong"]
        precision = f"{c['right'] / decided:.3f}" if decided else "-"
        lines.append(f"| {conf} | {evidence or '-'} | {total} | {c['right']} | {c['wrong']} | "
                     f"{c['undecided']} | {precision} |")  # fmt: skip
    totals = Counter[str]()
    for c in sc.by_conf.values():
        totals += c
    lines.append(f"| all | | {sum(totals.values())} | {totals['right']} | {totals['wrong']} | "
                 f"{totals['undecided']} | **{sc.precision():.3f}** |")  # fmt: skip
    lines.append("")
    lines.append(f"Recall: {sc.recall_found} / {sc.recall_total} = **{sc.recall:.3f}**")
    for kind, items in sorted(sc.errors.items()):
        lines.append("")
        lines.append(f"{kind} ({sc.error_counts[kind]}):")
        lines.extend(f"- {i}" for i in items)
    return "\n".join(lines)


def run_python(name: str, root: Path, package: str) -> tuple[Score, str]:
    started = time.perf_counter()
    paths = [str(p.relative_to(root)) for p in (root / package).rglob("*.py")]
    hub = hub_edges(root, paths)
    sites = python_sites(root, hub.parsed)
    resolve_with_jedi(root, sites, hub.parsed)
    sc = score(hub, sites)
    return sc, report(name, sc, time.perf_counter() - started)


def run_typescript(root: Path, source_dir: str) -> tuple[Score, str]:
    """The hub's TS edges against the TypeScript checker's declarations (bench/ts_calls.mjs)."""
    started = time.perf_counter()
    paths = [str(p.relative_to(root)) for p in (root / source_dir).rglob("*.ts")
             if not p.name.endswith(".d.ts")]  # fmt: skip
    hub = hub_edges(root, paths)
    node_modules = _typescript_location()
    proc = subprocess.run(["node", str(ROOT / "bench" / "ts_calls.mjs"), str(root), *sorted(paths)],
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "NODE_PATH": str(node_modules)})  # fmt: skip
    index = _symbol_index(hub.parsed)
    sites: list[Site] = []
    for row in json.loads(proc.stdout):
        caller = _ts_caller(hub.parsed[row["path"]], row["line"], row["path"])
        site = Site(row["path"], row["line"], row["col"], caller, row["name"], row["text"])
        if row["decl"] is None:
            site.outcome = "undecided"
        elif row["decl"]["path"] is None:
            site.outcome = "external"
        else:
            key = index.get((row["decl"]["path"], row["decl"]["name"], row["decl"]["line"]))
            site.outcome, site.targets = ("corpus", [key]) if key else ("external", [])
        sites.append(site)
    sc = score(hub, sites)
    return sc, report(f"TypeScript: {root.name}/{source_dir}", sc, time.perf_counter() - started)


def _ts_caller(pf: ParsedFile, line: int, path: str) -> str:
    """The innermost symbol of the hub whose lines hold ``line`` (the module otherwise)."""
    best = pf.module
    for s in pf.symbols[1:]:
        inside = s.kind in ("Class", "Function", "Method") and s.range_start <= line <= s.range_end
        if inside and s.range_end - s.range_start <= best.range_end - best.range_start:
            best = s
    return f"{path}::{best.qualified_name}"


def _typescript_location() -> Path:
    for candidate in (ROOT / "bench" / "node_modules", ROOT / "web" / "node_modules"):
        if (candidate / "typescript").is_dir():
            return candidate
    raise SystemExit("the typescript npm package is needed: run `make web` (or npm i typescript in bench/)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", nargs="*", help="name=DIR:PACKAGE entries instead of the default set")
    ap.add_argument("--ts", action="store_true", help="also measure the TypeScript corpus")
    ap.add_argument("--only-ts", action="store_true", help="measure only the TypeScript corpus")
    ap.add_argument("--json", type=Path, help="write the figures as JSON here too")
    args = ap.parse_args()
    load = os.getloadavg()
    print(f"### Call accuracy ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f})\n")  # fmt: skip
    figures: dict[str, dict[str, float]] = {}
    corpora: list[tuple[str, Path, str]] = []
    if args.corpus:
        for entry in args.corpus:
            name, _, spec = entry.partition("=")
            directory, _, package = spec.partition(":")
            corpora.append((name, Path(directory).resolve(), package))
    elif not args.only_ts:
        for name, (requirement, package) in PY_CORPORA.items():
            sdir = sdist(requirement)
            root = sdir / package.rsplit("/", 1)[0] if "/" in package else sdir
            corpora.append((name, root, package.rsplit("/", 1)[-1]))
    for name, root, package in corpora:
        sc, text = run_python(name, root, package)
        figures[name] = {"precision": sc.precision(), "recall": sc.recall}
        print(text + "\n", flush=True)
    if args.ts or args.only_ts:
        for name, (url, commit, source_dir) in TS_CORPORA.items():
            sc, text = run_typescript(git_checkout(name, url, commit), source_dir)
            figures[f"{name} (TS)"] = {"precision": sc.precision(), "recall": sc.recall}
            print(text + "\n", flush=True)
    print("| corpus | precision | recall |\n| --- | --- | --- |")
    for name, f in figures.items():
        print(f"| {name} | {f['precision']:.3f} | {f['recall']:.3f} |")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
