"""Generated git repositories with a planted defect signal: some modules are "hot" (changed
often, by several people, and fixed often), the rest are quiet. Dates are set per commit, so
the history spans about two years and ends yesterday."""

from __future__ import annotations

import os
import random
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

DAY = 86_400
AUTHORS = ("ada@example.com", "bob@example.com", "cyd@example.com", "dee@example.com")


@dataclass
class HistoryRepo:
    root: Path
    hot: set[str]
    first: int
    last: int


def _git(root: Path, *args: str, when: int | None = None, email: str = AUTHORS[0]) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": email.split("@")[0],
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": email.split("@")[0],
        "GIT_COMMITTER_EMAIL": email,
    }
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{when} +0000"
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def make_history_repo(
    root: Path, *, modules: int = 40, hot: int = 10, days: int = 720, seed: int = 7, end: int | None = None
) -> HistoryRepo:
    rng = random.Random(seed)
    root.mkdir(parents=True)
    (root / "pkg").mkdir()
    (root / "tests").mkdir()
    names = [f"pkg/m{i:02d}.py" for i in range(modules)]
    for i, name in enumerate(names):
        body = f"def f{i:02d}(x):\n    return x + {i}\n"
        if i:
            body = f"from pkg.m{i - 1:02d} import f{i - 1:02d}\n\n\n" + body.replace(
                f"return x + {i}", f"return f{i - 1:02d}(x) + {i}"
            )
        (root / name).write_text(body)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "tests" / "test_m00.py").write_text(
        "from pkg.m00 import f00\n\n\ndef test_f00():\n    assert f00(1) == 1\n"
    )
    hot_files = set(rng.sample(names[1:], hot))
    last = end if end is not None else int(time.time()) - DAY
    first = last - days * DAY
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Initial import", when=first)
    when, counter, newest = first, 0, first
    while True:
        when += rng.randint(DAY // 2, 3 * DAY)
        if when > last:
            break
        counter += 1
        fix = rng.random() < 0.35
        pool = sorted(hot_files) if rng.random() < (0.85 if fix else 0.6) else names
        touched = rng.sample(pool, 1 if fix else rng.randint(1, 3))
        for name in touched:
            with (root / name).open("a") as handle:
                handle.write(f"\nVALUE_{counter} = {counter}\n")
        hot_touch = any(t in hot_files for t in touched)
        email = rng.choice(AUTHORS if hot_touch else AUTHORS[:2])
        message = f"Fix crash in {touched[0]}" if fix else f"Add option {counter} to {touched[0]}"
        if rng.random() < 0.1:  # a test-only commit: regression tests must not count as defects
            with (root / "tests" / "test_m00.py").open("a") as handle:
                handle.write(f"\n\ndef test_{counter}():\n    assert True\n")
        _git(root, "commit", "-q", "-am", message, when=when, email=email)
        newest = when
    return HistoryRepo(root=root, hot=hot_files, first=first, last=newest)
