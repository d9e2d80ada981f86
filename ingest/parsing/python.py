"""Python extraction with one tree-sitter query per file.

Kind rules: every class is a ``Class``; a function whose definition sits directly in a class body
(possibly decorated) is a ``Method``; every other function (nested ones included) is a ``Function``;
simple-name assignment targets directly at module level are ``Var`` s (only the first binding of a
name, so re-assignments do not create ``#2`` variables). A single query match stream (in document
order) drives a stack of open scopes, which gives each call its innermost enclosing symbol without a
per-node Python walk.
"""

from __future__ import annotations

import re

from tree_sitter import Node, QueryCursor, Tree

from ingest.model import CallRef, HeritageRef, ImportRef, ParsedFile, SymbolDef
from ingest.parsing import QnameDeduper, module_symbol, query_for

QUERY = """
(function_definition name: (identifier) @name) @func
(class_definition name: (identifier) @name) @class
(call function: [(identifier) (attribute)] @callee)
(import_statement) @import
(import_from_statement) @from
(module (assignment left: (identifier) @var))
(module (expression_statement (assignment left: (identifier) @var)))
"""

_DOTTED = re.compile(rb"[A-Za-z_][\w.]*")
_WS = re.compile(rb"\s+")


def module_name(path: str) -> str:
    """``pkg/sub/mod.py`` → ``pkg.sub.mod``; ``pkg/__init__.py`` → ``pkg``; a leading ``src/`` is
    dropped (the src layout). The resolver maps imports with the real source roots instead."""
    p = path.removeprefix("src/")
    p = p.removesuffix(".py")
    if p.endswith("/__init__") or p == "__init__":
        p = p[: -len("__init__")].rstrip("/")
    return p.replace("/", ".") or "__init__"


def is_test_path(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    if name.startswith("test_") or name.endswith("_test.py"):
        return True
    return any(part in ("tests", "test") for part in path.split("/")[:-1])


def _callee_text(node: Node) -> str:
    raw = node.text or b""
    if _DOTTED.fullmatch(raw):
        return raw.decode()
    compact = _WS.sub(b"", raw)
    if _DOTTED.fullmatch(compact):
        return compact.decode()
    attr = node.child_by_field_name("attribute")
    if attr is None:
        return "?"
    obj = node.child_by_field_name("object")
    if obj is not None and obj.type == "call" and compact.startswith(b"super()."):
        return "super()." + (attr.text or b"").decode()
    return "?." + (attr.text or b"").decode()


def _in_class_body(node: Node) -> Node | None:
    """The class_definition whose body directly contains ``node`` (a def or decorated def)."""
    parent = node.parent
    if parent is not None and parent.type == "decorated_definition":
        parent = parent.parent
    if parent is not None and parent.type == "block":
        owner = parent.parent
        if owner is not None and owner.type == "class_definition":
            return owner
    return None


def _signature(node: Node, source: bytes) -> str:
    body = node.child_by_field_name("body")
    end = body.start_byte if body is not None else node.end_byte
    text = source[node.start_byte : end].decode("utf-8", "replace").strip()
    text = " ".join(text.split())
    return text[:-1].rstrip() if text.endswith(":") else text


def _is_type_checking(node: Node) -> bool:
    parent = node.parent
    while parent is not None and parent.type != "module":
        if parent.type == "if_statement":
            cond = parent.child_by_field_name("condition")
            if cond is not None and b"TYPE_CHECKING" in (cond.text or b""):
                return True
        parent = parent.parent
    return False


def _imports(node: Node, is_from: bool) -> list[ImportRef]:
    line = node.start_point[0] + 1
    type_only = node.parent is not None and node.parent.type != "module" and _is_type_checking(node)
    refs: list[ImportRef] = []
    if not is_from:
        for child in node.children_by_field_name("name"):
            if child.type == "aliased_import":
                name = child.child_by_field_name("name")
                alias = child.child_by_field_name("alias")
                refs.append(ImportRef(_txt(name), (), _txt(alias) or None, 0, line, type_only))
            else:
                refs.append(ImportRef(_txt(child), (), None, 0, line, type_only))
        return refs
    mod = node.child_by_field_name("module_name")
    level = 0
    module = ""
    if mod is not None:
        if mod.type == "relative_import":
            for c in mod.children:
                if c.type == "import_prefix":
                    level = len(_txt(c).strip())
                elif c.type == "dotted_name":
                    module = _txt(c)
        else:
            module = _txt(mod)
    plain: list[str] = []
    for child in node.children_by_field_name("name"):
        if child.type == "aliased_import":
            name = child.child_by_field_name("name")
            alias = child.child_by_field_name("alias")
            refs.append(ImportRef(module, (_txt(name),), _txt(alias) or None, level, line, type_only))
        else:
            plain.append(_txt(child))
    if any(c.type == "wildcard_import" for c in node.children):
        plain.append("*")
    if plain:
        refs.insert(0, ImportRef(module, tuple(plain), None, level, line, type_only))
    return refs


def _txt(node: Node | None) -> str:
    return (node.text or b"").decode("utf-8", "replace") if node is not None else ""


def extract(path: str, lang: str, source: bytes, tree: Tree, grammar: str) -> ParsedFile:
    modname = module_name(path)
    test_file = is_test_path(path)
    root = tree.root_node
    symbols: list[SymbolDef] = [module_symbol(modname.rsplit(".", 1)[-1], modname, root)]
    imports: list[ImportRef] = []
    calls: list[CallRef] = []
    heritage: list[HeritageRef] = []
    dedupe = QnameDeduper()
    dedupe(modname)
    module_vars: set[str] = set()
    # stack of (end_byte, qn, kind, node_id) for open scopes; the module is the sentinel
    stack: list[tuple[int, str, str, int]] = [(1 << 62, modname, "Module", -1)]
    qn_by_node: dict[int, str] = {}
    cursor_query = query_for(grammar, QUERY)
    for _pattern, caps in QueryCursor(cursor_query).matches(root):
        if "callee" in caps:
            node = caps["callee"][0]
            start = node.start_byte
            while stack[-1][0] <= start:
                stack.pop()
            calls.append(CallRef(stack[-1][1], _callee_text(node), node.start_point[0] + 1))
            continue
        if "func" in caps or "class" in caps:
            is_class = "class" in caps
            node = caps["class"][0] if is_class else caps["func"][0]
            start = node.start_byte
            while stack[-1][0] <= start:
                stack.pop()
            name = _txt(caps["name"][0])
            parent_qn = stack[-1][1]
            parent_kind = stack[-1][2]
            if is_class:
                kind = "Class"
            else:
                owner = _in_class_body(node)
                kind = "Method" if owner is not None and owner.id == stack[-1][3] else "Function"
            qn = dedupe(f"{parent_qn}.{name}")
            if is_class:
                test = test_file and name.startswith("Test")
            else:
                test = test_file and name.startswith("test")
            start_line = node.start_point[0] + 1
            symbols.append(
                SymbolDef(
                    kind,
                    name,
                    qn,
                    _signature(node, source),
                    start_line,
                    node.end_point[0] + 1,
                    not name.startswith("_"),
                    parent_qn if parent_kind != "Module" else modname,
                    test,
                )
            )
            stack.append((node.end_byte, qn, kind, node.id))
            qn_by_node[node.id] = qn
            if is_class:
                supers = node.child_by_field_name("superclasses")
                if supers is not None:
                    for base in supers.named_children:
                        if base.type in ("identifier", "attribute"):
                            heritage.append(HeritageRef(qn, _callee_text(base), "EXTENDS", start_line))
            continue
        if "import" in caps:
            imports.extend(_imports(caps["import"][0], False))
        elif "from" in caps:
            imports.extend(_imports(caps["from"][0], True))
        elif "var" in caps:
            node = caps["var"][0]
            name = _txt(node)
            qn = f"{modname}.{name}"
            if name in module_vars or qn in dedupe:
                continue
            module_vars.add(name)
            stmt = node.parent
            assert stmt is not None
            line = node.start_point[0] + 1
            symbols.append(
                SymbolDef(
                    "Var",
                    name,
                    dedupe(qn),
                    "",
                    line,
                    stmt.end_point[0] + 1,
                    not name.startswith("_"),
                    modname,
                    False,
                )
            )
    return ParsedFile(path, lang, symbols, imports, calls, heritage, 0, 0)
