"""Shared test helpers: where the fixtures and shipped scenarios live."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "scenarios"
SCENARIOS = ROOT / "scenarios"
