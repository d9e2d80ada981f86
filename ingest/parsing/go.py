"""Go extraction.

Qualified names use the package clause: ``pkg.Func``, ``pkg.Type``, ``pkg.Type.Method`` (receiver
type, pointer or not). The Module symbol's qualified name is the file's directory (the import path
relative to go.mod; the package name for files at the repo root) because the go.mod module path is not
known at parse time; the resolver adds it. A method's ``parent_qn`` is its receiver type when that
type is declared in the same file (HAS_MEMBER is per file), else the module. Calls through the
receiver variable are normalised to ``this.method`` so they resolve like ``self``/``this``. Embedded
struct/interface fields are EXTENDS heritage. ``Test*``/``Benchmark*``/``Example*``/``Fuzz*``
functions in ``_test.go`` files are tests.
"""

from __future__ import annotations

import dataclasses

from tree_sitter import Node, QueryCursor, Tree

from ingest.model import CallRef, HeritageRef, ImportRef, ParsedFile, SymbolDef
from ingest.parsing import QnameDeduper, query_for

QUERY = """
(package_clause (package_identifier) @package)
(function_declaration name: (identifier) @name) @func
(method_declaration name: (field_identifier) @name) @method
(type_declaration
  [(type_spec name: (type_identifier) @name) (type_alias name: (type_identifier) @name)] @type)
(source_file (var_declaration (var_spec name: (identifier) @name) @var))
(source_file (var_declaration (var_spec_list (var_spec name: (identifier) @name) @var)))
(source_file (const_declaration (const_spec name: (identifier) @name) @var))
(call_expression function: [(identifier) (selector_expression)] @callee)
(import_spec) @import
"""

_TEST_PREFIXES = ("Test", "Benchmark", "Example", "Fuzz")


def _txt(node: Node | None) -> str:
    return (node.text or b"").decode("utf-8", "replace") if node is not None else ""


def _type_name(node: Node | None) -> str:
    """The bare type name of a receiver / embedded field type (``*pkg.T[K]`` → ``pkg.T``)."""
    while node is not None and node.type in ("pointer_type", "generic_type", "parenthesized_type"):
        node = node.child_by_field_name("type") or (node.named_children[0] if node.named_children else None)
    return _txt(node)


def _signature(node: Node, source: bytes) -> str:
    body = node.child_by_field_name("body")
    end = body.start_byte if body is not None else node.end_byte
    return " ".join(source[node.start_byte : end].decode("utf-8", "replace").split())[:300]


def _receiver(node: Node) -> tuple[str, str]:
    """(receiver variable, receiver type name) of a method declaration."""
    recv = node.child_by_field_name("receiver")
    param = recv.named_children[0] if recv is not None and recv.named_children else None
    if param is None:
        return "", "?"
    return _txt(param.child_by_field_name("name")), _type_name(param.child_by_field_name("type"))


def extract(path: str, lang: str, source: bytes, tree: Tree, grammar: str) -> ParsedFile:
    root = tree.root_node
    directory = path.rsplit("/", 1)[0] if "/" in path else ""
    test_file = path.endswith("_test.go")
    pkg = "main"
    symbols: list[SymbolDef] = []
    imports: list[ImportRef] = []
    calls: list[CallRef] = []
    heritage: list[HeritageRef] = []
    dedupe = QnameDeduper()
    stack: list[tuple[int, str, str]] = []  # (end_byte, qn, receiver variable)
    for _pattern, caps in QueryCursor(query_for(grammar, QUERY)).matches(root):
        if "package" in caps:
            pkg = _txt(caps["package"][0])
            continue
        if "callee" in caps:
            node = caps["callee"][0]
            while stack and stack[-1][0] <= node.start_byte:
                stack.pop()
            callee = " ".join(_txt(node).split()).replace(" ", "")
            if node.type == "selector_expression" and not all(p.isidentifier() for p in callee.split(".")):
                callee = "?." + _txt(node.child_by_field_name("field"))
            if stack and stack[-1][2] and callee.startswith(stack[-1][2] + "."):
                callee = "this" + callee[len(stack[-1][2]) :]
            caller = stack[-1][1] if stack else ""
            calls.append(CallRef(caller, callee, node.start_point[0] + 1))
            continue
        if "import" in caps:
            node = caps["import"][0]
            spec = _txt(node.child_by_field_name("path")).strip('"`')
            alias = node.child_by_field_name("name")
            imports.append(ImportRef(spec, (), _txt(alias) or None, 0, node.start_point[0] + 1))
            continue
        key = next(k for k in ("func", "method", "type", "var") if k in caps)
        node = caps[key][0]
        name = _txt(caps["name"][0])
        line = node.start_point[0] + 1
        exported = name[:1].isupper()
        if key == "method":
            recv_var, recv_type = _receiver(node)
            qn = dedupe(f"{pkg}.{recv_type}.{name}")
            symbols.append(
                SymbolDef(
                    "Method",
                    name,
                    qn,
                    _signature(node, source),
                    line,
                    node.end_point[0] + 1,
                    exported,
                    recv_type,
                    False,
                )
            )
            stack.append((node.end_byte, qn, recv_var))
            continue
        qn = dedupe(f"{pkg}.{name}")
        if key == "func":
            test = test_file and name.startswith(_TEST_PREFIXES)
            symbols.append(
                SymbolDef(
                    "Function",
                    name,
                    qn,
                    _signature(node, source),
                    line,
                    node.end_point[0] + 1,
                    exported,
                    None,
                    test,
                )
            )
            stack.append((node.end_byte, qn, ""))
        elif key == "type":
            body = node.child_by_field_name("type")
            kind = "Interface" if body is not None and body.type == "interface_type" else "Type"
            if body is not None and body.type in ("struct_type", "interface_type"):
                sig = f"type {name} {body.type.removesuffix('_type')}"
            else:
                sig = "type " + " ".join(_txt(node).split())[:120]
            symbols.append(SymbolDef(kind, name, qn, sig, line, node.end_point[0] + 1, exported, None, False))
            if body is not None and body.type in ("struct_type", "interface_type"):
                heritage.extend(_embedded(body, qn, line))
        else:
            kind_word = "const" if node.type == "const_spec" else "var"
            symbols.append(
                SymbolDef(
                    "Var", name, qn, f"{kind_word} {name}", line, node.end_point[0] + 1, exported, None, False
                )
            )
    modname = directory or pkg
    dedupe_module = modname if modname not in dedupe else f"{modname}#module"
    types_here = {s.qualified_name for s in symbols if s.kind in ("Type", "Interface")}
    fixed: list[SymbolDef] = [
        SymbolDef(
            "Module",
            pkg,
            dedupe_module,
            f"package {pkg}",
            1,
            max(root.end_point[0] + 1, 1),
            True,
            None,
            test_file,
        )
    ]
    for s in symbols:
        if s.kind == "Method":
            type_qn = f"{pkg}.{s.parent_qn}"
            s = dataclasses.replace(s, parent_qn=type_qn if type_qn in types_here else dedupe_module)
        else:
            s = dataclasses.replace(s, parent_qn=dedupe_module)
        fixed.append(s)
    calls = [c if c.caller_qn else CallRef(dedupe_module, c.callee, c.line) for c in calls]
    return ParsedFile(path, lang, fixed, imports, calls, heritage, 0, 0)


def _embedded(body: Node, qn: str, line: int) -> list[HeritageRef]:
    out: list[HeritageRef] = []
    if body.type == "struct_type":
        fields = next((c for c in body.named_children if c.type == "field_declaration_list"), None)
        for f in fields.named_children if fields is not None else []:
            if f.type == "field_declaration" and f.child_by_field_name("name") is None:
                base = _type_name(f.child_by_field_name("type"))
                if base:
                    out.append(HeritageRef(qn, base, "EXTENDS", f.start_point[0] + 1))
    else:
        for child in body.named_children:
            if child.type in ("type_elem", "constraint_elem"):
                for t in child.named_children:
                    base = _type_name(t)
                    if base:
                        out.append(HeritageRef(qn, base, "EXTENDS", child.start_point[0] + 1))
    return out
