"""Git history into the graph: Commit, Person AUTHORED Commit, Commit MODIFIED File, churn.

One ``git log --numstat`` driven through gitpython (9x faster than gitpython's per-commit
``stats``); incremental from ``Repo.historyHead``, so only commits not yet in the graph are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import git
from neo4j import Driver

from app.core.cypher import query
from ingest import ids

_FIX_WORDS = re.compile(r"\b(fix(e[sd])?|bug(fix)?|hotfix|regression|crash|patch(ed)?)\b", re.IGNORECASE)
_FIX_TRAILER = re.compile(r"^(Fixes|Closes|Resolves):", re.IGNORECASE | re.MULTILINE)
_RECORD, _FIELD = "\x1e", "\x1f"
BATCH = 5_000


class HistoryUnavailable(Exception):
    """Git could not read the history; the code graph is still written."""


def is_fix(message: str) -> bool:
    """Bug-fix commits by message keywords or a ``Fixes:`` trailer (the bugspots heuristic)."""
    subject = message.split("\n", 1)[0]
    return bool(_FIX_WORDS.search(subject) or _FIX_TRAILER.search(message))


@dataclass(slots=True)
class CommitRecord:
    sha: str
    time: int
    author: str
    email: str
    message: str
    files: list[tuple[str, int, int]] = field(default_factory=list)


def parse_log(text: str) -> list[CommitRecord]:
    commits = []
    for record in text.split(_RECORD):
        if not record.strip():
            continue
        parts = record.split(_FIELD)
        if len(parts) < 6:
            continue
        sha, stamp, author, email, message, numstat = parts[:6]
        commit = CommitRecord(sha.strip(), int(stamp), author, email, message.strip())
        for line in numstat.strip().splitlines():
            cols = line.split("\t")
            if len(cols) != 3:
                continue
            added, deleted, path = cols
            commit.files.append((path, int(added) if added.isdigit() else 0,
                                 int(deleted) if deleted.isdigit() else 0))  # fmt: skip
        commits.append(commit)
    return commits


def read_commits(
    root: Path, *, since_sha: str | None, limit: int | None
) -> tuple[str | None, list[CommitRecord]]:
    try:
        repo = git.Repo(root, search_parent_directories=False)
        head = repo.head.commit.hexsha
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
        return None, []
    if since_sha == head:
        return head, []
    rev = "HEAD"
    if since_sha:
        try:
            repo.git.merge_base("--is-ancestor", "--end-of-options", since_sha, head)
            rev = f"{since_sha}..HEAD"
        except git.GitCommandError:
            rev = "HEAD"  # history was rewritten: read it all again (MERGE keeps this idempotent)
    log_format = _FIELD.join(("%H", "%at", "%an", "%ae", "%B", ""))
    args = ["--no-renames", "--numstat", f"--format={_RECORD}{log_format}"]
    if limit:
        args.append(f"-n{limit}")
    try:
        text = repo.git.log(*args, "--end-of-options", rev, "--")
    except git.GitCommandError as error:  # e.g. git refuses a repository owned by another user
        raise HistoryUnavailable(str(error).strip().splitlines()[-1]) from error
    return head, parse_log(text)


def ingest_history(
    driver: Driver, *, root: Path, repo_id: str, limit: int | None, database: str, rescan: bool = False
) -> int:
    """Add the commits not yet in the graph; ``rescan`` re-reads all (after a full rebuild)."""

    def run(name: str, **params: Any) -> list[Any]:
        records, _, _ = driver.execute_query(query(name), params, database_=database)
        return records

    state = run("history/repo_head", repoId=repo_id)
    since_sha = state[0]["head"] if state and not rescan else None
    head, commits = read_commits(root, since_sha=since_sha, limit=limit)
    if head is None:
        return 0
    commit_rows = [{"sha": c.sha, "time": c.time, "message": c.message[:2000], "isFix": is_fix(c.message),
                    "personId": ids.person_id(c.email), "author": c.author, "email": c.email.lower()}
                   for c in commits]  # fmt: skip
    for start in range(0, len(commit_rows), BATCH):
        run("history/merge_commits", repoId=repo_id, rows=commit_rows[start : start + BATCH])
    modified = [{"sha": c.sha, "fileId": ids.file_id(repo_id, path), "added": a, "deleted": d}
                for c in commits for path, a, d in c.files]  # fmt: skip
    for start in range(0, len(modified), BATCH * 2):
        run("history/merge_modified", rows=modified[start : start + BATCH * 2])
    touched = sorted({row["fileId"] for row in modified})
    for start in range(0, len(touched), BATCH):
        run("history/update_churn", fileIds=touched[start : start + BATCH])
    run("history/set_repo_head", repoId=repo_id, head=head)
    return len(commits)
