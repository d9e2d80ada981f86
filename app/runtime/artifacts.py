"""Assembling Neo4j, GDS and APOC from Maven Central with the POMs in ``runtime/maven``.

The jars land in ``HUB_RUNTIME_CACHE/neo4j-<version>/{lib,plugins}`` and are reused by every
``HUB_HOME`` on the machine (Maven's own ``~/.m2`` caches the downloads themselves).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import RuntimeStartError

REPO_ROOT = Path(__file__).resolve().parents[2]
RUNTIME_RECIPES = REPO_ROOT / "runtime"
NEO4J_VERSION = "5.26.30"

# Libraries the server's lib/ already ships (same or newer): keeping a second copy in plugins/
# lets the older one shadow it (runtime.md).
_ALREADY_IN_LIB = (
    "jackson-annotations,jackson-core,jackson-databind,caffeine,commons-lang3,commons-text,"
    "eclipse-collections,eclipse-collections-api,javassist,slf4j-api,asm"
)


@dataclass(frozen=True, slots=True)
class Neo4jDistribution:
    root: Path

    @property
    def lib(self) -> Path:
        return self.root / "lib"

    @property
    def plugins(self) -> Path:
        return self.root / "plugins"

    @property
    def complete(self) -> bool:
        return (self.root / ".complete").exists()


def distribution(cache: Path) -> Neo4jDistribution:
    return Neo4jDistribution(cache / f"neo4j-{NEO4J_VERSION}")


def ensure_distribution(cache: Path, maven_settings: Path | None = None) -> Neo4jDistribution:
    """Resolve the jars once; later calls return at once."""
    dist = distribution(cache)
    if dist.complete:
        return dist
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeStartError(
            "Maven (mvn) is not installed; it assembles Neo4j from Maven Central",
            hint="apt-get install -y maven",
        )
    staging = dist.root.with_name(dist.root.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    extra = ["-s", str(maven_settings)] if maven_settings else []
    _copy_dependencies(mvn, RUNTIME_RECIPES / "maven" / "server", staging / "lib", None, extra)
    _copy_dependencies(
        mvn, RUNTIME_RECIPES / "maven" / "plugins", staging / "plugins", _ALREADY_IN_LIB, extra
    )
    (staging / ".complete").write_text(NEO4J_VERSION)
    shutil.rmtree(dist.root, ignore_errors=True)
    staging.rename(dist.root)
    return dist


_NETWORK_FAILURES = ("Could not transfer", "Unknown host", "Connection refused", "No plugin found",
                     "Could not resolve", "Non-resolvable", "timed out")  # fmt: skip


def _copy_dependencies(mvn: str, pom_dir: Path, target: Path, excludes: str | None, extra: list[str]) -> None:
    argv = [
        mvn,
        *extra,
        "-B",
        "-q",
        "org.apache.maven.plugins:maven-dependency-plugin:2.8:copy-dependencies",
        f"-DoutputDirectory={target}",
        "-DincludeScope=runtime",
    ]
    if excludes:
        argv.append(f"-DexcludeArtifactIds={excludes}")
    result = subprocess.run(argv, cwd=pom_dir, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()[-15:]
        unreachable = any(marker in line for line in output for marker in _NETWORK_FAILURES)
        hint = (
            "Maven Central is unreachable from here: check the network or a Maven mirror in "
            "~/.m2/settings.xml; once resolved, the jars are cached and no network is needed"
            if unreachable
            else "see Maven's output above"
        )
        raise RuntimeStartError(f"assembling Neo4j from {pom_dir} failed:\n" + "\n".join(output), hint=hint)
