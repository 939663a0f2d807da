"""Place recognition on sentences written for these tests (no NER needed)."""

from __future__ import annotations

import pytest

from forcewatch.extract.places import find_places
from forcewatch.extract.nlp import split_sentences
from forcewatch.records import Analysis, Document



def mentions(text: str, gaz, **names_of_things):
    analysis = Analysis(document=Document(id="t", text=text), sentences=split_sentences(text))
    analysis.parse = {}
    find_places(analysis, gaz, **names_of_things)
    return [m for m in analysis.mentions if m.kind == "place"]


def by_label(ms, label):
    return [m for m in ms if m.label == label]


def test_named_places_gazetteer_first(gaz):
    ms = mentions("Convoys moved from Homs to Hama and on towards Aleppo, officials in Damascus said.", gaz)
    assert [m.text for m in ms] == ["Homs", "Hama", "Aleppo", "Damascus"]
    assert all(m.label == "NAME" for m in ms)


def test_spans_point_at_the_text(gaz):
    text = "Two Kilo-class submarines left Novorossiysk for the Black Sea on Tuesday."
    for m in mentions(text, gaz):
        assert text[m.span[0]:m.span[1]] == m.text
    assert {m.text for m in mentions(text, gaz)} >= {"Novorossiysk", "Black Sea"}


def test_facility_after_a_name(gaz):
    ms = mentions("Transport jets were parked at the Khmeimim air base on Monday.", gaz)
    fac = by_label(ms, "FACILITY")
    assert len(fac) == 1 and fac[0].text == "Khmeimim air base" and fac[0].data["facility"] == "airfield"


def test_facility_in_country_is_not_named_after_the_country(gaz):
    ms = mentions("Cargo flights landed at Al Jufra air base in Libya overnight.", gaz)
    fac = by_label(ms, "FACILITY")
    assert [m.data["name"] for m in fac] == ["Al Jufra"]
    libya = [m for m in ms if m.text == "Libya"]
    assert libya and libya[0].label == "NAME"


def test_facility_of_a_place(gaz):
    ms = mentions("Two corvettes docked at the naval base in Sevastopol after the exercise.", gaz)
    fac = by_label(ms, "FACILITY")
    assert fac and fac[0].data["name"] == "Sevastopol" and fac[0].data["facility"] == "port"
    assert fac[0].text.startswith("the naval base in")


def test_relative_distance_and_bearing(gaz):
    ms = mentions("A tanker was anchored 20 nautical miles south of Limassol on Sunday.", gaz)
    rel = by_label(ms, "RELATIVE")
    assert len(rel) == 1
    assert rel[0].data["anchor"] == "Limassol"
    assert rel[0].data["distance_km"] == pytest.approx(37.04)
    assert rel[0].data["bearing_deg"] == 180
    ms = mentions("The drone fell roughly 5 km (3 miles) north-east of Belgorod.", gaz)
    rel = by_label(ms, "RELATIVE")
    assert rel and rel[0].data["distance_km"] == 5 and rel[0].data["bearing_deg"] == 45 and rel[0].data["approximate"]


def test_near_between_and_roads(gaz):
    ms = mentions("Shelling was reported near Idlib and between Homs and Hama.", gaz)
    assert by_label(ms, "NEAR")[0].data["anchor"] == "Idlib"
    between = by_label(ms, "BETWEEN")[0]
    assert (between.data["a"], between.data["b"]) == ("Homs", "Hama")
    ms = mentions("Tanks were seen on the road linking Aleppo to Latakia, residents said.", gaz)
    road = by_label(ms, "ROAD")[0]
    assert (road.data["a"], road.data["b"]) == ("Aleppo", "Latakia")


def test_dateline_is_marked(gaz):
    text = "ODESA, Ukraine (AP) — Russian drones struck port facilities in Izmail overnight."
    ms = mentions(text, gaz)
    dateline = [m for m in ms if m.data.get("dateline")]
    assert [m.text for m in dateline] == ["ODESA", "Ukraine"]
    assert any(m.text == "Izmail" and not m.data.get("dateline") for m in ms)


def test_back_references_follow_the_facility_kind(gaz):
    text = ("Drones struck Engels air base overnight, and a fire broke out at the port of Novorossiysk. "
            "Satellite images later showed two bombers damaged at the air base.")
    ms = mentions(text, gaz)
    back = by_label(ms, "BACKREF")
    assert back and back[-1].text == "the air base" and back[-1].data["refers_to"] == "Engels"


def test_outside_the_facility_refers_back(gaz):
    text = "Troops gathered at Shayrat air base. A guard standing outside the facility said they left."
    near = by_label(mentions(text, gaz), "NEAR")
    assert near and near[0].data["anchor"] == "Shayrat"


def test_demonyms_are_country_mentions(gaz):
    ms = mentions("Turkish drones and Iranian advisers were reported.", gaz)
    assert [(m.label, m.data.get("country")) for m in ms] == [("DEMONYM", "TR"), ("DEMONYM", "IR")]


def test_people_and_common_words_are_not_places(gaz):
    ms = mentions("Paris Hilton met President Jackson. Will Smith said Reading was fun.", gaz)
    assert ms == []


def test_transliteration_after_a_place_cue(gaz):
    ms = mentions("Helicopters were moved to Hmeimeem last week.", gaz)
    assert ms and ms[0].text == "Hmeimeem" and ms[0].data.get("fuzzy")


def test_places_inside_hyphenated_words(gaz):
    ms = mentions("An Istanbul-based analyst discussed Egyptian-US ties and U.S.-led patrols.", gaz)
    assert [(m.text, m.label) for m in ms] == [("Istanbul", "NAME"), ("Egyptian", "DEMONYM"), ("US", "NAME"),
                                               ("U.S.", "NAME")]


def test_surnames_of_people_named_in_full_are_not_places(gaz):
    text = ("Superintendent Martha Hollister presented the budget. Hollister said the school in Crestwood, "
            "Illinois would need more buses.")
    names = [m.text for m in mentions(text, gaz)]
    assert "Hollister" not in names and "Crestwood" in names and "Illinois" in names


def test_compass_part_of_a_country(gaz):
    ms = mentions("Shelling was reported across northern Syria and south-eastern Turkey.", gaz)
    parts = [(m.text, m.data.get("part")) for m in ms]
    assert parts == [("northern Syria", 0), ("south-eastern Turkey", 135)]


def test_state_abbreviations_only_as_containers(gaz):
    ms = mentions("A fire in Charleston, W.Va., closed the plant. Miss Smith was not hurt.", gaz)
    assert [m.text for m in ms] == ["Charleston", "W.Va"]


def test_thousands_separator_and_compound_numbers_in_distances(gaz):
    far = next(m for m in mentions("Ships were tracked 1,200 km east of Homs.", gaz) if m.label == "RELATIVE")
    assert far.data["distance_km"] == 1200.0
    vague = mentions("Ships were seen twenty-one km east of Homs.", gaz)
    assert not any(m.data.get("distance_km") == 1.0 for m in vague)  # never "one km"


def _with_catalogue(text: str, gaz, lexicons):
    return {m.text for m in mentions(text, gaz, catalogue=lexicons.equipment)}


@pytest.mark.parametrize("text,ship,place", [
    ("The corvette Aleksin sailed from Baltiysk on Monday.", "Aleksin", "Baltiysk"),
    ("HMS Somerset shadowed the group off Plymouth.", "Somerset", "Plymouth"),
    ("The Kunming destroyer and two frigates entered the port of Sevastopol.", "Kunming", "Sevastopol"),
    ("A Kilo-class submarine was seen near Tartus.", "Kilo", "Tartus"),
    ("The submarine Krasnodar passed Gibraltar. Krasnodar then turned east.", "Krasnodar", "Gibraltar"),
])
def test_ship_and_class_names_are_not_places(gaz, lexicons, text, ship, place):
    found = _with_catalogue(text, gaz, lexicons)
    assert not any(ship in f for f in found) and any(place in f for f in found)


def test_equipment_names_are_not_places(gaz, lexicons):
    found = _with_catalogue("Four MiG-29s and an Su-34 landed at Hama.", gaz, lexicons)
    assert "MiG" not in found and "Hama" in found
    # a country or a sea next to a ship word is still a place
    found = _with_catalogue("The frigates Russia sent reached the Black Sea frigates' base.", gaz, lexicons)
    assert {"Russia", "Black Sea"} <= found


def test_peoples_are_no_ends_of_a_between(gaz):
    ms = mentions("Talks between U.S. and Nigerian officers ended.", gaz)
    assert not by_label(ms, "BETWEEN")
    ms = mentions("Flights between Benghazi and Latakia went on.", gaz)
    assert [m.text for m in by_label(ms, "BETWEEN")] == ["between Benghazi and Latakia"]


def test_a_country_after_a_facility_word_holds_it(gaz):
    ms = mentions("The drones struck the Kursk military airfield in Russia's Kursk region.", gaz)
    assert not any(m.label == "FACILITY" and m.data["name"] == "Russia" for m in ms)
    assert [m.text for m in by_label(ms, "FACILITY")] == ["Kursk military airfield"]


def test_the_arabic_article_belongs_to_a_base_name(gaz):
    ms = mentions("Cargo planes flew to the al Jufra base last week.", gaz)
    assert [m.data["name"] for m in by_label(ms, "FACILITY")] == ["al Jufra"]


def test_states_as_parties_are_no_place_between_them(gaz):
    ms = mentions("The agreement between Beijing and Hanoi was signed in May.", gaz)
    assert not by_label(ms, "BETWEEN")
    ms = mentions("Patrols moved along the border between Armenia and Azerbaijan.", gaz)
    assert [m.text for m in by_label(ms, "BETWEEN")] == ["between Armenia and Azerbaijan"]


def test_armed_groups_are_not_places(gaz):
    ms = mentions("Wagner fighters and Hamas units were seen near Gao.", gaz, groups=["wagner", "hamas"])
    assert [m.text for m in ms] == ["near Gao"]


def test_the_country_refers_to_the_country_last_named(gaz):
    ms = mentions("Troops arrived in Chad in May. Their presence in the Central African country grew.", gaz)
    back = by_label(ms, "BACKREF")
    assert [(m.text, m.data["refers_to"]) for m in back] == [("the Central African country", "Chad")]
    assert not by_label(ms, "DEMONYM")


def test_facilities_written_with_capitals_or_a_number(gaz):
    ms = mentions("Two Chinese warships have stayed at Ream Naval Base since December.", gaz)
    assert [m.data["name"] for m in by_label(ms, "FACILITY")] == ["Ream"]
    ms = mentions("The withdrawal from Air Base 101 in Niamey ended on Sunday.", gaz)
    assert [(m.text, m.data["name"]) for m in by_label(ms, "FACILITY")] == [("Air Base 101 in Niamey", "Niamey")]
    assert not [m for m in ms if m.text == "Air"]


def test_an_acronym_the_text_defines_for_no_place_is_no_place(gaz):
    text = ("Troops massed along the Line of Actual Control, or LAC, in Ladakh. "
            "Rebels in the Democratic Republic of the Congo (DRC) attacked a base. More troops reached the LAC.")
    found = [m.text for m in mentions(text, gaz)]
    assert "LAC" not in found and "Ladakh" in found and "DRC" in found


def test_a_facility_named_with_an_article_inside_its_name(gaz):
    facilities = by_label(mentions("Men and equipment were moved to the Maaten al Sarra base on the border.", gaz),
                          "FACILITY")
    assert [m.data["name"] for m in facilities] == ["Maaten al Sarra"]
