"""Finding a Java that Neo4j 5.26 runs on (17 or 21)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from app.core.errors import RuntimeStartError

SUPPORTED_MAJORS = (17, 21)
_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


def java_major(java: Path) -> int | None:
    try:
        result = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSION.search(result.stderr + result.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 and match.group(2) else major


def find_java(configured_home: Path | None) -> Path:
    """The configured Java home, else JAVA_HOME, else a JDK 17/21 under /usr/lib/jvm, else PATH."""
    candidates: list[Path] = []
    if configured_home is not None:
        candidates.append(configured_home / "bin" / "java")
    elif os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]) / "bin" / "java")
    else:
        jvm = Path("/usr/lib/jvm")
        for major in SUPPORTED_MAJORS:
            candidates.extend(sorted(jvm.glob(f"*{major}*/bin/java")) if jvm.exists() else [])
        on_path = shutil.which("java")
        if on_path:
            candidates.append(Path(on_path))
    seen: list[str] = []
    for java in candidates:
        if not java.exists():
            seen.append(f"{java} (missing)")
            continue
        major = java_major(java)
        if major in SUPPORTED_MAJORS:
            return java
        seen.append(f"{java} (Java {major})")
    found = ", ".join(seen) or "no java at all"
    raise RuntimeStartError(
        f"Neo4j 5.26 needs Java 17 or 21; found {found}",
        hint="apt-get install -y openjdk-17-jre-headless, or set HUB_NEO4J_JAVA_HOME to a JDK 17",
    )
