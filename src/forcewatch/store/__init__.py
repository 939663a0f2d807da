"""Where forcewatch keeps what it learned: an embedded DuckDB file by default, or a PostgreSQL
database (``postgresql://...``) that several machines share."""

from forcewatch.store.duck import Store, StoreBusy


def is_url(db) -> bool:
    """Whether ``db`` names a database server rather than a DuckDB file."""
    return str(db).startswith(("postgresql://", "postgres://"))


def open_store(db, read_only: bool = False, fixes=None, **options):
    """The store ``db`` names: a DuckDB file path (or ``:memory:``), or a ``postgresql://`` URL.
    ``options`` are those of ``Store`` (shared, lock_wait, on_wait); ``fixes``: the folder of a DuckDB
    store's fix archive (None: beside the file; a PostgreSQL store keeps its fixes in the database)."""
    if is_url(db):
        from forcewatch.store.postgres import PostgresStore

        return PostgresStore(str(db), read_only=read_only, **options)
    return Store(db, read_only=read_only, fixes=fixes, **options)


__all__ = ["Store", "StoreBusy", "is_url", "open_store"]
