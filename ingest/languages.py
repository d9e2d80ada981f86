"""File extension → language name used by the parsers (and stored on ``:File.lang``)."""

from __future__ import annotations

EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
}

LANGUAGES: tuple[str, ...] = ("python", "typescript", "tsx", "javascript", "go", "rust", "java")


def detect_language(path: str) -> str | None:
    """The language of ``path`` by extension (``.d.ts`` is TypeScript), or None if not code we parse."""
    dot = path.rfind(".")
    if dot < 0 or dot < path.rfind("/"):
        return None
    return EXTENSIONS.get(path[dot:].lower())
