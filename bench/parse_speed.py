"""Parse + extract speed on one core: ``python bench/parse_speed.py DIR [DIR...]``.

Prints files, MB, seconds and MB/s per directory (reading files is excluded from the timing), so the
figure compares with the reference in the design brief (Django 5.2: about 2.5 s).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ingest.languages import detect_language
from ingest.parsing import parse_source


def bench(root: Path) -> None:
    items = []
    for f in sorted(root.rglob("*")):
        rel = f.relative_to(root).as_posix()
        lang = detect_language(rel)
        if lang and f.is_file():
            items.append((rel, lang, f.read_bytes()))
    parse_source("warmup.py", "python", b"x = 1\n")
    size = sum(len(b) for _, _, b in items) / 1e6
    start = time.perf_counter()
    symbols = calls = 0
    for rel, lang, data in items:
        pf = parse_source(rel, lang, data)
        symbols += len(pf.symbols)
        calls += len(pf.calls)
    secs = time.perf_counter() - start
    print(
        f"{root}: {len(items)} files, {size:.1f} MB, {secs:.2f} s, {size / secs:.1f} MB/s "
        f"({symbols} symbols, {calls} calls)"
    )


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["."]:
        bench(Path(arg))
