"""Labels of folders and files drawn side by side tell them apart (a pure function, no services)."""

from __future__ import annotations

from app.views.service import ViewNode, disambiguate_labels


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


def test_a_folder_holding_only_one_subfolder_is_drawn_as_the_chain() -> None:
    from app.views.service import _Folding

    paths = ["src/main/java/App.java", "src/main/java/util/Io.java", "docs/a.md", "docs/b/c.md", "x.py", "y"]
    folding = _Folding("folders", set(), 1, paths)
    assert folding.compacted("src/") == "src/main/java/"
    assert folding.compacted("docs/") == "docs/"  # it holds a file
    assert folding.folder_label_and_parent("src/main/java/") == ("src/main/java/", None)

    opened = _Folding("folders", {"dir:src/main/java/"}, 1, paths)
    assert opened.compacted("src/main/java/util/") == "src/main/java/util/"
    assert opened.folder_label_and_parent("src/main/java/util/") == ("util/", "dir:src/main/java/")
