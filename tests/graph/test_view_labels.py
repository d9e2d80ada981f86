"""Labels of folders and files drawn side by side tell them apart (a pure function, no services)."""

from __future__ import annotations

from app.graph.views_service import ViewNode, disambiguate_labels


def folder(path: str) -> ViewNode:
    return ViewNode(id=f"dir:{path}", entity="Folder", label=path.rstrip("/").rsplit("/", 1)[-1] + "/",
                    parent=None, path=path)  # fmt: skip


def file(path: str) -> ViewNode:
    return ViewNode(id=path, entity="File", label=path.rsplit("/", 1)[-1], parent=None, path=path)


def test_same_named_folders_and_files_get_their_distinguishing_path() -> None:
    nodes = [folder("src/"), folder("ui/src/"), file("a/core/index.ts"), file("b/core/index.ts"),
             file("lib/index.ts"), file("README.md"), folder("docs/")]  # fmt: skip
    disambiguate_labels(nodes)
    assert [n.label for n in nodes] == [
        "src/", "ui/src/", "a/core/index.ts", "b/core/index.ts", "lib/index.ts", "README.md", "docs/",
    ]  # fmt: skip


def test_symbols_keep_their_names() -> None:
    a = ViewNode(id="1", entity="Symbol", label="run", parent=None, path="a.py")
    b = ViewNode(id="2", entity="Symbol", label="run", parent=None, path="b.py")
    disambiguate_labels([a, b])
    assert (a.label, b.label) == ("run", "run")
