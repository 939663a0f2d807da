"""Shared fixtures: the real sample report from ../shared when present, and a parsed pipeline."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FORCEWATCH_SHARED", REPO.parent / "shared"))
SAMPLE = SHARED / "samples" / "russia-syria-bases.txt"
DEMO = REPO / "src" / "forcewatch" / "data" / "demo"


def _register_store_helpers() -> None:
    """tests/store/stores.py as the module ``forcewatch_test_stores``: the tests import in importlib
    mode, so no test folder is on sys.path, and the store, crash and API tests share these helpers."""
    spec = importlib.util.spec_from_file_location("forcewatch_test_stores", REPO / "tests" / "store" / "stores.py")
    sys.modules[spec.name] = module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


_register_store_helpers()


@pytest.fixture(scope="session")
def resources():
    """The packaged configuration (model, gazetteer, registries, lexicons), loaded once for the session."""
    from forcewatch.config import Resources

    return Resources()


@pytest.fixture(scope="session")
def pipeline(resources):
    from forcewatch.pipeline import Pipeline

    return Pipeline(resources)


@pytest.fixture(scope="session")
def pipeline_all(resources):
    """A pipeline that codes every document, military or not (scope="all")."""
    from forcewatch.pipeline import Pipeline

    return Pipeline(resources, scope="all")


@pytest.fixture(scope="session")
def gaz(resources):
    """The packaged gazetteer, built on first use (shared by the place tests)."""
    return resources.gazetteer


@pytest.fixture(scope="session")
def lexicons(resources):
    return resources.lexicons


@pytest.fixture(scope="session")
def sample_analysis(pipeline):
    if not SAMPLE.exists():
        pytest.skip(f"{SAMPLE} not present")
    from forcewatch.ingest.reports import read_reports

    return pipeline(read_reports(SAMPLE)[0])
