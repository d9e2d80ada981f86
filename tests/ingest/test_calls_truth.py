"""The resolver against hand-checked truth (tests/fixtures/calls_truth): every call of the fixture is
listed below with where it really goes, checked by reading the code. bench/calls_accuracy.py measures
the same on real packages against jedi; this keeps the rules it relies on from regressing."""

from __future__ import annotations

from ingest_helpers import edge_pairs, load_fixture, qn_index

# (caller, callee) for every call in the fixture that lands on a definition of the fixture
TRUTH = {
    ("pkg.base.ParamType.convert", "pkg.base.ParamType.fail"),  # self
    ("pkg.types.BoolParamType.convert", "pkg.base.ParamType.convert"),  # super() through ParamType[bool]
    ("pkg.types.BoolParamType.convert", "pkg.base.ParamType.fail"),  # self through ParamType[bool]
    ("pkg.types.Choice.go", "pkg.base.Plain.run"),  # self through the qualified base base.Plain
    ("pkg.types.parse", "pkg.types.helper"),
    ("pkg.types.uses_parse", "pkg.types.parse"),  # the implementation, not an @overload stub
    ("pkg.types.typed", "pkg.models.Model.save"),  # "Model" / Model | None, a TYPE_CHECKING import
    ("pkg.models.Session.__exit__", "pkg.models.Session.close"),
    ("pkg.models.make_model", "pkg.models.Model"),
    ("pkg.app.constructed", "pkg.models.Model"),
    ("pkg.app.constructed", "pkg.models.Model.save"),  # m = Model(); m.save()
    ("pkg.app.constructed", "pkg.models.Model.open"),  # Model().open()
    ("pkg.app.with_as", "pkg.models.Session"),
    ("pkg.app.with_as", "pkg.models.Session.close"),  # with Session() as s: s.close()
    ("pkg.app.defaulted", "pkg.models.Model"),  # the default value is evaluated in the def's span
    ("pkg.app.defaulted", "pkg.models.Model.save"),  # m=Model(); m.save()
    ("pkg.app.guarded", "pkg.models.Model.save"),  # isinstance(x, Model); x.save()
    ("pkg.app.local_import", "pkg.types.helper"),  # the function-local import
    ("web/app.main", "web/list.list"),
    ("pkg.models.Model.copy", "pkg.models.Model"),
    ("pkg.globals", "pkg.models.make_model"),
    # receivers typed through attributes, properties, module variables and class objects (chains.py)
    ("pkg.chains.Store.session", "pkg.models.Session"),  # self.session_class(): type[Session] = Session
    ("pkg.chains.Store.walk", "pkg.models.Model.save"),  # self.main.save(): @property -> Model
    ("pkg.chains.Store.walk", "pkg.models.Session.close"),  # self.session.close(): @cached_property
    ("pkg.chains.Store.walk", "pkg.models.Model.open"),  # for m in self.items (list[Model]): m.open()
    ("pkg.chains.App.run", "pkg.models.Model.save"),  # self.store.first.save(): two attributes deep
    ("pkg.chains.App.run", "pkg.models.Session.close"),  # session = self.store.session; session.close()
    ("pkg.chains.App.make", "pkg.models.Model"),
    ("pkg.chains.App.create", "pkg.chains.App"),  # cls(store) in a classmethod
    ("pkg.chains.App.client", "pkg.models.Session"),  # the function-local import rebinding cls
    ("pkg.chains.uses_globals", "pkg.chains.App.run"),  # current_app: "App", imported
    ("pkg.chains.uses_globals", "pkg.models.Model.open"),  # current_app.store.main.open()
    ("pkg.chains.uses_globals", "pkg.models.make_model"),  # ModelAlias = make_model; ModelAlias()
    ("pkg.chains.awaited", "pkg.chains.make_app"),
    ("pkg.chains.awaited", "pkg.chains.App.run"),  # app = await make_app() (-> App); app.run()
    ("pkg.chains.make_app", "pkg.chains.App"),
    ("pkg.chains.make_app", "pkg.chains.Store"),
    ("pkg.chains.make_app", "pkg.models.Model"),
    ("pkg.chains.classes", "pkg.models.Model"),  # kind: type[Model]; kind()
    ("pkg.chains.classes", "pkg.models.Model.save"),  # kind().save()
    ("pkg.chains.classes", "pkg.models.Session"),  # store.session_class(): a class attribute
    ("pkg.chains.aliased", "pkg.models.Session"),  # alias = Session; alias()
    ("pkg.chains.aliased", "pkg.chains.Store.walk"),  # app = current_app.store; app.walk()
    ("pkg.chains.wrapper", "pkg.chains.Store.walk"),  # def wrapper(self: Store): self.walk()
    ("pkg.chains.casted", "pkg.chains.Store.walk"),  # store = typing.cast("Store", thing)
    ("pkg.chains.pairs", "pkg.models.Model"),
    ("pkg.chains.unpacked", "pkg.chains.pairs"),
    ("pkg.chains.unpacked", "pkg.models.Model.open"),  # for _name, model in pairs() (tuple[str, Model])
    ("pkg.chains.unpacked", "pkg.models.Session.close"),  # for session, _model in store.owned
}
EVIDENCE = {
    ("pkg.types.BoolParamType.convert", "pkg.base.ParamType.fail"): "self",
    ("pkg.types.parse", "pkg.types.helper"): "scope",
    ("pkg.types.typed", "pkg.models.Model.save"): "annotation",
    ("pkg.app.constructed", "pkg.models.Model"): "import",
    ("pkg.app.constructed", "pkg.models.Model.save"): "constructor",
    ("pkg.app.with_as", "pkg.models.Session.close"): "with",
    ("pkg.app.defaulted", "pkg.models.Model.save"): "default",
    ("pkg.app.guarded", "pkg.models.Model.save"): "isinstance",
    ("pkg.app.local_import", "pkg.types.helper"): "import",
    ("pkg.chains.Store.walk", "pkg.models.Model.save"): "annotation",  # the property's return annotation
    ("pkg.chains.Store.session", "pkg.models.Session"): "attribute",  # the attribute is the class
    ("pkg.chains.App.create", "pkg.chains.App"): "self",
    ("pkg.chains.App.client", "pkg.models.Session"): "import",
    ("pkg.chains.classes", "pkg.models.Model"): "alias",
    ("pkg.chains.uses_globals", "pkg.chains.App.run"): "annotation",
}


def test_calls_match_hand_checked_truth() -> None:
    _, parsed, res = load_fixture("calls_truth")
    found = edge_pairs(parsed, res, "CALLS")
    right = found & TRUTH
    precision = len(right) / len(found)
    recall = len(right) / len(TRUTH)
    assert (precision, recall) == (1.0, 1.0), {"wrong": found - TRUTH, "missed": TRUTH - found}


def test_each_edge_says_how_it_was_found() -> None:
    _, parsed, res = load_fixture("calls_truth")
    idx = qn_index(parsed)
    evidence = {(idx[e.src][1], idx[e.dst][1]): e.evidence for e in res.all_edges() if e.type == "CALLS"}
    assert {pair: evidence.get(pair) for pair in EVIDENCE} == EVIDENCE
    assert all(evidence.values())  # every CALLS edge carries its evidence


def test_heritage_through_generic_and_qualified_bases() -> None:
    _, parsed, res = load_fixture("calls_truth")
    assert edge_pairs(parsed, res, "EXTENDS") == {
        ("pkg.types.BoolParamType", "pkg.base.ParamType"),  # ParamType[bool]; Generic[T] is no base
        ("pkg.types.Choice", "pkg.base.Plain"),  # base.Plain
    }


def test_no_edge_joins_languages_that_cannot_call_each_other() -> None:
    _, parsed, res = load_fixture("calls_truth")
    lang_of = {}
    for path, pf in parsed.items():
        for s in pf.symbols:
            lang_of[(path, s.qualified_name)] = "js" if pf.lang in ("typescript", "javascript") else pf.lang
    idx = qn_index(parsed)
    symbol_edges = [e for e in res.all_edges() if e.type != "IMPORTS"]
    assert symbol_edges
    crossing = [e for e in symbol_edges if lang_of[idx[e.src]] != lang_of[idx[e.dst]]]
    assert crossing == []
    # list() in Python is the builtin: neither the TypeScript list() nor any guess
    assert not {pair for pair in edge_pairs(parsed, res, "CALLS") if pair[0] == "pkg.app.unknown"}
