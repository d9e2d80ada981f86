"""Parser worker processes send their results pickled once; the parse cache files those bytes."""

from __future__ import annotations

from pathlib import Path

from ingest.discovery import SourceFile, discover
from ingest.parallel import _POOL_THRESHOLD_BYTES, parse_files
from ingest.parse_cache import ParseCache


def test_pool_results_and_their_pickled_bytes_equal_an_inline_parse(tmp_path: Path) -> None:
    body = "".join(f"class C{i}(Base):\n    def m{i}(self, x):\n        return helper(x) + {i}\n\n"
                   for i in range(400))  # fmt: skip
    for n in range(1 + _POOL_THRESHOLD_BYTES // len(body)):
        (tmp_path / "src" / f"mod{n}.py").parent.mkdir(exist_ok=True)
        (tmp_path / "src" / f"mod{n}.py").write_text(f"from base import Base, helper\n# {n}\n{body}")
    files: list[SourceFile] = discover(tmp_path).files
    assert sum(f.size for f in files) >= _POOL_THRESHOLD_BYTES  # the worker pool is used

    sent: dict[str, bytes] = {}
    pooled = parse_files(files, workers=2, on_pickled=lambda parsed, blob: sent.setdefault(parsed.path, blob))
    inline = parse_files(files, workers=1, on_pickled=lambda *_: (_ for _ in ()).throw(AssertionError))
    assert pooled == inline and len(pooled) == len(files)
    assert sorted(sent) == sorted(f.path for f in files)

    cache = ParseCache(tmp_path / "cache")
    sha = {f.path: f.sha256 for f in files}
    for path, blob in sent.items():
        cache.put_pickled(path, sha[path], blob)
    assert all(cache.get(p.path, sha[p.path]) == p for p in pooled)
    assert cache.get(pooled[0].path, "another content hash") is None
