"""TypeScript / TSX / JavaScript / JSX extraction.

Kinds: ``Class`` (incl. abstract), ``Interface``, ``Type`` (type aliases and enums), ``Function``
(function declarations anywhere, and arrow/function expressions assigned to a module-level
``const``/``let``/``var``), ``Method`` (class methods *including constructors*, named ``constructor``,
and class fields initialised with an arrow/function expression, the React handler idiom), ``Var``
(other module-level variables). ``exported`` comes from ``export`` (inline, ``export {a}`` or
``export default a``). JSX elements with a capitalised name (``<Button/>``) are recorded as calls of
that component. ``require('x')`` and re-exports (``export … from 'x'``) are imports. In a test file
(``*.test.*``, ``*.spec.*``, ``__tests__/``) every symbol, the Module included, is a test symbol,
since ``describe``/``it`` bodies run at module level.
"""

from __future__ import annotations

import dataclasses
import re

from tree_sitter import Node, QueryCursor, Tree

from ingest.model import CallRef, HeritageRef, ImportRef, ParsedFile, SymbolDef
from ingest.parsing import QnameDeduper, module_symbol, query_for

_COMMON = """
(function_declaration name: (identifier) @name) @func
(generator_function_declaration name: (identifier) @name) @func
(class_declaration name: (_) @name) @class
(method_definition name: (_) @name) @method
(variable_declarator name: (identifier) @name) @var
(call_expression function: [(identifier) (member_expression)] @callee)
(new_expression constructor: [(identifier) (member_expression)] @callee)
(import_statement) @import
(export_statement source: (_)) @reexport
(export_statement (export_clause (export_specifier name: (_) @exported)))
(export_statement value: (identifier) @exported)
"""
_TS_ONLY = """
(abstract_class_declaration name: (_) @name) @class
(interface_declaration name: (_) @name) @iface
(type_alias_declaration name: (_) @name) @type
(enum_declaration name: (_) @name) @type
(public_field_definition name: (_) @name value: [(arrow_function) (function_expression)]) @method
"""
_JS_ONLY = """
(field_definition property: (_) @name value: [(arrow_function) (function_expression)]) @method
"""
_JSX = """
(jsx_opening_element name: (identifier) @jsx)
(jsx_self_closing_element name: (identifier) @jsx)
"""

_DOTTED = re.compile(rb"[A-Za-z_$][\w$.]*")
_WS = re.compile(rb"\s+")
_FUNC_VALUES = frozenset({"arrow_function", "function_expression", "function", "generator_function"})


def query_text(grammar: str) -> str:
    if grammar == "typescript":
        return _COMMON + _TS_ONLY
    if grammar == "tsx":
        return _COMMON + _TS_ONLY + _JSX
    return _COMMON + _JS_ONLY + _JSX


def module_name(path: str) -> str:
    for ext in (".d.ts", ".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"):
        if path.endswith(ext):
            return path[: -len(ext)]
    return path


def is_test_path(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return ".test." in name or ".spec." in name or "__tests__/" in path


def _txt(node: Node | None) -> str:
    return (node.text or b"").decode("utf-8", "replace") if node is not None else ""


def _dotted(node: Node) -> str:
    raw = node.text or b""
    if _DOTTED.fullmatch(raw):
        return raw.decode()
    compact = _WS.sub(b"", raw)
    if _DOTTED.fullmatch(compact):
        return compact.decode()
    prop = node.child_by_field_name("property")
    return "?." + _txt(prop) if prop is not None else "?"


def _string_value(node: Node | None) -> str | None:
    if node is None or node.type not in ("string", "template_string"):
        return None
    raw = _txt(node)
    return raw[1:-1] if len(raw) >= 2 else None


def _is_exported(node: Node) -> bool:
    parent = node.parent
    return parent is not None and parent.type == "export_statement"


def _at_module_level(decl: Node) -> bool:
    parent = decl.parent
    if parent is not None and parent.type == "export_statement":
        parent = parent.parent
    return parent is not None and parent.type == "program"


def _signature(node: Node, source: bytes) -> str:
    value = node.child_by_field_name("value") if node.type == "variable_declarator" else None
    body = (value if value is not None else node).child_by_field_name("body")
    end = body.start_byte if body is not None else node.end_byte
    text = " ".join(source[node.start_byte : end].decode("utf-8", "replace").split())
    return text[:200].rstrip(" ={")


def _base_name(node: Node) -> str:
    if node.type == "generic_type":
        inner = node.child_by_field_name("name") or (node.named_children[0] if node.named_children else None)
        return _base_name(inner) if inner is not None else _txt(node)
    if node.type in ("call_expression",):
        return "?"
    return _dotted(node)


def _heritage(node: Node, qn: str, line: int) -> list[HeritageRef]:
    out: list[HeritageRef] = []
    for child in node.children:
        if child.type == "class_heritage":
            for part in child.named_children:
                if part.type == "extends_clause":
                    for v in part.children_by_field_name("value"):
                        out.append(HeritageRef(qn, _base_name(v), "EXTENDS", line))
                elif part.type == "implements_clause":
                    for v in part.named_children:
                        out.append(HeritageRef(qn, _base_name(v), "IMPLEMENTS", line))
                else:  # javascript grammar: the heritage is the bare expression
                    out.append(HeritageRef(qn, _base_name(part), "EXTENDS", line))
        elif child.type == "extends_type_clause":
            for v in child.named_children:
                out.append(HeritageRef(qn, _base_name(v), "EXTENDS", line))
    return [h for h in out if h.base != "?"]


def _import_refs(node: Node, reexport: bool) -> list[ImportRef]:
    line = node.start_point[0] + 1
    spec = _string_value(node.child_by_field_name("source"))
    if spec is None:
        return []
    type_only = any(c.type == "type" for c in node.children)
    if reexport:
        clause = next((c for c in node.named_children if c.type == "export_clause"), None)
        if clause is None:
            ns = next((c for c in node.named_children if c.type in ("namespace_export", "identifier")), None)
            alias = _txt(ns.named_children[-1] if ns is not None and ns.named_children else ns) or None
            return [ImportRef(spec, ("*",), alias, 0, line, type_only)]
        refs: list[ImportRef] = []
        for s in clause.named_children:
            name, alias = _txt(s.child_by_field_name("name")), s.child_by_field_name("alias")
            refs.append(
                ImportRef(spec, (name,), _txt(alias) if alias is not None else None, 0, line, type_only)
            )
        return refs
    clause = next((c for c in node.named_children if c.type == "import_clause"), None)
    if clause is None:
        return [ImportRef(spec, (), None, 0, line, type_only)]
    refs: list[ImportRef] = []
    plain: list[str] = []
    for part in clause.named_children:
        if part.type == "identifier":
            refs.append(ImportRef(spec, ("default",), _txt(part), 0, line, type_only))
        elif part.type == "namespace_import":
            ident = part.named_children[-1] if part.named_children else None
            refs.append(ImportRef(spec, ("*",), _txt(ident) or None, 0, line, type_only))
        elif part.type == "named_imports":
            for s in part.named_children:
                if s.type != "import_specifier":
                    continue
                name = _txt(s.child_by_field_name("name"))
                alias = s.child_by_field_name("alias")
                spec_type_only = type_only or any(c.type == "type" for c in s.children)
                if alias is not None:
                    refs.append(ImportRef(spec, (name,), _txt(alias), 0, line, spec_type_only))
                else:
                    plain.append(name)
    if plain:
        refs.insert(0, ImportRef(spec, tuple(plain), None, 0, line, type_only))
    return refs


def _require(callee_node: Node) -> ImportRef | None:
    call = callee_node.parent
    if call is None:
        return None
    args = call.child_by_field_name("arguments")
    first = args.named_children[0] if args is not None and args.named_children else None
    spec = _string_value(first)
    if spec is None:
        return None
    line = call.start_point[0] + 1
    decl = call.parent
    if decl is not None and decl.type == "variable_declarator":
        target = decl.child_by_field_name("name")
        if target is not None and target.type == "identifier":
            return ImportRef(spec, (), _txt(target), 0, line)
        if target is not None and target.type == "object_pattern":
            names = tuple(
                _txt(c if c.type == "shorthand_property_identifier_pattern" else c.child_by_field_name("key"))
                for c in target.named_children
                if c.type in ("shorthand_property_identifier_pattern", "pair_pattern")
            )
            return ImportRef(spec, names, None, 0, line)
    return ImportRef(spec, (), None, 0, line)


def extract(path: str, lang: str, source: bytes, tree: Tree, grammar: str) -> ParsedFile:
    modname = module_name(path)
    test_file = is_test_path(path)
    root = tree.root_node
    symbols: list[SymbolDef] = [module_symbol(modname.rsplit("/", 1)[-1], modname, root, test_file)]
    imports: list[ImportRef] = []
    calls: list[CallRef] = []
    heritage: list[HeritageRef] = []
    exported_names: set[str] = set()
    dedupe = QnameDeduper()
    dedupe(modname)
    stack: list[tuple[int, str, str]] = [(1 << 62, modname, "Module")]

    def scope(start: int) -> tuple[int, str, str]:
        while stack[-1][0] <= start:
            stack.pop()
        return stack[-1]

    for _pattern, caps in QueryCursor(query_for(grammar, query_text(grammar))).matches(root):
        if "callee" in caps:
            node = caps["callee"][0]
            top = scope(node.start_byte)
            callee = _dotted(node)
            if (
                callee in ("require", "import")
                and node.parent is not None
                and node.parent.type == "call_expression"
            ):
                ref = _require(node)
                if ref is not None:
                    imports.append(ref)
                continue
            calls.append(CallRef(top[1], callee, node.start_point[0] + 1))
            continue
        if "jsx" in caps:
            node = caps["jsx"][0]
            name = _txt(node)
            if name[:1].isupper():
                calls.append(CallRef(scope(node.start_byte)[1], name, node.start_point[0] + 1))
            continue
        if "import" in caps:
            imports.extend(_import_refs(caps["import"][0], False))
            continue
        if "reexport" in caps:
            imports.extend(_import_refs(caps["reexport"][0], True))
            continue
        if "exported" in caps:
            node = caps["exported"][0]
            stmt = node.parent
            while stmt is not None and stmt.type != "export_statement":
                stmt = stmt.parent
            if stmt is not None and stmt.child_by_field_name("source") is None:
                exported_names.add(_txt(node))
            continue
        kind_key = next(k for k in ("func", "class", "method", "iface", "type", "var") if k in caps)
        node = caps[kind_key][0]
        name = _txt(caps["name"][0])
        top = scope(node.start_byte)
        decl = node
        opens_scope = True
        if kind_key == "var":
            decl = node.parent  # lexical_declaration / variable_declaration
            if decl is None or not _at_module_level(decl):
                continue
            value = node.child_by_field_name("value")
            kind = "Function" if value is not None and value.type in _FUNC_VALUES else "Var"
            opens_scope = kind == "Function"
        elif kind_key == "method":
            if node.parent is None or node.parent.type != "class_body" or top[2] not in ("Class",):
                continue  # object-literal methods are not symbols; calls stay with the enclosing scope
            kind = "Method"
        else:
            kind = {"func": "Function", "class": "Class", "iface": "Interface", "type": "Type"}[kind_key]
        qn = dedupe(f"{top[1]}.{name}")
        line = node.start_point[0] + 1
        exported = _is_exported(decl) and top[2] == "Module"
        sig = "" if kind == "Var" else _signature(node, source)
        symbols.append(
            SymbolDef(kind, name, qn, sig, line, node.end_point[0] + 1, exported, top[1], test_file)
        )
        if kind in ("Class", "Interface"):
            heritage.extend(_heritage(node, qn, line))
        if opens_scope and kind not in ("Type",):
            stack.append((node.end_byte, qn, kind))
    if exported_names:
        symbols = [
            dataclasses.replace(s, exported=True)
            if s.parent_qn == modname and s.name in exported_names and not s.exported
            else s
            for s in symbols
        ]
    return ParsedFile(path, lang, symbols, imports, calls, heritage, 0, 0)
