"""Python extraction with one tree-sitter query per file.

Kind rules: every class is a ``Class``; a function whose definition sits directly in a class body
(possibly decorated) is a ``Method``; every other function (nested ones included) is a ``Function``;
simple-name assignment targets directly at module level are ``Var`` s (only the first binding of a
name, so re-assignments do not create ``#2`` variables). A single query match stream (in document
order) drives a stack of open scopes, which gives each call its innermost enclosing symbol without a
per-node Python walk.
"""

from __future__ import annotations

import dataclasses
import re

from tree_sitter import Node, QueryCursor, Tree

from ingest.model import AttributeRef, CallRef, HeritageRef, ImportRef, ParsedFile, SymbolDef
from ingest.parsing import QnameDeduper, module_symbol, query_for

QUERY = """
(function_definition name: (identifier) @name) @func
(class_definition name: (identifier) @name) @class
(call function: [(identifier) (attribute)] @callee)
(import_statement) @import
(import_from_statement) @from
(module (assignment left: (identifier) @var))
(module (expression_statement (assignment left: (identifier) @var)))
(parameters [(identifier) (typed_parameter) (default_parameter) (typed_default_parameter)
             (list_splat_pattern) (dictionary_splat_pattern)] @param)
(lambda_parameters (identifier) @bind)
(assignment left: (identifier) @bind)
(assignment left: [(pattern_list (identifier) @bind) (tuple_pattern (identifier) @bind)])
(augmented_assignment left: (identifier) @bind)
(for_statement left: (identifier) @bind)
(for_statement left: [(pattern_list (identifier) @bind) (tuple_pattern (identifier) @bind)])
(for_in_clause left: (identifier) @bind)
(for_in_clause left: [(pattern_list (identifier) @bind) (tuple_pattern (identifier) @bind)])
(as_pattern_target (identifier) @bind)
(as_pattern_target [(tuple (identifier) @bind) (list (identifier) @bind)])
(named_expression name: (identifier) @bind)
[(list_comprehension) (set_comprehension) (dictionary_comprehension) (generator_expression)] @comp
(assignment left: (attribute object: (identifier) @owner attribute: (identifier) @attr))
(class_definition body: (block (assignment left: (identifier) @cattr)))
(class_definition body: (block (expression_statement (assignment left: (identifier) @cattr))))
(call function: (identifier) @guard arguments: (argument_list . (identifier) . [(identifier) (attribute)]))
"""

_DOTTED = re.compile(rb"[A-Za-z_][\w.]*")
_DOTTED_STR = re.compile(r"[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*")
_OPTIONAL = re.compile(r"(?:typing\.|t\.)?Optional\[(.+)\]")
_TYPE_OF = re.compile(r"(?:typing\.|t\.)?[Tt]ype\[(.+)\]")
_SUBSCRIPTED = re.compile(r"([\w.]+)\[.*\]")
_RECEIVER_FREE = frozenset({"self", "cls"})  # the resolver follows these through the enclosing class
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


def _constructed(value: Node | None) -> str:
    """``Foo`` for a value ``Foo(...)`` / ``mod.Foo(...)`` / ``await foo(...)`` (the resolver checks
    that it is a class, or a function whose return annotation names one)."""
    if value is not None and value.type == "await" and value.named_children:
        value = value.named_children[0]
    if value is not None and value.type == "conditional_expression" and len(value.named_children) == 3:
        then, _cond, other = value.named_children  # URL(u) if p is None else URL(u, params=p)
        made = _constructed(then)
        return made if made and made == _constructed(other) else ""
    if value is None or value.type != "call":
        return ""
    func = value.child_by_field_name("function")
    text = _txt(func) if func is not None and func.type in ("identifier", "attribute") else ""
    return text if _DOTTED_STR.fullmatch(text) else ""


def annotation_type(text: str) -> str:
    """The class an annotation names: ``Foo``, ``"Foo"``, ``Foo | None``, ``Optional[Foo]``, ``Foo[T]``
    → ``Foo``; anything else (unions, callables, containers of it) → ``""``."""
    t = text.strip().strip("\"'")
    m = _OPTIONAL.fullmatch(t)
    if m:
        t = m.group(1)
    parts = [p.strip().strip("\"'") for p in t.split("|")]
    parts = [p for p in parts if p and p != "None"]
    if len(parts) != 1:
        return ""
    t = parts[0]
    m = _SUBSCRIPTED.fullmatch(t)
    if m:
        t = m.group(1)
    return t if _DOTTED_STR.fullmatch(t) else ""


_CONTAINERS = frozenset(
    {"list", "List", "set", "Set", "frozenset", "FrozenSet", "tuple", "Tuple", "Iterable", "Iterator",
     "Sequence", "MutableSequence", "Collection", "Generator", "AbstractSet", "KeysView", "ValuesView"}
)  # fmt: skip


def _subscript(text: str) -> tuple[str, list[str]]:
    """``Name[a, b[c, d]]`` → (``Name``, [``a``, ``b[c, d]``]); anything else → (``""``, [])."""
    m = re.fullmatch(r"([\w.]+)\[(.+)\]", text.strip().strip("\"'"))
    if m is None:
        return "", []
    args, depth, start, inner = [], 0, 0, m.group(2)
    for i, ch in enumerate(inner):
        depth += ch == "["
        depth -= ch == "]"
        if ch == "," and depth == 0:
            args.append(inner[start:i].strip())
            start = i + 1
    args.append(inner[start:].strip())
    return m.group(1), args


def container_item(text: str) -> str:
    """The item annotation of an annotated container as written: ``list[Foo]`` → ``Foo``,
    ``t.Iterator[tuple[str, Foo]]`` → ``tuple[str, Foo]``; anything else → ``""``."""
    t = text.strip().strip("\"'")
    m = _OPTIONAL.fullmatch(t)
    if m:
        t = m.group(1).strip()
    name, args = _subscript(t)
    return args[0] if name.rsplit(".", 1)[-1] in _CONTAINERS and args else ""


def item_type(item: str, index: int | None = None) -> str:
    """The class of an item (``index`` None) or of the ``index``-th part of a tuple item, which is what
    ``for x in …`` / ``for a, b in …`` bind: ``Foo`` → ``Foo``; ``tuple[str, Foo]``, 1 → ``Foo``."""
    name, args = _subscript(item)
    is_tuple = name.rsplit(".", 1)[-1] in ("tuple", "Tuple")
    if index is None:
        return "" if is_tuple else annotation_type(item)
    if not is_tuple or index >= len(args) or "..." in args:
        return ""
    return annotation_type(args[index])


def element_type(text: str, index: int | None = None) -> str:
    """The class of the items of an annotated container: ``list[Foo]``, ``t.Iterator["Foo"]`` → ``Foo``
    (with ``index``, of that part of tuple items: ``Iterator[tuple[str, Foo]]``, 1 → ``Foo``)."""
    item = container_item(text)
    return item_type(item, index) if item else ""


def _sole(text: str) -> str:
    """The one non-None member of an annotation (``X | None``, ``Optional[X]``, ``"X"`` → ``X``)."""
    t = text.strip().strip("\"'")
    m = _OPTIONAL.fullmatch(t)
    if m:
        t = m.group(1).strip()
    depth, parts, start = 0, [], 0
    for i, ch in enumerate(t):
        depth += ch == "["
        depth -= ch == "]"
        if ch == "|" and depth == 0:
            parts.append(t[start:i])
            start = i + 1
    parts.append(t[start:])
    parts = [p.strip().strip("\"'") for p in parts]
    parts = [p for p in parts if p and p != "None"]
    return parts[0] if len(parts) == 1 else ""


def annotated(text: str) -> tuple[str, str]:
    """(receiver, evidence) an annotation gives a name: ``type[Foo]`` → the class itself (``alias``),
    ``list[Foo]`` / ``Iterator[Foo]`` → a container of Foo (``items``, with the item's annotation),
    ``Foo`` / ``Foo | None`` → an instance (``annotation``); anything else → nothing."""
    sole = _sole(text)
    if not sole:
        return "", ""
    of_type = _TYPE_OF.fullmatch(sole)
    if of_type:
        cls = annotation_type(of_type.group(1))
        return (cls, "alias") if cls else ("", "")
    head = sole.split("[", 1)[0].rsplit(".", 1)[-1]
    homogeneous = head not in ("tuple", "Tuple") or sole.replace(" ", "").endswith(",...]")
    item = container_item(sole) if homogeneous else ""
    if item:
        return item, "items"  # the item's annotation as written (a tuple's parts name what unpacks)
    typed = annotation_type(sole)
    if typed and head not in _CONTAINERS and head not in ("dict", "Dict", "Mapping", "type", "Type"):
        return typed, "annotation"
    return "", ""


def returns(signature: str) -> str:
    """The return annotation of a ``def`` signature as the parser records it (``""`` without one)."""
    _head, arrow, tail = signature.rpartition(") -> ")
    return tail.strip() if arrow else ""


def _param(node: Node) -> tuple[str, str, str]:
    """(name, receiver type, evidence) of one parameter."""
    if node.type == "identifier":
        return _txt(node), "", ""
    if node.type in ("list_splat_pattern", "dictionary_splat_pattern"):
        inner = node.named_children[0] if node.named_children else None
        return _txt(inner), "", ""
    name_node = node.child_by_field_name("name") or (node.named_children[0] if node.named_children else None)
    name = _txt(name_node)
    typed, evidence = annotated(_txt(node.child_by_field_name("type")))
    if evidence:
        return name, typed, evidence
    default = _constructed(node.child_by_field_name("value"))
    return name, default, "default" if default else ""


def _binding(node: Node, lookup) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """(receiver type, evidence) that binding the identifier ``node`` gives it."""
    parent = node.parent
    if parent is not None and parent.type == "assignment" and parent.child_by_field_name("left") == node:
        return _binding_of(parent, lookup)
    if parent is not None and parent.type == "as_pattern_target":
        pattern = parent.parent
        value = pattern.named_children[0] if pattern is not None and pattern.named_children else None
        owner = pattern.parent.type if pattern is not None and pattern.parent is not None else ""
        if owner == "with_item":
            ctor = _constructed(value)
            return (ctor, "with") if ctor else ("", "")
        if owner == "except_clause" and value is not None and value.type in ("identifier", "attribute"):
            return _txt(value), "except"  # ``except Error as e``
    loop, index = _loop_target(node)
    if loop is not None:  # ``for x in …`` (index None) or ``for a, b in …`` (index of the name)
        suffix = "" if index is None else f":{index}"
        right = loop.child_by_field_name("right")
        source = _constructed(right)
        if source:
            return source, "iterate" + suffix  # ``for x in f()``: f's element type
        if right is not None and right.type == "identifier":  # ``for x in xs``, xs: list[Foo]
            known = lookup(_txt(right))
            typed = item_type(known[0], index) if known is not None and known[1] == "items" else ""
            return (typed, "annotation") if typed else ("", "")
        chain = _chain(right)
        return (chain, "each" + suffix) if chain else ("", "")  # ``for x in self.items``: its items
    return "", ""


def _loop_target(node: Node) -> tuple[Node | None, int | None]:
    """The ``for`` (statement or comprehension clause) binding ``node``, and its position when the
    loop unpacks a flat tuple of names (``for name, cmd in …``)."""
    parent = node.parent
    if parent is None:
        return None, None
    if parent.type in ("for_statement", "for_in_clause") and parent.child_by_field_name("left") == node:
        return parent, None
    loop = parent.parent
    if (
        parent.type in ("pattern_list", "tuple_pattern")
        and loop is not None
        and loop.type in ("for_statement", "for_in_clause")
        and loop.child_by_field_name("left") == parent
        and all(c.type == "identifier" for c in parent.named_children)
    ):
        return loop, [c.id for c in parent.named_children].index(node.id)
    return None, None


def _chain(node: Node | None) -> str:
    """``a.b.c`` for an attribute chain of plain names (``""`` for anything else)."""
    if node is None or node.type != "attribute":
        return ""
    text = _txt(node)
    return text if _DOTTED_STR.fullmatch(text) else ""


_RESULT_OF = frozenset({"constructor", "with", "default", "iterate"})  # receiver = a callable's text
_CASTS = frozenset({"cast", "t.cast", "typing.cast"})
_OF_VALUE = frozenset({"chain", "each"})  # receiver = an attribute chain's text (its value, its items)
_INSTANCE_OF = frozenset({"annotation", "isinstance", "except"})  # receiver = the instance's class


def _binding_of(stmt: Node, lookup) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """(receiver, evidence) an assignment gives its target: the annotation, a constructed class, or
    the known type of a plain name assigned (``self.command = command``, ``command: Command``)."""
    typed, evidence = annotated(_txt(stmt.child_by_field_name("type")))
    if evidence:  # context_class: type[Context] = Context (alias); x: Foo; xs: list[Foo] (items)
        return typed, evidence
    value = stmt.child_by_field_name("right")
    ctor = _constructed(value)
    if ctor in _CASTS:  # multi = t.cast(MultiCommand, ctx.command): the type cast to
        args = value.child_by_field_name("arguments") if value is not None else None
        first = args.named_children[0] if args is not None and args.named_children else None
        typed, evidence = annotated(_txt(first)) if first is not None else ("", "")
        return (typed, evidence) if evidence else ("", "")
    if ctor:
        return ctor, "constructor"
    if value is not None and value.type == "identifier":
        name = _txt(value)
        known = lookup(name)
        if known is None:  # cls = Argument: a name bound nowhere here (a class, if it resolves to one)
            return (name, "alias") if name not in _RECEIVER_FREE else ("", "")
        if known[0]:
            return known
    chain = _chain(value)
    if chain:  # session_interface = self.app.session_interface
        return chain, "chain"
    return "", ""


def _is_overload(node: Node) -> bool:
    parent = node.parent
    if parent is None or parent.type != "decorated_definition":
        return False
    return any(
        _txt(d).lstrip("@").strip() in ("overload", "typing.overload", "t.overload")
        for d in parent.children
        if d.type == "decorator"
    )


_PROPERTIES = frozenset({"property", "cached_property"})


def _is_property(node: Node) -> bool:
    """Whether a def is decorated ``@property`` / ``@cached_property`` (also ``functools.`` ...)."""
    parent = node.parent
    if parent is None or parent.type != "decorated_definition":
        return False
    decorators = [_txt(d).lstrip("@").strip() for d in parent.children if d.type == "decorator"]
    return any(d.rsplit(".", 1)[-1] in _PROPERTIES for d in decorators)


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
    colon = next((c for c in node.children if c.type == ":"), None)  # comments before the body: not
    end = colon.end_byte if colon is not None and colon.end_byte <= end else end  # in the signature
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
    attributes: list[AttributeRef] = []
    # names bound in each scope (parameters, assignments, loop/with/except targets) → (type, evidence)
    bound: dict[str, dict[str, tuple[str, str]]] = {modname: {}}

    def scope_at(start: int) -> tuple[int, str, str, int]:
        while stack[-1][0] <= start:
            stack.pop()
        return stack[-1]

    def lookup(name: str) -> tuple[str, str] | None:
        """The binding of ``name`` seen from the innermost scope: enclosing functions and the module,
        never an enclosing class body (methods do not see class-level names)."""
        for i in range(len(stack) - 1, -1, -1):
            if stack[i][2] == "Class" and i != len(stack) - 1:
                continue
            hit = bound.get(stack[i][1], {}).get(name)
            if hit is not None:
                return hit
        return None

    def settle(kind: tuple[str, str]) -> tuple[str, str]:
        """A receiver whose first name is a local of known type, rewritten with that type."""
        receiver, evidence = kind
        head, dot, rest = receiver.partition(".")
        base = evidence.partition(":")[0]  # iterate:1 / each:1 (a tuple's part) are iterate / each
        if not dot and base in _RESULT_OF and receiver:  # ``kind()`` with kind: type[Model]
            known = lookup(head)
            if known is not None:  # a local: only a class it is known to be says what it makes
                return (known[0], evidence) if known[1] == "alias" else ("", "")
        if dot and base in _RESULT_OF:  # ``f = ctx.make_formatter()``, ctx: Context
            known = lookup(head)
            if known is not None:
                return (f"{known[0]}.{rest}", evidence) if known[0] else ("", "")
        if dot and base in _OF_VALUE:  # ``cmd = ctx.command`` → Context.command
            known = lookup(head)
            if known is not None:
                typed = known[1] in _INSTANCE_OF or known[1] in ("alias", "chain")
                return (f"{known[0]}.{rest}", evidence) if typed else ("", "")
        return kind

    def bind(name: str, kind: tuple[str, str], start: int) -> None:
        # self/cls are the enclosing class's in a method (``self: T`` there is a TypeVar for the same
        # class); outside one only a typed binding says what they hold (``def wrapper(self: Scaffold)``)
        if name and (name not in _RECEIVER_FREE or (kind[1] and scope_at(start)[2] != "Method")):
            bound.setdefault(scope_at(start)[1], {})[name] = settle(kind)

    cursor_query = query_for(grammar, QUERY)
    for _pattern, caps in QueryCursor(cursor_query).matches(root):
        if "callee" in caps:
            node = caps["callee"][0]
            caller = scope_at(node.start_byte)[1]
            text = _callee_text(node)
            receiver, evidence = "", ""
            if text.startswith("?."):
                receiver = _constructed(node.child_by_field_name("object"))  # Foo().bar()
                receiver, evidence = settle((receiver, "constructor")) if receiver else ("", "")
            elif not text.startswith("super()"):
                head = text.split(".", 1)[0]
                hit = lookup(head)
                if hit is not None and (hit[1] == "alias" or (hit[1] and "." in text)):
                    receiver, evidence = hit  # x.m(), x.a.b.m() with x's type known; cls() of cls = Foo
                elif hit is not None:
                    evidence = "local"
            calls.append(CallRef(caller, text, node.start_point[0] + 1, receiver, evidence))
            continue
        if "bind" in caps:
            node = caps["bind"][0]
            bind(_txt(node), _binding(node, lookup), node.start_byte)
            continue
        if "comp" in caps:  # its loop variables are bound before its body, which comes first in the text
            for clause in caps["comp"][0].named_children:
                left = clause.child_by_field_name("left") if clause.type == "for_in_clause" else None
                parts = [left] if left is not None and left.type == "identifier" else []
                parts += left.named_children if left is not None else []
                targets = [c for c in parts if c.type == "identifier"]
                for target in targets:
                    bind(_txt(target), _binding(target, lookup), target.start_byte)
            continue
        if "param" in caps:
            node = caps["param"][0]
            name, receiver, evidence = _param(node)
            bind(name, (receiver, evidence), node.start_byte)
            continue
        if "attr" in caps:  # self.x = value, in a method
            node = caps["attr"][0]
            scope = scope_at(node.start_byte)
            stmt = node.parent.parent if node.parent is not None else None
            if _txt(caps["owner"][0]) != "self" or scope[2] != "Method" or stmt is None or len(stack) < 2:
                continue
            receiver, evidence = settle(_binding_of(stmt, lookup))
            if evidence:
                attributes.append(AttributeRef(stack[-2][1], _txt(node), receiver, evidence))
            continue
        if "cattr" in caps:  # x: Foo / x = Foo(...) / x = Foo in a class body
            node = caps["cattr"][0]
            scope = scope_at(node.start_byte)
            stmt = node.parent
            if scope[2] == "Class" and stmt is not None:
                receiver, evidence = settle(_binding_of(stmt, lookup))
                value = stmt.child_by_field_name("right")
                plain = value is not None and value.type in ("identifier", "attribute")
                if evidence in ("", "chain") and plain:
                    receiver, evidence = _txt(value), "alias"
                if evidence:
                    attributes.append(AttributeRef(scope[1], _txt(node), receiver, evidence))
            continue
        if "guard" in caps:
            node = caps["guard"][0]
            args = node.parent.child_by_field_name("arguments") if node.parent is not None else None
            if _txt(node) == "isinstance" and args is not None and len(args.named_children) >= 2:
                var, cls = args.named_children[0], args.named_children[1]
                bind(_txt(var), (_txt(cls), "isinstance"), node.start_byte)
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
            # an @overload stub is named apart so that the implementation owns the plain name
            suffix = "@overload" if not is_class and _is_overload(node) else ""
            qn = dedupe(f"{parent_qn}.{name}{suffix}")
            if is_class:
                test = test_file and name.startswith("Test")
            else:
                test = test_file and name.startswith("test")
            start_line = node.start_point[0] + 1
            signature = _signature(node, source)
            if kind == "Method" and _is_property(node):  # self.params.add(): params is a QueryParams
                receiver, evidence = annotated(returns(signature))
                if evidence:
                    attributes.append(AttributeRef(parent_qn, name, receiver, evidence))
            symbols.append(
                SymbolDef(
                    kind,
                    name,
                    qn,
                    signature,
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
                        if base.type == "subscript":  # Base[T]: the generic's class; Generic[T] is no base
                            base = base.child_by_field_name("value") or base
                            if _txt(base) in ("Generic", "typing.Generic", "t.Generic"):
                                continue
                        if base.type in ("identifier", "attribute"):
                            heritage.append(HeritageRef(qn, _callee_text(base), "EXTENDS", start_line))
            continue
        if "import" in caps or "from" in caps:
            node = caps["import"][0] if "import" in caps else caps["from"][0]
            refs = _imports(node, "from" in caps)
            scope = scope_at(node.start_byte)
            if scope[2] != "Module":  # a function-local import binds its names in that function only
                refs = [dataclasses.replace(r, scope=scope[1]) for r in refs]
            imports.extend(refs)
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
            receiver, evidence = settle(_binding_of(stmt, lookup))
            if evidence:  # current_app: Flask = LocalProxy(...): the module is the "class" of its vars
                attributes.append(AttributeRef(modname, name, receiver, evidence))
    return ParsedFile(path, lang, symbols, imports, calls, heritage, 0, 0, attributes)
