"""Bounded parallel work that finishes every task before reporting a failure.

Stopping at the first error would leave other workers' objects half-made;
letting every task finish means `down` always finds a consistent set by label.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from orchestrator.errors import RuntimeFailureError

T = TypeVar("T")
R = TypeVar("R")


def run_parallel(task: Callable[[T], R], items: Iterable[T], max_workers: int) -> list[R]:
    """Results in the order of `items`; every failure is reported together."""
    work = list(items)
    if not work:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(work)))) as pool:
        futures = [pool.submit(task, item) for item in work]
    results: list[R] = []
    failures: list[BaseException] = []
    for future in futures:
        error = future.exception()
        if error is None:
            results.append(future.result())
        else:
            failures.append(error)
    if failures:
        if len(failures) == 1:
            raise failures[0]
        first = failures[0]
        messages = "; ".join(str(getattr(f, "message", f)) for f in failures[:5])
        more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
        raise RuntimeFailureError(f"{len(failures)} failures: {messages}{more}",
                                  getattr(first, "hint", None))
    return results
