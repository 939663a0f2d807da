import os
from datetime import date

import pytest

from forcewatch.records import Credibility, Document, Event, Place, Site, Source, TimeSpan
from forcewatch.store import Store, open_store


def doc(text: str) -> Document:
    return Document(id=Document.make_id(text), text=text, path="x.txt", published=date(2024, 12, 14))


def event(d: Document, start: int, type_="MOBILIZE", subtype="anchor", lat=34.97, lon=35.78, day=9, kind="imagery",
          grade=Credibility("B", 2, "B: imagery. 2 (probably true): seen by the source itself.")):
    span = (start, start + 4)
    return Event(
        id=Event.make_id(d.id, span, type_, subtype), doc_id=d.id, type=type_, subtype=subtype,
        trigger=d.text[span[0]:span[1]], trigger_span=span, sentence=d.text, span=(0, len(d.text)),
        location=Place("p", lat, lon, "relative", "relative", 3.0),
        time=TimeSpan(date(2024, 12, day), date(2024, 12, day)),
        source=Source(kind), credibility=grade,
    )


@pytest.fixture
def store(backend_db):
    """A new store on each backend (DuckDB file, PostgreSQL database)."""
    with open_store(backend_db) as s:
        yield s


def test_same_document_is_stored_once(store):
    d = doc("Three ships anchored off Tartus.")
    assert store.add_document(d, [event(d, 0)]) is True
    assert store.add_document(d, [event(d, 0)]) is False
    assert store.count("documents") == 1
    assert store.count("events") == 1
    assert store.document(d.id).text == d.text
    assert store.document(d.id).published == date(2024, 12, 14)


def test_event_filters(store):
    d = doc("Ships anchored. Jets left the base. Troops withdrew.")
    store.add_document(d, [
        event(d, 0, day=9),
        event(d, 16, subtype="depart", lat=35.40, lon=35.95, day=13),
        event(d, 36, type_="RETREAT", subtype="withdraw", lat=55.75, lon=37.62, day=14, kind="anonymous"),
    ])
    assert len(store.events()) == 3
    assert [e.subtype for e in store.events(type="MOBILIZE")] == ["anchor", "depart"]
    near_hmeimim = store.events(near=(35.40, 35.95, 25))
    assert [e.subtype for e in near_hmeimim] == ["depart"]
    # 60 km from Hmeimim reaches the anchorage off Tartus (~50 km away) but not Moscow.
    assert {e.subtype for e in store.events(near=(35.40, 35.95, 60))} == {"depart", "anchor"}
    assert [e.subtype for e in store.events(since=date(2024, 12, 10))] == ["depart", "withdraw"]
    assert [e.subtype for e in store.events(until=date(2024, 12, 13))] == ["anchor", "depart"]
    assert [e.subtype for e in store.events(source_kind="anonymous")] == ["withdraw"]
    assert [e.subtype for e in store.events(bbox=(34.0, 35.0, 36.0, 36.5))] == ["anchor", "depart"]
    assert store.count_events(type="MOBILIZE") == 2
    assert len(store.events(limit=1, offset=1)) == 1


def graded(s: Store) -> list[Event]:
    """Three events graded B2, B3 and C2, stored in s."""
    d = doc("Ships anchored. Jets left the base. Troops withdrew.")
    events = [event(d, 0), event(d, 16, subtype="depart", grade=Credibility("B", 3, "hedged")),
              event(d, 36, subtype="withdraw", grade=Credibility("C", 2))]
    s.add_document(d, events)
    return events


def assert_grade_filters(s: Store, events: list[Event]) -> None:
    b2, b3, c2 = (e.id for e in events)
    assert {e.id for e in s.events(credibility="B")} == {b2, b3}
    assert [e.id for e in s.events(credibility="B2")] == [b2]
    assert [e.id for e in s.events(credibility="C2")] == [c2] and s.events(credibility="C3") == []
    assert s.count_events(credibility="B") == 2
    assert s.event_facets()["credibility"] == {"B2": 1, "B3": 1, "C2": 1}
    assert s.event_facets(credibility="B")["credibility"] == {"B2": 1, "B3": 1}
    grades = {e.id: e.credibility for e in events}
    assert {e.id: e.credibility for e in s.events()} == grades
    assert {d["id"]: d["credibility"] for d in s.event_dicts_page(10)[1]} == {i: g.to_dict() for i, g in grades.items()}
    assert all("credibility_basis" not in d for d in s.event_dicts_page(10)[1])


def test_grades_are_stored_as_letter_and_digit(store):
    events = graded(store)
    rows = store.con.execute("SELECT reliability, information FROM events ORDER BY id").fetchall()
    assert sorted(rows) == [("B", 2), ("B", 3), ("C", 2)]
    assert_grade_filters(store, events)


def test_a_database_with_grades_as_codes_is_migrated_and_its_records_still_read(tmp_path):
    """Databases written before kept the grade as a code ("B2") in a credibility column, and the
    records with the code and a credibility_basis field: read-only they answer as they are,
    opened for writing they get the two columns, and their records stay as written."""
    import json

    path = tmp_path / "old.duckdb"
    with Store(path) as s:
        events = graded(s)
        for e in events:  # as written by an earlier forcewatch
            old = {**e.to_dict(), "credibility": e.credibility.code, "credibility_basis": e.credibility.basis}
            s.con.execute("UPDATE events SET record = ? WHERE id = ?", [json.dumps(old), e.id])
        s.con.execute("ALTER TABLE events ADD COLUMN credibility VARCHAR")
        s.con.execute("UPDATE events SET credibility = reliability || information")
        s.con.execute("ALTER TABLE events DROP COLUMN reliability")
        s.con.execute("ALTER TABLE events DROP COLUMN information")
        s.con.execute("DROP TABLE schema_version")  # files from before the version row
    with Store(path, read_only=True) as s:
        assert_grade_filters(s, events)
    with Store(path) as s:
        columns = s._event_columns()
        assert {"reliability", "information"} <= columns and "credibility" not in columns
        rows = s.con.execute("SELECT id, reliability, information FROM events").fetchall()
        assert sorted(rows) == sorted((e.id, e.credibility.reliability, e.credibility.information) for e in events)
        assert "credibility_basis" in s.con.execute("SELECT record FROM events LIMIT 1").fetchone()[0]
        assert_grade_filters(s, events)
        s.add_events([event(doc("Later."), 0, grade=Credibility("B", 2))])  # new rows beside the old
        assert s.count_events(credibility="B2") == 2


def test_a_failed_write_leaves_earlier_data_untouched(store):
    first = doc("First report.")
    store.add_document(first, [event(first, 0)])
    second = doc("Second report.")
    broken = event(second, 0)
    broken.type = None  # violates NOT NULL: the whole document must roll back
    with pytest.raises(Exception):
        store.add_document(second, [broken])
    assert store.count("documents") == 1
    assert store.count("events") == 1
    assert not store.has_document(second.id)
    # The store still works afterwards.
    assert store.add_document(second, [event(second, 0)]) is True


def test_sites_round_trip(store):
    store.add_sites([Site("hmeimim", "Hmeimim Air Base", "airfield", 35.4011, 35.9487, 3.0, "SY", ["Khmeimim"])])
    [site] = store.sites()
    assert site.aliases == ["Khmeimim"] and site.radius_km == 3.0


def test_reopened_database_keeps_everything(tmp_path):
    path = tmp_path / "fw.duckdb"
    d = doc("Ships anchored.")
    with Store(path) as s:
        s.add_document(d, [event(d, 0)])
    with Store(path, read_only=True) as s:
        assert s.count("events") == 1
        assert s.event(event(d, 0).id).location.lat == 34.97


def test_a_locked_or_foreign_file_gets_a_clear_error(tmp_path):
    import subprocess
    import sys

    from forcewatch.store import StoreBusy

    path = tmp_path / "fw.duckdb"
    with Store(path):
        # Another process cannot open it while this one writes.
        code = (
            "import sys\nfrom forcewatch.store import Store, StoreBusy\n"
            f"try:\n    Store({str(path)!r}, read_only=True, lock_wait=0.3)\nexcept StoreBusy as e:\n    print(e); sys.exit(3)\n"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 3, done.stderr
    assert f"in use by process {os.getpid()}" in done.stdout and "waited 0.3 s" in done.stdout
    text_file = tmp_path / "notes.duckdb"
    text_file.write_text("not a database")
    with pytest.raises(StoreBusy, match="cannot open database"):
        Store(text_file)


def test_pages_carry_the_document_reference_also_in_databases_from_before_it(tmp_path):
    """Events stored with their document carry its reference; a database written before the
    doc_ref column is filled in when opened for writing, and read-only it falls back to look-ups."""
    path = tmp_path / "old.duckdb"
    d = doc("Two frigates left Tartus on Friday.")
    with Store(path) as s:
        s.add_document(d, [event(d, 0)])
        _, page = s.event_dicts_page(10)
        assert page[0]["doc"] == {"id": d.id, "path": "x.txt", "url": None, "title": None, "published": "2024-12-14"}
        s.con.execute("ALTER TABLE events DROP COLUMN doc_ref")  # as written by an earlier forcewatch
        s.con.execute("DROP TABLE schema_version")  # files from before the version row
    with Store(path, read_only=True) as s:
        _, page = s.event_dicts_page(10)
        assert "doc" not in page[0] and page[0]["doc_id"] == d.id
    with Store(path) as s:  # writable: the migration fills the column from the documents table
        _, page = s.event_dicts_page(10)
        assert page[0]["doc"]["path"] == "x.txt" and page[0]["doc"]["published"] == "2024-12-14"


def test_search_column_of_an_older_database_is_filled_like_new_rows(tmp_path):
    """Rows written before the search column get the same text as new rows: sentence, place,
    source, actor and equipment."""
    from forcewatch.records import Actor, Equipment
    from forcewatch.store.duck import search_text

    path = tmp_path / "old.duckdb"
    d = doc("Two Il-76s left Hmeimim on Friday, an official said.")
    e = event(d, 0)
    e.actor = Actor("Russia", "RUS")
    e.equipment = [Equipment(name="Il-76", category="aircraft", count=2)]
    e.source = Source("official", name="Syrian Defence Ministry")
    with Store(path) as s:
        s.add_document(d, [e])
        s.con.execute("UPDATE events SET search = NULL")  # as left by an earlier forcewatch
        s.con.execute("DROP TABLE schema_version")  # files from before the version row
    with Store(path) as s:
        stored = s.con.execute("SELECT search FROM events").fetchone()[0]
        assert stored == search_text(e)
        assert [x.id for x in s.events(q="il-76")] == [e.id] and [x.id for x in s.events(q="defence ministry")] == [e.id]


def test_the_scope_a_document_was_coded_with_is_kept_and_widened(tmp_path):
    """A report coded for military events only can be coded again for every event; documents from
    a database written before scopes count as coded whole."""
    path = tmp_path / "scopes.duckdb"
    old, off_topic = doc("Two frigates left Tartus on Friday."), doc("The mayor opened a bridge.")
    with Store(path) as s:
        s.add_document(old)
        s.con.execute("ALTER TABLE documents DROP COLUMN scope")  # as written by an earlier forcewatch
        s.con.execute("DROP TABLE schema_version")  # files from before the version row
    with Store(path) as s:
        assert s.coded_scope(old.id) == "all" and s.coded_scope(off_topic.id) is None
        s.add_document(off_topic, [], scope="force")
        assert s.coded_scope(off_topic.id) == "force"
        s.recode_document(off_topic.id, [event(off_topic, 4, type_="CONSULT", subtype=None)], "all")
        assert s.coded_scope(off_topic.id) == "all"
        [e] = s.events(doc_id=off_topic.id)
        assert e.type == "CONSULT"
        assert s.event_dicts_page(10)[1][0]["doc"]["id"] == off_topic.id


def test_background_events_are_kept_but_listed_only_when_asked(store):
    d = doc("Old and new: two anchorages, one in the 1990s.")
    old, new = event(d, 0), event(d, 8)
    old.background = True
    store.add_document(d, [old, new])
    assert [e.id for e in store.events(background=False)] == [new.id]
    assert [e.id for e in store.events(background=True)] == [old.id]
    assert {e.id for e in store.events()} == {old.id, new.id}
    assert store.event(old.id).background


def _at(e: Event, hhmm: str) -> Event:
    """The event as a sensor gives it: an exact UTC instant on its day."""
    from datetime import datetime, timezone

    h, m = map(int, hhmm.split(":"))
    t = datetime(e.time.start.year, e.time.start.month, e.time.start.day, h, m, tzinfo=timezone.utc)
    e.time = TimeSpan(e.time.start, e.time.end, start_time=t, end_time=t)
    return e


def test_same_day_events_are_listed_in_time_of_day_everywhere(tmp_path):
    """Events of one day come by time of day (a date alone first, as the day's start) whatever their
    ids, in ``events``, in pages both ways, and in happenings; a database from before the column is
    filled in when opened for writing."""
    from forcewatch.records import Cluster

    path = tmp_path / "day.duckdb"
    d = doc("Four movements in one day at Hmeimim, told by a feed and a report.")
    late, early, noon = _at(event(d, 0), "21:05"), _at(event(d, 5), "02:10"), _at(event(d, 10), "12:00")
    dated = event(d, 15)  # the day alone
    nextday = _at(event(d, 20, day=10), "00:30")
    want = [dated.id, early.id, noon.id, late.id, nextday.id]
    assert sorted(want) != want, "ids alone would give another order"
    clusters = [Cluster(id=f"c-{e.id}", event_ids=[e.id], type=e.type, subtype=e.subtype, modality="asserted",
                        time=e.time) for e in (late, early, dated)]
    with Store(path) as s:
        s.add_document(d, [late, early, noon, dated, nextday])
        s.replace_clusters(clusters)
        assert [e.id for e in s.events()] == want
        assert [e["id"] for e in s.event_dicts_page(10)[1]] == want
        assert [e["id"] for e in s.event_dicts_page(10, newest_first=True)[1]] == want[::-1]
        assert [e["id"] for e in s.event_dicts_page(2, 1, q="four")[1]] == want[1:3]  # filtered pages too
        assert [c["id"] for c in s.cluster_page(10)[1]] == [f"c-{i}" for i in (dated.id, early.id, late.id)]
        s.con.execute("UPDATE events SET t_at = NULL")  # as left by an earlier forcewatch
        s.con.execute("UPDATE clusters SET t_at = NULL")
        s.con.execute("DROP TABLE schema_version")  # files from before the version row
    with Store(path) as s:
        assert [e.id for e in s.events()] == want
        assert [c["id"] for c in s.cluster_page(10)[1]] == [f"c-{i}" for i in (dated.id, early.id, late.id)]


def test_a_shared_store_holds_the_file_only_while_it_is_used(tmp_path):
    """Between calls another process opens the file; inside a transaction it cannot; a failed
    transaction, nested or not, leaves nothing; methods of a mixin get a connection too."""
    import subprocess
    import sys

    from forcewatch.store.duck import _sessioned

    path = tmp_path / "fw.duckdb"
    probe = ("import duckdb, sys\ntry:\n    duckdb.connect(sys.argv[1], read_only=True).close()\n"
             "except duckdb.IOException:\n    sys.exit(3)\n")

    def other_process_opens() -> bool:
        return subprocess.run([sys.executable, "-c", probe, str(path)]).returncode == 0

    store = Store(path, shared=True)
    d = doc("Two frigates left Tartus on Friday.")
    assert store.add_document(d, [event(d, 0)]) and store.count("events") == 1
    assert other_process_opens()
    with store.transaction():
        assert not other_process_opens()
    with pytest.raises(RuntimeError, match="shared store"):
        store.con  # noqa: B018  (outside a session there is no connection)
    d2 = doc("Three corvettes left Tartus on Saturday.")
    with pytest.raises(ZeroDivisionError):
        with store.transaction():
            with store.transaction():
                store.add_document(d2, [event(d2, 0)])
            1 / 0
    assert store.count("documents") == 1 and not store.has_document(d2.id)
    assert store.unfused_documents() == [d.id]
    store.mark_fused([d.id])
    assert store.unfused_documents() == []

    class Extra:
        def answer(self) -> int:
            return self.con.execute("SELECT count(*) FROM documents").fetchone()[0]

    Mixed = _sessioned(type("Mixed", (Extra, Store), {}))
    assert Mixed(path, shared=True).answer() == 1


def test_a_new_store_killed_at_once_opens_again(tmp_path):
    """DuckDB 1.4 cannot replay a write-ahead log holding an ALTER of a table with a DEFAULT column: a
    store is made whole by CREATE and checkpointed, so a process killed right after making it leaves
    a file that opens (it never did before)."""
    import signal
    import subprocess
    import sys

    path = tmp_path / "fw.duckdb"
    code = ("import os, signal, sys\nfrom forcewatch.store import Store\n"
            "s = Store(sys.argv[1], shared=True)\ns.mark_fused([])\nos.kill(os.getpid(), signal.SIGKILL)\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True)
    assert done.returncode == -signal.SIGKILL
    with Store(path) as s:
        assert s.count("documents") == 0 and s.unfused_documents() == []


def test_fusion_reads_only_the_periods_a_batch_is_dated_in(store):
    """``events_meeting``: the stored events whose dates meet one of the spans (overlapping spans
    merged), never background, by subtype and modality when asked; a batch dated today and in 1971
    reads those two periods, not the decades between."""
    from dataclasses import replace

    d = doc("Ships came and went at Tartus over the years, and a lease was signed in 1971.")

    def on(day: date, start: int, **kw) -> Event:
        e = event(d, start, **{k: v for k, v in kw.items() if k in ("subtype", "type_")})
        e = replace(e, id=f"{day}-{start}", time=TimeSpan(day, day), modality=kw.get("modality", "asserted"))
        e.background = kw.get("background", False)
        return e

    lease, between, today, later = on(date(1971, 5, 1), 0), on(date(1990, 1, 1), 5), on(date(2024, 12, 9), 10), \
        on(date(2024, 12, 12), 15, subtype="depart")
    recalled = on(date(2024, 12, 9), 20, background=True)
    silent = on(date(2024, 12, 9), 25, modality="no_comment")
    store.add_document(d, [lease, between, today, later, recalled, silent])

    def ids(spans, **kw):
        return [e.id for e in store.events_meeting(spans, **kw)]

    spans = [(date(1971, 4, 28), date(1971, 5, 4)), (date(2024, 12, 8), date(2024, 12, 10))]
    assert ids(spans) == [lease.id, today.id, silent.id]
    assert ids([(date(2024, 12, 8), date(2024, 12, 10)), (date(2024, 12, 10), date(2024, 12, 12))]) == \
        [today.id, silent.id, later.id]  # merged into one span
    assert ids(spans, skip_modalities={"no_comment"}) == [lease.id, today.id]
    assert ids([(date(2024, 12, 1), date(2024, 12, 31))], subtypes={"depart", "transit"}) == [later.id]
    assert ids([(date(2024, 12, 1), date(2024, 12, 31))], subtypes={None}) == []
    assert ids([]) == []


def test_a_version_1_file_gets_the_reach_of_its_events(tmp_path):
    """Files from before the reach columns are filled from their records, as new rows are written."""
    from forcewatch.fuse.corroborate import reach

    path = tmp_path / "v1.duckdb"
    d = doc("Two frigates sailed from Tartus to Tobruk; a convoy was seen countrywide.")
    sailed, nowhere = event(d, 0), event(d, 10, subtype="presence")
    sailed.origin = Place("Tartus", 34.89, 35.87, "port", "site", 2.0)
    sailed.destination = Place("Tobruk", 32.08, 23.96, "port", "site", 2.0)
    nowhere.location = Place("Syria", 35.0, 38.5, "country", "country", 300.0)  # too wide to match anything
    with Store(path) as s:
        s.add_document(d, [sailed, nowhere])
        for side in ("south", "west", "north", "east"):
            s.con.execute(f"ALTER TABLE events DROP COLUMN reach_{side}")
        s.con.execute("UPDATE schema_version SET version = 1")
    with Store(path) as s:
        rows = dict((i, tuple(r)) for i, *r in s.con.execute(
            "SELECT id, reach_south, reach_west, reach_north, reach_east FROM events").fetchall())
    assert rows[sailed.id] == pytest.approx(reach(sailed)) and reach(sailed) == (32.08, 23.96, 34.97, 35.87)
    assert rows[nowhere.id] == (None,) * 4 and reach(nowhere) is None
