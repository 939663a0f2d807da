"""The event coder on sentences written for these tests (not the lexicon's tuning cases), and the
force-posture cases the bench scores."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from forcewatch.extract.equipment import find_equipment
from forcewatch.extract.events import Lexicons
from forcewatch.records import Document

LEX = Lexicons.packaged()

CASES = Path(__file__).resolve().parents[2] / "bench" / "data" / "force_posture_cases.yaml"


def code(pipeline, text: str, published: date | None = date(2025, 2, 14)):
    return pipeline(Document(id=Document.make_id(text), text=text, published=published)).events


def one(events, subtype=None, type_=None, trigger=None):
    found = [e for e in events if (subtype is None or e.subtype == subtype) and (type_ is None or e.type == type_)
             and (trigger is None or trigger in e.trigger)]
    assert len(found) == 1, [(e.type, e.subtype, e.trigger) for e in events]
    return found[0]


def test_one_sentence_two_events_one_negated(pipeline):
    events = code(pipeline, "Britain is pulling its Typhoon jets out of Cyprus, but it will not leave its radar "
                            "station at Mount Olympus, the defence ministry said.")
    withdrawals = [e for e in events if e.subtype == "withdraw"]
    assert sorted(e.modality for e in withdrawals) == ["asserted", "negated"]
    assert all(e.actor and e.actor.country == "GBR" for e in withdrawals)  # "it" is Britain


def test_nominal_trigger_nationality_actor_origin_and_month(pipeline):
    e = one(code(pipeline, "The withdrawal of French forces from Chad was completed in January, officials said."),
            "withdraw")
    assert (e.type, e.trigger, e.actor.country) == ("RETREAT", "withdrawal", "FRA")
    assert e.origin is not None and e.origin.country == "TD"
    assert (e.time.start, e.time.end, e.time.precision) == (date(2025, 1, 1), date(2025, 1, 31), "month")


def test_capital_and_kremlin_stand_for_the_state(pipeline):
    events = code(pipeline, "The Kremlin said it had sent two Pantsir systems to the base. "
                            "Moscow denied that its ships had left Tartus.")
    deploy = one(events, "deploy")
    assert deploy.actor.country == "RUS"
    assert [(q.name, q.count) for q in deploy.equipment] == [("Pantsir", 2)]
    depart = one(events, "depart")
    assert depart.modality == "negated" and depart.actor.country == "RUS"
    assert depart.location is not None and "Tartus" in depart.location.name


def test_counts_models_and_year_rollover(pipeline):
    e = one(code(pipeline, "At least three Il-76 transport aircraft and two Su-24 bombers landed at Khmeimim on "
                           "December 28, a flight tracker said.", published=date(2025, 1, 3)), "arrive")
    assert {(q.name, q.count, q.count_qualifier) for q in e.equipment} == {("Il-76", 3, "at_least"), ("Su-24", 2, "exact")}
    assert e.time.start == date(2024, 12, 28)
    assert e.location is not None and e.location.name.startswith("Hmeimim")


def test_count_across_an_actor_name_and_last_week(pipeline):
    e = one(code(pipeline, "Four U.S. Navy destroyers docked in Souda Bay last week."), "arrive")
    assert e.actor.country == "USA"
    assert [(q.name, q.count) for q in e.equipment] == [("destroyer", 4)]
    assert (e.time.start, e.time.end) == (date(2025, 2, 3), date(2025, 2, 9))  # Monday to Sunday before 14 Feb


def test_model_numbers_and_dates_are_not_counts():
    items = find_equipment("An An-124 and a C-17 were seen on December 9 beside 12 Su-35 fighters.", LEX.equipment)
    counts = {q.name: q.count for q in items}
    assert counts["An-124"] == 1 and counts["C-17"] == 1 and counts["Su-35"] == 12
    assert find_equipment("Satellite images on December 9 showed frigates in port.", LEX.equipment)[0].count is None
    assert find_equipment("Photos dated March 3 show four corvettes.", LEX.equipment)[0].count == 4  # the nearest number


def test_a_part_of_a_whole_counts_the_part():
    assert [(q.count, q.count_qualifier) for q in find_equipment("Five of the 14 corvettes sailed.", LEX.equipment)] == [(5, "exact")]
    assert [(q.count, q.count_qualifier) for q in find_equipment("at least two of Turkey's 12 submarines", LEX.equipment)] == \
        [(2, "at_least")]
    assert find_equipment("one of its three C-17s", LEX.equipment)[0].count == 1
    assert find_equipment("the 14 corvettes of the fleet", LEX.equipment)[0].count == 14


def test_future_and_hedged_modality(pipeline):
    patrol = one(code(pipeline, "Chinese coast guard vessels will patrol the disputed shoal next month, Beijing said."),
                 "presence")
    assert (patrol.actor.country, patrol.modality, patrol.time.precision) == ("CHN", "future", "month")
    assert patrol.time.start == date(2025, 3, 1)
    moved = code(pipeline, "Iran may have moved drones to the airfield, an analyst said.")
    assert [(e.type, e.modality) for e in moved if e.type == "MOBILIZE"] == [("MOBILIZE", "hedged")]


def test_lease_duration_is_not_a_date(pipeline):
    e = one(code(pipeline, "Moscow was granted a 49-year lease on the port in 2017."), "basing")
    assert e.type == "COOPERATE"
    assert (e.time.start, e.time.end, e.time.precision) == (date(2017, 1, 1), date(2017, 12, 31), "year")


def test_a_count_that_looks_like_a_year_is_a_count(pipeline):
    e = one(code(pipeline, "Ankara has sent around 2000 troops to the border."), "deploy")
    assert e.time.inferred and e.equipment[0].count == 2000
    e = one(code(pipeline, "A force of 1500 soldiers was deployed to the region in 2019."), "deploy")
    assert e.time.start == date(2019, 1, 1) and e.equipment[0].count == 1500
    e = one(code(pipeline, "The naval base dates back to 1971."), "basing")
    assert e.time.start == date(1971, 1, 1)


def test_no_time_cue_takes_the_publication_date_marked_inferred(pipeline):
    e = one(code(pipeline, "Turkish troops crossed into northern Iraq, the army said."), "transit")
    assert e.actor.country == "TUR"
    assert e.time.start == date(2025, 2, 14) and e.time.inferred and e.time.text is None


def test_common_words_need_military_context(pipeline):
    assert not [e for e in code(pipeline, "Oil prices moved higher on Monday as traders weighed the outlook.")
                if e.type == "MOBILIZE"]
    assert not [e for e in code(pipeline, "She left the company in March to head a start-up.")
                if e.type in ("RETREAT", "MOBILIZE")]


def test_conflict_and_reaction(pipeline):
    events = code(pipeline, "Israeli jets struck targets near Damascus overnight, and Syria condemned the attack.")
    assert one(events, type_="ASSAULT").actor.country == "ISR"
    assert one(events, type_="ACCUSE").actor.country == "SYR"


def test_force_posture_cases(pipeline):
    """Every expected event of the bench's cases is coded with its type, subtype and actor."""
    cases = yaml.safe_load(CASES.read_text("utf-8"))
    expected = matched = 0
    misses = []
    for case in cases:
        events = code(pipeline, case["text"], case["published"])
        for want in case["events"]:
            expected += 1
            hit = any(e.type == want["type"] and e.subtype == want.get("subtype")
                      and (e.actor.country if e.actor else None) == want.get("actor") for e in events)
            matched += hit
            if not hit:
                misses.append((case["text"][:60], want["type"], want.get("subtype")))
    assert expected >= 25
    assert matched / expected >= 0.9, misses


def test_dateline_is_not_part_of_the_subject(pipeline):
    events = code(pipeline, "VILNIUS, Lithuania - Germany has begun moving troops to a new base near the border, "
                            "officials said.")
    assert {e.actor.country for e in events if e.type == "MOBILIZE"} == {"DEU"}


def test_pronoun_and_possessive_refer_to_the_state_not_the_speakers(pipeline):
    events = code(pipeline, "Turkey has begun withdrawing troops from the border, though it intends to keep its "
                            "outposts in the hills, three Kurdish officials said.")
    keep = one(events, "presence")
    assert (keep.actor.country, keep.modality) == ("TUR", "future")
    scaled = code(pipeline, "Paris is scaling back its deployment in the Sahel, a French officer said.")
    assert [(e.type, e.subtype, e.actor.country) for e in scaled if e.type in ("MOBILIZE", "RETREAT")] == \
        [("RETREAT", "withdraw", "FRA")]  # the deployment is what is scaled back, not a second event


def test_parts_of_names_and_feared_attacks_are_not_events(pipeline):
    events = code(pipeline, "Two landing ships left Sevastopol on Tuesday because of the threat of missile strikes.")
    assert not [e for e in events if e.subtype == "arrive"]  # "landing" names the ships
    assert not [e for e in events if e.type == "ASSAULT"]  # the strikes are feared, not made
    assert one(events, "depart").equipment[0].count == 2


def test_moving_along_a_road_is_transit(pipeline):
    e = one(code(pipeline, "A column of Iranian trucks was seen moving north on the desert road linking Palmyra "
                           "to Deir ez-Zor on Sunday."), "transit")
    assert e.location is not None and e.location.precision == "relative"
    assert e.location.text.startswith("the desert road")


def test_named_periods_as_labels_are_not_dates(pipeline):
    e = one(code(pipeline, "Russia deployed two Cold War-era bombers to Venezuela."), "deploy")
    assert e.time.inferred  # "Cold War-era" describes the bombers; the event has no date of its own
    e = one(code(pipeline, "Soviet troops were stationed in the valley during the Cold War, historians say."),
            "deploy")
    assert (e.time.start.year, e.time.end.year) == (1947, 1991)


def test_two_nominal_events_with_their_own_actors(pipeline):
    events = code(pipeline, "The withdrawal of Turkish troops from Iraq followed the withdrawal of French troops "
                            "from Mali.")
    assert sorted((e.actor.country, e.origin.country) for e in events if e.subtype == "withdraw") == \
        [("FRA", "ML"), ("TUR", "IQ")]


def test_a_sentence_referring_back_is_parsed_with_its_antecedent(pipeline):
    events = code(pipeline, "Russian troops entered the town of Kupiansk overnight, officials said. They set up "
                            "roadblocks and began patrolling the main road.")
    patrol = [e for e in events if e.subtype == "presence"]
    assert patrol and patrol[0].actor.country == "RUS"  # "They": no cue of its own, read via the sentence before


def test_actor_words_need_their_capitals():
    from forcewatch.extract.events import _actor_in

    assert _actor_in(LEX, "the US Navy") and _actor_in(LEX, "Turkey said") and _actor_in(LEX, "Russian troops")
    assert not _actor_in(LEX, "they told us") and not _actor_in(LEX, "roast turkey for the troops")


def test_a_list_of_places_after_a_colon_spells_out_the_act(pipeline):
    from datetime import date

    from forcewatch.records import Document

    text = ("Turkey has expanded its military presence at three air bases in Syria:\n\n"
            "(a) the Tiyas air base, in the centre;\n\n(b) Qamishli airport, in the north-east; and\n\n"
            "(c) the T-4 base.\n\nThe bases host drones.")
    events = pipeline(Document(id="t", text=text, published=date(2024, 5, 1))).events
    listed = [e for e in events if e.sentence.startswith("(")]
    assert len(listed) >= 2 and {e.type for e in listed} == {"MOBILIZE"}
    assert all(e.actor and e.actor.country == "TUR" for e in listed)
    qamishli = next(e for e in listed if "Qamishli" in e.sentence)
    assert qamishli.location is not None and "Qamishli" in qamishli.location.name
    assert not any(e.sentence.startswith("(") for e in pipeline(Document(
        id="u", text=text.replace("air bases in Syria:", "air bases in Syria."), published=date(2024, 5, 1))).events)


def test_each_ship_of_a_list_keeps_its_own_navy(pipeline):
    from datetime import date

    from forcewatch.records import Document

    text = "Two Chinese destroyers and a Russian frigate sailed through the strait on Monday."
    (event,) = pipeline(Document(id="t", text=text, published=date(2024, 5, 1))).events
    assert {(q.name, q.operator) for q in event.equipment} == {("destroyer", "CHN"), ("frigate", "RUS")}


def test_a_fleet_names_its_navy(pipeline):
    from datetime import date

    from forcewatch.records import Document

    def actor(text):
        return pipeline(Document(id="t", text=text, published=date(2024, 5, 1))).events[0].actor.country

    assert actor("The Pacific Fleet's corvettes sailed through the Tsugaru Strait on Monday.") == "RUS"
    assert actor("Ships of the U.S. Pacific Fleet sailed through the Taiwan Strait on Monday.") == "USA"


def test_a_participle_takes_the_noun_it_describes_as_its_subject(pipeline):
    e = one(code(pipeline, "Drones circled over dozens of soldiers in armoured vehicles leaving the camp at dawn."),
            trigger="leaving")
    assert e.type == "RETREAT" or e.subtype == "depart"
    # a participle with its own subject is a clause: its subject decides
    e = one(code(pipeline, "It is a sign that the last of the marines have left Djibouti or are close to leaving."),
            trigger="left")
    assert e.subtype == "withdraw"


def test_armies_and_a_joint_exercise_are_military(pipeline):
    e = one(code(pipeline, "From June 2 to 9, the two armies will hold a joint exercise near Grodno."), trigger="exercise")
    assert e.type == "MOBILIZE" and e.modality == "future"
    e = one(code(pipeline, "From June 2 to 9, the two sides will hold a joint exercise near Grodno."), trigger="exercise")
    assert e.type == "MOBILIZE"
    assert not code(pipeline, "The gym will hold an exercise class near the station.")


def test_coordinated_moves_of_different_kinds_are_one_act_after_another(pipeline):
    events = code(pipeline, "The destroyer sailed from Norfolk on March 2 and docked in Rota on March 12.")
    sailed, docked = one(events, trigger="sailed"), one(events, trigger="docked")
    assert sailed.subtype == "depart" and sailed.origin.name == "Norfolk" and sailed.time.start.day == 2
    assert docked.subtype == "arrive" and docked.location.name == "Rota" and docked.time.start.day == 12


def test_a_verb_describing_a_noun_event_is_not_another_event(pipeline):
    events = code(pipeline, "It was a large air strike operation launched by the Israeli air force on 3rd June 2025.")
    assert [e.type for e in events] == ["ASSAULT"]
    assert events[0].time.start == date(2025, 6, 3)


def test_removing_aircraft_or_troops_is_a_withdrawal(pipeline):
    e = one(code(pipeline, "Satellite images show the air force has removed most of its Su-34 jets from the base."),
            trigger="removed")
    assert e.type == "RETREAT" and e.subtype == "withdraw"
    assert not [e for e in code(pipeline, "The government removed the restrictions on military flights.")
                if e.type == "RETREAT"]


def test_catalogued_equipment_makes_a_sentence_military(pipeline):
    e = one(code(pipeline, "By then the B-52s were already crossing the North Sea."), trigger="crossing")
    assert e.subtype == "transit"


def test_an_infinitive_hung_on_a_noun_shares_its_clauses_modality(pipeline):
    e = one(code(pipeline, "An official said the two armies would need time to withdraw from the ridge."),
            trigger="withdraw")
    assert e.modality == "future"


def test_the_act_named_before_is_the_act_a_definite_noun_names(pipeline):
    events = code(pipeline, "Polish and Lithuanian troops began a joint exercise near Suwalki on Monday. "
                            "The exercise, scheduled to end next week, will span three regions.")
    later = [e for e in events if e.trigger == "exercise" and e.span[0] > 60]
    assert later and later[0].modality == "future"
    assert not code(pipeline, "The exercise, scheduled to end next week, will span three regions.")


def test_an_exercise_scheduled_to_start_is_future_and_a_withdrawal_ordered_is_not(pipeline):
    e = one(code(pipeline, "The naval exercise, scheduled to kick off next week, will last a month."), trigger="exercise")
    assert e.modality == "future" and e.time.start > date(2025, 2, 14)
    e = one(code(pipeline, "The last French soldiers left Chad on Sunday, completing a withdrawal ordered by the "
                           "government."), subtype="withdraw")
    assert e.modality == "asserted"


def test_transferring_men_and_equipment_is_a_deployment(pipeline):
    e = one(code(pipeline, "Moscow is transferring men and equipment to the Al Watiya air base."), trigger="transferring")
    assert e.subtype == "deploy"
    assert not [e for e in code(pipeline, "The bank is transferring funds to the new account.") if e.subtype == "deploy"]


def test_two_nouns_of_one_kind_with_their_own_dates_are_two_acts(pipeline):
    events = code(pipeline, "French troops completed the withdrawal from Gao on May 2, after the withdrawal from Kidal "
                            "on April 9.", published=date(2022, 6, 1))
    days = sorted(e.time.start for e in events if e.subtype == "withdraw")
    assert days == [date(2022, 4, 9), date(2022, 5, 2)]
