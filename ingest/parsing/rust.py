"""Rust extraction: items (fn → Function, struct/enum/union/type → Type, trait → Interface, const/
static → Var), fns inside ``impl``/``trait`` blocks → Method named ``Type.method``, ``impl Trait for
Type`` → IMPLEMENTS heritage, ``use`` trees flattened to one ImportRef per leaf path (``a::b::*`` for
globs), and calls. The Module qualified name is the path without ``.rs``."""

from __future__ import annotations

from tree_sitter import Node, QueryCursor, Tree

from ingest.model import CallRef, HeritageRef, ImportRef, ParsedFile, SymbolDef
from ingest.parsing import QnameDeduper, module_symbol, query_for

QUERY = """
(function_item name: (identifier) @name) @func
(function_signature_item name: (identifier) @name) @func
(struct_item name: (type_identifier) @name) @type
(enum_item name: (type_identifier) @name) @type
(union_item name: (type_identifier) @name) @type
(type_item name: (type_identifier) @name) @type
(trait_item name: (type_identifier) @name) @trait
(impl_item) @impl
(source_file (const_item name: (identifier) @name) @var)
(source_file (static_item name: (identifier) @name) @var)
(use_declaration argument: (_) @use) @usedecl
(call_expression function: [(identifier) (scoped_identifier) (field_expression)] @callee)
"""


def _txt(node: Node | None) -> str:
    return (node.text or b"").decode("utf-8", "replace") if node is not None else ""


def _uses(node: Node, prefix: str, line: int, out: list[ImportRef]) -> None:
    t = node.type
    join = lambda s: f"{prefix}::{s}" if prefix else s  # noqa: E731
    if t == "use_as_clause":
        out.append(
            ImportRef(
                join(_txt(node.child_by_field_name("path"))),
                (),
                _txt(node.child_by_field_name("alias")),
                0,
                line,
            )
        )
    elif t == "scoped_use_list":
        path = node.child_by_field_name("path")
        lst = node.child_by_field_name("list")
        new_prefix = join(_txt(path)) if path is not None else prefix
        if lst is not None:
            _uses(lst, new_prefix, line, out)
    elif t == "use_list":
        for child in node.named_children:
            _uses(child, prefix, line, out)
    elif t == "use_wildcard":
        inner = node.named_children[0] if node.named_children else None
        out.append(ImportRef(join((_txt(inner) + "::*") if inner is not None else "*"), (), None, 0, line))
    elif t == "self":
        out.append(ImportRef(prefix, (), None, 0, line))
    else:
        out.append(ImportRef(join(" ".join(_txt(node).split())), (), None, 0, line))


def _type_name(node: Node | None) -> str:
    if node is None:
        return ""
    if node.type == "generic_type":
        return _type_name(node.child_by_field_name("type"))
    return _txt(node).replace("::", ".")


def extract(path: str, lang: str, source: bytes, tree: Tree, grammar: str) -> ParsedFile:
    root = tree.root_node
    modname = path.removesuffix(".rs")
    symbols = [module_symbol(modname.rsplit("/", 1)[-1], modname, root)]
    imports: list[ImportRef] = []
    calls: list[CallRef] = []
    heritage: list[HeritageRef] = []
    dedupe = QnameDeduper()
    dedupe(modname)
    stack: list[tuple[int, str, str]] = [(1 << 62, modname, "Module")]
    test_file = "/tests/" in f"/{path}"
    declared: set[str] = set()
    for _pattern, caps in QueryCursor(query_for(grammar, QUERY)).matches(root):
        first = next(iter(caps.values()))[0]
        while stack[-1][0] <= first.start_byte:
            stack.pop()
        top = stack[-1]
        if "callee" in caps:
            node = caps["callee"][0]
            text = "".join(_txt(node).split()).replace("::", ".")
            if node.type == "field_expression":
                text = (
                    "this." + _txt(node.child_by_field_name("field"))
                    if text.startswith("self.")
                    else (
                        text
                        if all(p.isidentifier() for p in text.split("."))
                        else "?." + _txt(node.child_by_field_name("field"))
                    )
                )
            calls.append(CallRef(top[1], text, node.start_point[0] + 1))
            continue
        if "usedecl" in caps:
            _uses(caps["use"][0], "", caps["usedecl"][0].start_point[0] + 1, imports)
            continue
        if "impl" in caps:
            node = caps["impl"][0]
            type_name = _type_name(node.child_by_field_name("type"))
            qn = f"{modname}.{type_name}"
            trait = node.child_by_field_name("trait")
            if trait is not None:
                heritage.append(HeritageRef(qn, _type_name(trait), "IMPLEMENTS", node.start_point[0] + 1))
            stack.append((node.end_byte, qn, "Impl"))
            continue
        key = next(k for k in ("func", "type", "trait", "var") if k in caps)
        node = caps[key][0]
        name = _txt(caps["name"][0])
        line = node.start_point[0] + 1
        exported = any(c.type == "visibility_modifier" for c in node.children)
        in_type = top[2] in ("Impl", "Interface")
        if key == "func":
            kind = "Method" if in_type else "Function"
            body = node.child_by_field_name("body")
            sig = " ".join(
                source[node.start_byte : body.start_byte if body else node.end_byte]
                .decode("utf-8", "replace")
                .split()
            )
            is_test = test_file or any(
                s.type == "attribute_item" and b"test" in (s.text or b"")
                for s in [node.prev_named_sibling]
                if s is not None
            )
        else:
            kind = {"type": "Type", "trait": "Interface", "var": "Var"}[key]
            sig, is_test = f"{key} {name}", False
        qn = dedupe(f"{top[1]}.{name}")
        parent = top[1] if top[2] != "Impl" or top[1] in declared else modname
        symbols.append(SymbolDef(kind, name, qn, sig, line, node.end_point[0] + 1, exported, parent, is_test))
        declared.add(qn)
        if key in ("func", "trait"):
            stack.append((node.end_byte, qn, kind))
    return ParsedFile(path, lang, symbols, imports, calls, heritage, 0, 0)
