"""Helpers shared by the ingestion tests: parse a directory tree and resolve it."""

from __future__ import annotations

from pathlib import Path

from ingest.languages import detect_language
from ingest.model import ParsedFile, RepoContext, Resolution
from ingest.parsing import parse_source
from ingest.repo_context import build_repo_context
from ingest.resolve import resolve

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REPO = "repo-test"


def parse_tree(root: Path, prefix: str = "") -> dict[str, ParsedFile]:
    """Parse every supported file under ``root``; paths are relative to ``root`` (plus ``prefix``)."""
    out: dict[str, ParsedFile] = {}
    for f in sorted(root.rglob("*")):
        if not f.is_file() or "__pycache__" in f.parts:
            continue
        rel = prefix + f.relative_to(root).as_posix()
        lang = detect_language(rel)
        if lang:
            out[rel] = parse_source(rel, lang, f.read_bytes())
    return out


def load_fixture(name: str) -> tuple[RepoContext, dict[str, ParsedFile], Resolution]:
    root = FIXTURES / name
    paths = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    ctx = build_repo_context(root, paths)
    parsed = parse_tree(root)
    return ctx, parsed, resolve(REPO, ctx, parsed)


def qn_index(parsed: dict[str, ParsedFile]) -> dict[str, tuple[str, str]]:
    """symbol id → (path, qualified name), to turn edges back into readable pairs."""
    from ingest.ids import file_id, symbol_id

    out: dict[str, tuple[str, str]] = {}
    for path, pf in parsed.items():
        out[file_id(REPO, path)] = (path, "<file>")
        for s in pf.symbols:
            out[symbol_id(REPO, path, s.qualified_name)] = (path, s.qualified_name)
    return out


def edge_pairs(
    parsed: dict[str, ParsedFile], res: Resolution, etype: str, min_conf: float = 0.0
) -> set[tuple[str, str]]:
    """(src, dst) as qualified names (or file paths for IMPORTS to files)."""
    idx = qn_index(parsed)
    out = set()
    for e in res.all_edges():
        if e.type != etype or e.confidence < min_conf:
            continue
        src = idx.get(e.src, ("?", e.src))
        dst = idx.get(e.dst, ("?", e.dst))
        out.add((src[1] if src[1] != "<file>" else src[0], dst[1] if dst[1] != "<file>" else dst[0]))
    return out
