"""The security suite: one test (at least) per trust boundary of docs/security.md.

Tests here that need a real Docker engine are marked `docker` and share the
integration suite's fixtures (their own exercise ids, their own state folder,
everything removed even when a test fails).
"""

from __future__ import annotations

from tests.integration.conftest import backend, state_dir

__all__ = ["backend", "state_dir"]
