"""Java extraction: classes/records (Class), interfaces and annotation types (Interface), enums
(Type), methods and constructors (Method), static/instance fields are not symbols. Qualified names are
fully qualified (``com.acme.Outer.Inner.method``); the Module qualified name is the path without
``.java`` so it cannot collide with the class of the same name. ``extends`` → EXTENDS, ``implements``
→ IMPLEMENTS; imports keep the dotted name (``names=("*",)`` for on-demand imports)."""

from __future__ import annotations

from tree_sitter import Node, QueryCursor, Tree

from ingest.model import CallRef, HeritageRef, ImportRef, ParsedFile, SymbolDef
from ingest.parsing import QnameDeduper, module_symbol, query_for

QUERY = """
(package_declaration (_) @package)
(class_declaration name: (identifier) @name) @class
(record_declaration name: (identifier) @name) @class
(interface_declaration name: (identifier) @name) @iface
(annotation_type_declaration name: (identifier) @name) @iface
(enum_declaration name: (identifier) @name) @enum
(method_declaration name: (identifier) @name) @method
(constructor_declaration name: (identifier) @name) @method
(import_declaration) @import
(method_invocation name: (identifier) @callee) @call
(object_creation_expression type: (_) @newtype)
"""


def _txt(node: Node | None) -> str:
    return (node.text or b"").decode("utf-8", "replace") if node is not None else ""


def _type_name(node: Node) -> str:
    if node.type == "generic_type":
        return _type_name(node.named_children[0])
    return _txt(node)


def _heritage(node: Node, qn: str, line: int, is_interface: bool) -> list[HeritageRef]:
    out = []
    for child in node.children:
        rel = None
        if child.type == "superclass":
            rel = "EXTENDS"
        elif child.type == "super_interfaces":
            rel = "IMPLEMENTS"
        elif child.type == "extends_interfaces":
            rel = "EXTENDS"
        if rel is None:
            continue
        for t in child.named_children:
            types = t.named_children if t.type == "type_list" else [t]
            out.extend(HeritageRef(qn, _type_name(x), rel, line) for x in types)
    return out


def extract(path: str, lang: str, source: bytes, tree: Tree, grammar: str) -> ParsedFile:
    root = tree.root_node
    modname = path.removesuffix(".java")
    symbols = [module_symbol(modname.rsplit("/", 1)[-1], modname, root)]
    imports: list[ImportRef] = []
    calls: list[CallRef] = []
    heritage: list[HeritageRef] = []
    dedupe = QnameDeduper()
    dedupe(modname)
    pkg = ""
    test_file = "/test/" in f"/{path}" or path.endswith("Test.java")
    stack: list[tuple[int, str, str]] = [(1 << 62, modname, "Module")]
    for _pattern, caps in QueryCursor(query_for(grammar, QUERY)).matches(root):
        first = next(iter(caps.values()))[0]
        while stack[-1][0] <= first.start_byte:
            stack.pop()
        top = stack[-1]
        if "package" in caps:
            pkg = _txt(caps["package"][0])
            continue
        if "import" in caps:
            node = caps["import"][0]
            text = _txt(node).removeprefix("import").strip().rstrip(";").strip()
            text = text.removeprefix("static ").strip()
            if text.endswith(".*"):
                imports.append(ImportRef(text[:-2], ("*",), None, 0, node.start_point[0] + 1))
            else:
                imports.append(ImportRef(text, (), None, 0, node.start_point[0] + 1))
            continue
        if "callee" in caps:
            call = caps["call"][0]
            obj = call.child_by_field_name("object")
            name = _txt(caps["callee"][0])
            if obj is None:
                callee = name
            else:
                text = "".join(_txt(obj).split())
                callee = f"{text}.{name}" if all(p.isidentifier() for p in text.split(".")) else f"?.{name}"
            calls.append(CallRef(top[1], callee, call.start_point[0] + 1))
            continue
        if "newtype" in caps:
            node = caps["newtype"][0]
            calls.append(CallRef(top[1], _type_name(node), node.start_point[0] + 1))
            continue
        key = next(k for k in ("class", "iface", "enum", "method") if k in caps)
        node = caps[key][0]
        name = _txt(caps["name"][0])
        line = node.start_point[0] + 1
        mods = next((c for c in node.children if c.type == "modifiers"), None)
        exported = mods is not None and b"public" in (mods.text or b"")
        parent_qn = top[1]
        base = pkg if top[2] == "Module" else top[1]
        qn = dedupe(f"{base}.{name}" if base else name)
        if key == "method":
            body = node.child_by_field_name("body")
            sig = " ".join(
                source[node.start_byte : body.start_byte if body else node.end_byte]
                .decode("utf-8", "replace")
                .split()
            )
            is_test = test_file and (
                name.startswith("test") or (mods is not None and b"@Test" in (mods.text or b""))
            )
            symbols.append(
                SymbolDef(
                    "Method", name, qn, sig[:300], line, node.end_point[0] + 1, exported, parent_qn, is_test
                )
            )
        else:
            kind = {"class": "Class", "iface": "Interface", "enum": "Type"}[key]
            symbols.append(
                SymbolDef(
                    kind,
                    name,
                    qn,
                    f"{key} {name}",
                    line,
                    node.end_point[0] + 1,
                    exported,
                    parent_qn,
                    test_file and name.endswith("Test"),
                )
            )
            heritage.extend(_heritage(node, qn, line, key == "iface"))
        stack.append((node.end_byte, qn, "Method" if key == "method" else "Class"))
    return ParsedFile(path, lang, symbols, imports, calls, heritage, 0, 0)
