"""Shared fixtures: the real sample report from ../shared when present, and a parsed pipeline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FORCEWATCH_SHARED", REPO.parent / "shared"))
SAMPLE = SHARED / "samples" / "russia-syria-bases.txt"
DEMO = REPO / "src" / "forcewatch" / "data" / "demo"


@pytest.fixture(scope="session")
def pipeline():
    from forcewatch.pipeline import Pipeline

    return Pipeline()


@pytest.fixture(scope="session")
def pipeline_all():
    """A pipeline that codes every document, military or not (scope="all")."""
    from forcewatch.pipeline import Pipeline

    return Pipeline(scope="all")


@pytest.fixture(scope="session")
def gaz():
    """The packaged gazetteer, built on first use (shared by the place tests)."""
    from forcewatch.gazetteer.lookup import default_gazetteer

    return default_gazetteer()


@pytest.fixture(scope="session")
def sample_analysis(pipeline):
    if not SAMPLE.exists():
        pytest.skip(f"{SAMPLE} not present")
    from forcewatch.ingest.reports import read_reports

    return pipeline(read_reports(SAMPLE)[0])
