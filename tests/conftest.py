"""Shared fixtures: the default tagger (loaded once per test session) and ../shared paths."""

from __future__ import annotations

from pathlib import Path

import pytest

import tagger

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "ukrainska_pravda_2025-07-18_messengers.txt"


def shared_file(*parts: str) -> Path:
    """A file under ../shared, or skip the test where ../shared is absent (a user's machine)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not available (../shared is only on the project's machines)")
    return path


@pytest.fixture(scope="session")
def default() -> tagger.Tagger:
    return tagger.default_tagger()


@pytest.fixture(scope="session")
def seed_text() -> str:
    return shared_file("seed", SEED.name).read_text(encoding="utf-8")
