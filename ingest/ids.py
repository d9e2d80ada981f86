"""Deterministic ids: a hash of an entity's natural key.

The same entity gets the same id on every run and on every hub, so writes are idempotent
(MERGE on id) and federated hubs can refer to each other's nodes without a lookup table.
"""

from __future__ import annotations

import hashlib

_SEPARATOR = "\x1f"  # unit separator: cannot appear in paths or qualified names


def stable_id(kind: str, *parts: str) -> str:
    """A 32-hex-digit id for ``kind`` and its natural key ``parts``."""
    key = _SEPARATOR.join((kind, *parts)).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(key, digest_size=16).hexdigest()


def project_id(name: str) -> str:
    return stable_id("project", name)


def repo_id(project: str, location: str) -> str:
    """``location`` is the repo URL when known, else its absolute path."""
    return stable_id("repo", project, location)


def file_id(repo: str, path: str) -> str:
    return stable_id("file", repo, path)


def symbol_id(repo: str, path: str, qualified_name: str) -> str:
    return stable_id("symbol", repo, path, qualified_name)


def package_id(ecosystem: str, name: str) -> str:
    return stable_id("package", ecosystem, name.lower())


def module_id(repo: str, name: str) -> str:
    """An imported module that is neither a repo file nor a declared package."""
    return stable_id("module", repo, name)


def commit_id(sha: str) -> str:
    return sha


def person_id(email: str) -> str:
    return stable_id("person", email.strip().lower())
