"""The import rule of docs/ARCHITECTURE.md, checked rather than hoped for."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOMAINS = {"events", "graph", "agents", "compliance", "intelligence", "federation", "health", "workflows"}


def imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_core_imports_no_domain() -> None:
    for path in (ROOT / "app" / "core").rglob("*.py"):
        for name in imports_of(path):
            parts = name.split(".")
            assert not (parts[0] == "app" and len(parts) > 1 and parts[1] in DOMAINS), (path, name)


def test_domains_reach_other_domains_only_through_their_service() -> None:
    for domain in DOMAINS:
        for path in (ROOT / "app" / domain).rglob("*.py"):
            for name in imports_of(path):
                parts = name.split(".")
                if parts[0] == "app" and len(parts) > 1 and parts[1] in DOMAINS and parts[1] != domain:
                    assert len(parts) > 2 and parts[2] in {"service", "models"}, (path, name)


def test_ingest_uses_only_core_and_config_from_app() -> None:
    for path in (ROOT / "ingest").rglob("*.py"):
        for name in imports_of(path):
            parts = name.split(".")
            if parts[0] == "app":
                assert len(parts) > 1 and parts[1] in {"core", "config"}, (path, name)


def test_routers_run_no_cypher() -> None:
    for path in (ROOT / "app").rglob("router.py"):
        text = path.read_text()
        assert "execute_query" not in text and ".run(" not in text, path
