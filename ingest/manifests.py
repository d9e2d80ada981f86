"""Declared third-party packages from the manifests in a repo.

Used to tell "an import of a dependency" (edge to a ``:Package``) from "an import of something
undeclared/stdlib" (edge to a ``:Module``). Readers are tolerant: a malformed manifest yields nothing.
"""

from __future__ import annotations

import json
import re
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from ingest.model import PackageDecl

_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")
_PIN = re.compile(r"==\s*([^\s,;]+)")


def normalise_pypi(name: str) -> str:
    """PEP 503: lower case, runs of ``-_.`` become ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _pep508(spec: str, manifest: str) -> PackageDecl | None:
    spec = spec.split("#", 1)[0].strip()
    if not spec or spec.startswith(("-", "git+", "http:", "https:", ".", "/")):
        return None
    m = _REQ_NAME.match(spec)
    if not m:
        return None
    pin = _PIN.search(m.group(3) or "")
    return PackageDecl("pypi", normalise_pypi(m.group(1)), pin.group(1) if pin else None, manifest)


def read_pyproject(text: str, manifest: str) -> list[PackageDecl]:
    data = tomllib.loads(text)
    out: list[PackageDecl] = []
    project = data.get("project", {})
    specs: list[str] = list(project.get("dependencies", []))
    for group in project.get("optional-dependencies", {}).values():
        specs.extend(group)
    for group in data.get("dependency-groups", {}).values():
        specs.extend(s for s in group if isinstance(s, str))
    out.extend(d for s in specs if isinstance(s, str) and (d := _pep508(s, manifest)))
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    tables.extend(g.get("dependencies", {}) for g in poetry.get("group", {}).values())
    for table in tables:
        for name, value in table.items():
            if name.lower() == "python":
                continue
            version = value if isinstance(value, str) else (value or {}).get("version")
            out.append(PackageDecl("pypi", normalise_pypi(name), version, manifest))
    return out


def read_requirements(text: str, manifest: str) -> list[PackageDecl]:
    return [d for line in text.splitlines() if (d := _pep508(line, manifest))]


def read_package_json(text: str, manifest: str) -> list[PackageDecl]:
    data = json.loads(text)
    out: list[PackageDecl] = []
    for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
        for name, version in (data.get(key) or {}).items():
            out.append(PackageDecl("npm", name, version if isinstance(version, str) else None, manifest))
    return out


def read_go_mod(text: str, manifest: str) -> list[PackageDecl]:
    out: list[PackageDecl] = []
    in_block = False
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if in_block:
            if line == ")":
                in_block = False
                continue
            parts = line.split()
        elif line.startswith("require"):
            rest = line[len("require") :].strip()
            if rest == "(":
                in_block = True
                continue
            parts = rest.split()
        else:
            continue
        if len(parts) >= 2:
            out.append(PackageDecl("go", parts[0], parts[1], manifest))
    return out


def read_cargo(text: str, manifest: str) -> list[PackageDecl]:
    data = tomllib.loads(text)
    out: list[PackageDecl] = []
    tables = [data.get(k, {}) for k in ("dependencies", "dev-dependencies", "build-dependencies")]
    tables.append(data.get("workspace", {}).get("dependencies", {}))
    for table in tables:
        for name, value in table.items():
            version = value if isinstance(value, str) else (value or {}).get("version")
            real = value.get("package", name) if isinstance(value, dict) else name
            out.append(PackageDecl("cargo", real, version, manifest))
    return out


def read_pom(text: str, manifest: str) -> list[PackageDecl]:
    root = ET.fromstring(text)  # noqa: S314 - repo-local file, no external entities resolved
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    out: list[PackageDecl] = []
    for dep in root.iter(f"{ns}dependency"):
        group = dep.findtext(f"{ns}groupId")
        artifact = dep.findtext(f"{ns}artifactId")
        if group and artifact:
            out.append(
                PackageDecl(
                    "maven",
                    f"{group.strip()}:{artifact.strip()}",
                    (dep.findtext(f"{ns}version") or "").strip() or None,
                    manifest,
                )
            )
    return out


def _reader(path: str):  # type: ignore[no-untyped-def]
    name = path.rsplit("/", 1)[-1]
    if name == "pyproject.toml":
        return read_pyproject
    if name.startswith("requirements") and name.endswith(".txt"):
        return read_requirements
    if name == "package.json":
        return read_package_json
    if name == "go.mod":
        return read_go_mod
    if name == "Cargo.toml":
        return read_cargo
    if name == "pom.xml":
        return read_pom
    return None


def read_manifests(root: Path, paths: Iterable[str]) -> list[PackageDecl]:
    """All packages declared by manifests among ``paths`` (skipping vendored ``node_modules``),
    deduplicated and sorted."""
    found: set[PackageDecl] = set()
    for path in sorted(paths):
        if "node_modules/" in path or "/vendor/" in path:
            continue
        reader = _reader(path)
        if reader is None:
            continue
        try:
            text = (root / path).read_text(encoding="utf-8", errors="replace")
            found.update(reader(text, path))
        except (OSError, ValueError, ET.ParseError, tomllib.TOMLDecodeError, AttributeError, TypeError):
            continue
    return sorted(found, key=lambda d: (d.ecosystem, d.name, d.manifest, d.version or ""))
