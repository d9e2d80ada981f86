"""Parsing many files in worker processes (tree-sitter holds the GIL while it parses)."""

from __future__ import annotations

import gc
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from ingest.discovery import SourceFile
from ingest.model import ParsedFile
from ingest.parsing import parse_source

# Below this many bytes a pool costs more to start than it saves.
_POOL_THRESHOLD_BYTES = 1_500_000
_CHUNK_BYTES = 400_000


def _parse_chunk(chunk: list[tuple[str, str, bytes]]) -> list[ParsedFile]:
    gc.disable()  # workers only allocate acyclic parse results; they exit when done
    return [parse_source(path, lang, content) for path, lang, content in chunk]


def _parse_chunk_pickled(chunk: list[tuple[str, str, bytes]]) -> list[bytes]:
    """Results pickled here, once: the parent unpickles them and files the same bytes in the
    parse cache instead of pickling every result a second time (0.6 s of the parent's CPU on Django)."""
    return [pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL) for parsed in _parse_chunk(chunk)]


def _chunks(files: Sequence[SourceFile]) -> Iterator[list[tuple[str, str, bytes]]]:
    chunk: list[tuple[str, str, bytes]] = []
    size = 0
    for source in files:
        chunk.append((source.path, source.lang, source.content))
        size += source.size
        if size >= _CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def parse_files(
    files: Sequence[SourceFile],
    *,
    workers: int | None = None,
    on_parsed: Callable[[int], None] = lambda _: None,
    on_pickled: Callable[[ParsedFile, bytes], None] | None = None,
) -> list[ParsedFile]:
    """Parse ``files``; results in input order. ``on_parsed(n)`` reports progress; ``on_pickled``
    receives each result a worker process sent, with its pickled bytes (not called for results
    parsed in this process)."""
    total_bytes = sum(source.size for source in files)
    workers = workers or max(1, os.cpu_count() or 1)
    if workers == 1 or total_bytes < _POOL_THRESHOLD_BYTES:
        results = []
        for chunk in _chunks(files):
            results.extend(_parse_chunk(chunk))
            on_parsed(len(chunk))
        return results
    # fork: workers inherit the imported grammars instead of loading them again.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        results = []
        for blobs in pool.map(_parse_chunk_pickled, _chunks(files)):
            for blob in blobs:
                parsed = pickle.loads(blob)  # noqa: S301 - our own worker's output
                results.append(parsed)
                if on_pickled is not None:
                    on_pickled(parsed, blob)
            on_parsed(len(blobs))
        return results
