"""Source bytes → :class:`ParsedFile`, with one tree-sitter grammar per language.

Each language module exposes ``extract(path, lang, source, tree) -> ParsedFile``. Parsers and compiled
queries are cached per process (module-level dicts) because building them costs far more than
parsing a typical file.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from tree_sitter import Node, Parser, Query, Tree
from tree_sitter_language_pack import get_language, get_parser

from ingest.model import ParsedFile, SymbolDef

_PARSERS: dict[str, Parser] = {}
_QUERIES: dict[tuple[str, str], Query] = {}


def parser_for(lang: str) -> Parser:
    parser = _PARSERS.get(lang)
    if parser is None:
        parser = _PARSERS[lang] = get_parser(lang)  # type: ignore[arg-type]
    return parser


def query_for(grammar: str, text: str) -> Query:
    key = (grammar, text)
    query = _QUERIES.get(key)
    if query is None:
        query = _QUERIES[key] = Query(get_language(grammar), text)  # type: ignore[arg-type]
    return query


def count_errors(tree: Tree) -> int:
    """Number of ERROR and MISSING nodes; walks the tree only when the root says it has errors."""
    root = tree.root_node
    if not root.has_error:
        return 0
    count = 0
    cursor = tree.walk()
    while True:
        node: Node = cursor.node  # type: ignore[assignment]
        if node.is_error or node.is_missing:
            count += 1
        if node.has_error and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return count


def count_loc(source: bytes) -> int:
    """Lines of text (a final line without newline counts)."""
    if not source:
        return 0
    return source.count(b"\n") + (0 if source.endswith(b"\n") else 1)


class QnameDeduper:
    """Makes qualified names unique within a file: the 2nd, 3rd... occurrence gets ``#2``, ``#3``."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, qn: str) -> str:
        n = self._seen.get(qn, 0) + 1
        self._seen[qn] = n
        return qn if n == 1 else f"{qn}#{n}"

    def __contains__(self, qn: str) -> bool:
        return qn in self._seen


def module_symbol(name: str, qualified_name: str, root: Node, is_test: bool = False) -> SymbolDef:
    """The file's Module symbol (always the first symbol of a :class:`ParsedFile`), spanning the file."""
    end = max(root.end_point[0] + 1, 1)
    return SymbolDef("Module", name, qualified_name, "", 1, end, True, None, is_test)


_MODULES: dict[str, str] = {
    "python": "python",
    "typescript": "typescript",
    "tsx": "typescript",
    "javascript": "typescript",
    "go": "go",
    "rust": "rust",
    "java": "java",
}
_EXTRACTORS: dict[str, Callable[..., Any]] = {}


def _grammar(lang: str, path: str) -> str:
    """The grammar for a file: the javascript grammar also parses JSX, so .jsx needs no special case."""
    return lang


def parse_source(path: str, lang: str, source: bytes) -> ParsedFile:
    """Parse ``source`` (the file at repo-relative ``path``) and extract symbols, imports, calls and
    heritage. Never raises on syntax errors: whatever parsed is returned and ``parse_errors`` > 0."""
    extract = _EXTRACTORS.get(lang)
    if extract is None:
        module = _MODULES.get(lang)
        if module is None:
            raise ValueError(f"unsupported language: {lang}")
        extract = _EXTRACTORS[lang] = importlib.import_module(f"ingest.parsing.{module}").extract
    grammar = _grammar(lang, path)
    tree = parser_for(grammar).parse(source)
    parsed: ParsedFile = extract(path, lang, source, tree, grammar)
    parsed.parse_errors = count_errors(tree)
    parsed.loc = count_loc(source)
    return parsed
