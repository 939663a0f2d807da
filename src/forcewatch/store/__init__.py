"""Where forcewatch keeps what it learned (DuckDB by default)."""

from forcewatch.store.duck import Store, StoreBusy

__all__ = ["Store", "StoreBusy"]
