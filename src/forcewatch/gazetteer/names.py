"""Small curated name lists the packaged data lacks: common country names and place-type words."""

from __future__ import annotations

from forcewatch.lexicon import MONTH_NUMBER, WEEKDAY_NUMBER

COUNTRY_ALIASES = {
    "US": ["United States", "U.S.", "U.S.A.", "USA", "America", "United States of America", "US"],
    "GB": ["Britain", "Great Britain", "UK", "U.K.", "United Kingdom"],
    "RU": ["Russia", "Russian Federation", "Soviet Union", "USSR", "U.S.S.R."],
    "SY": ["Syria", "Syrian Arab Republic"],
    "IR": ["Iran"],
    "KP": ["North Korea", "DPRK", "D.P.R.K."],
    "KR": ["South Korea"],
    "TR": ["Turkey", "Türkiye", "Turkiye"],
    "CD": ["DR Congo", "Democratic Republic of Congo", "Democratic Republic of the Congo", "DRC"],
    "CG": ["Congo", "Republic of the Congo", "Congo-Brazzaville"],
    "PS": ["Palestine", "Palestinian Territories"],
    "LY": ["Libya"],
    "VE": ["Venezuela"],
    "BO": ["Bolivia"],
    "TW": ["Taiwan"],
    "VN": ["Vietnam", "Viet Nam"],
    "LA": ["Laos"],
    "MD": ["Moldova"],
    "TZ": ["Tanzania"],
    "CZ": ["Czech Republic", "Czechia"],
    "NL": ["Holland", "the Netherlands"],
    "AE": ["UAE", "U.A.E.", "Emirates"],
    "CI": ["Ivory Coast", "Cote d'Ivoire"],
    "MM": ["Burma", "Myanmar"],
    "VA": ["Vatican", "Vatican City", "Holy See"],
}

# Words after a name that make it a place of that kind ("Latakia province", "Bekaa Valley").
PLACE_SUFFIXES = {
    "air base": "airfield", "airbase": "airfield", "airfield": "airfield", "airport": "airfield",
    "air field": "airfield", "air station": "airfield",
    "naval base": "port", "naval facility": "port", "naval station": "port", "port": "port",
    "harbor": "port", "harbour": "port", "naval port": "port",
    "base": "base", "military base": "base", "facility": "base", "garrison": "base", "barracks": "base",
    "province": "admin", "governorate": "admin", "state": "admin", "county": "admin", "district": "admin",
    "oblast": "admin", "region": "admin", "parish": "admin", "prefecture": "admin", "krai": "admin", "kray": "admin",
    "okrug": "admin",
    "city": "city", "town": "city", "village": "city",
    "river": "region", "valley": "region", "mountains": "region", "mountain": "region", "desert": "region",
    "sea": "sea", "gulf": "sea", "strait": "sea", "bay": "sea", "island": "region", "islands": "region",
    "straits": "sea", "channel": "sea", "passage": "sea", "gap": "sea", "ocean": "sea",
}

# Capitalised words that begin sentences or titles far more often than they name a place.
COMMON_WORDS = {
    "air", "base", "naval", "command", "line", "will", "may", "june", "march", "april", "august", "mobile", "reading", "nice", "bath", "best", "early",
    "little", "hope", "unity", "liberty", "independence", "union", "victory", "paradise", "friendship",
    "obama", "trump", "bush", "clinton", "president", "general", "police", "court", "news", "mass", "sale",
    "university", "college", "church", "school", "hospital", "park", "street", "center", "centre", "north",
    "south", "east", "west", "central", "home", "city", "town", "state", "county", "republic", "kingdom",
    "federation", "island", "river", "lake", "mount", "beach", "valley", "hill", "hills", "china town",
    "of", "and", "the", "mission", "commerce", "enterprise", "industry", "progress", "justice", "sunday",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "january", "february",
    "september", "october", "november", "december", "christmas", "easter", "god", "lord", "jesus",
    "minister", "governor", "mayor", "senator", "king", "queen", "prince", "pope", "chief", "captain",
    "sergeant", "officer", "deputy", "sheriff", "judge", "doctor", "professor", "director", "manager",
    "chairman", "secretary", "spokesman", "spokeswoman", "commander", "colonel", "major", "lieutenant",
    "army", "navy", "air force", "marines", "guard", "government", "parliament", "congress", "senate",
    "house", "ministry", "department", "agency", "office", "council", "committee", "association",
    "company", "bank", "group", "party", "club", "team", "festival", "museum", "library", "hotel",
    "airport", "station", "road", "avenue", "square", "bridge", "tower", "hall", "building",
    "media", "press", "times", "post", "herald", "tribune", "journal", "daily", "today", "online",
    "white", "black", "red", "green", "blue", "gold", "silver", "golden", "royal", "grand", "great",
    "new", "old", "upper", "lower", "middle", "first", "second", "third", "last", "next", "more", "most",
    "man", "woman", "boy", "girl", "people", "family", "friends", "children", "life", "love", "power",
    "energy", "water", "fire", "earth", "star", "sun", "moon", "light", "time", "day", "night",
    "world", "global", "international", "national", "regional", "local", "federal", "public",
    "this", "that", "these", "those", "there", "here", "when", "where", "what", "who", "why", "how",
    "after", "before", "during", "while", "since", "until", "about", "over", "under", "between",
    "also", "but", "for", "with", "from", "into", "onto", "upon", "just", "only", "even", "still",
    "said", "says", "told", "according", "however", "meanwhile", "moreover", "because", "although",
    "photo", "video", "image", "read", "click", "share", "comment", "comments", "email", "print",
    "getty", "images", "reuters", "associated", "ap", "afp", "cnn", "bbc", "fox",
    "democrat", "democrats", "republican", "republicans", "conservative", "liberal", "labour",
    "muslim", "christian", "jewish", "catholic", "islamic", "arab", "kurdish",
    "alliance", "coalition", "opposition", "rebels", "forces", "troops",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "wed",
    "thu", "fri", "sat", "sun", "brig", "gen", "col", "lt", "sgt", "maj", "capt", "cmdr", "adm", "gov", "rep", "sen",
    "northern", "southern", "eastern", "western", "northeastern", "northwestern", "southeastern", "southwestern",
    "man", "sea", "bay", "gulf", "cape", "point", "port", "fort", "camp", "ridge", "spring", "springs",
    "rock", "stone", "wood", "woods", "forest", "field", "fields", "garden", "gardens", "grove",
    "plaza", "mall", "market", "village", "heights", "harbor", "harbour", "haven", "bend", "falls",
    "orange", "lincoln", "jefferson", "madison", "jackson", "franklin", "hamilton",
    "marion", "clay", "douglas", "warren", "grant", "lee", "monroe", "wayne", "jordan", "chad",
    "victoria", "florence", "elizabeth", "charlotte", "austin", "tyler", "eugene", "troy",
}

# Of those, the ones that are real places often enough to keep when the context says "place".
PLACE_DESPITE_COMMON = {
    "georgia", "victoria", "florence", "charlotte", "alexandria", "sydney", "austin", "dallas", "houston",
    "tyler", "mesa", "phoenix", "aurora", "eugene", "lafayette", "troy", "salem", "jordan", "chad",
    "washington", "lincoln", "jackson", "madison", "orange", "mobile", "reading", "nice", "bath",
    "independence", "liberty", "hamilton", "franklin", "monroe", "marion", "warren", "douglas", "wayne",
    "elizabeth", "jefferson",
}

# Adjectives for continents and regions, read as mentions of them.
REGION_DEMONYMS = {"African": "Africa", "European": "Europe", "Asian": "Asia", "Latin American": "South America",
                   "South American": "South America", "North American": "North America", "Middle Eastern": "Middle East",
                   "Mediterranean": "Mediterranean Sea", "Caucasian": "Caucasus", "Balkan": "Balkans",
                   "Arctic": "Arctic Ocean", "Pacific": "Pacific Ocean", "Atlantic": "Atlantic Ocean",
                   "Central American": "Central America", "English": "England", "Scottish": "Scotland",
                   "Welsh": "Wales", "Kurdish": "Kurdistan", "Kurds": "Kurdistan", "Arab": "Arabian Peninsula",
                   "Arabs": "Arabian Peninsula", "Gulf Arab": "Gulf states", "Caribbean": "Caribbean Sea"}

# Adjectives in "the North African country", "a Baltic nation": the continents (GeoNames codes) such a
# country lies on, so the phrase points back to the last country named there, not to the last one named.
CONTINENT_ADJECTIVES = {"african": ("AF",), "european": ("EU",), "asian": ("AS",), "middle eastern": ("AS",),
                        "gulf": ("AS",), "south american": ("SA",), "latin american": ("SA", "NA"),
                        "central american": ("NA",), "north american": ("NA",), "caribbean": ("NA",),
                        "balkan": ("EU",), "baltic": ("EU",), "nordic": ("EU",), "scandinavian": ("EU",),
                        "pacific": ("OC",), "oceanian": ("OC",)}

# Capitalised words that end a place name rather than continue it ("in Corsica Thursday").
DATE_WORDS = {*WEEKDAY_NUMBER, *MONTH_NUMBER, "today", "yesterday", "tomorrow", "morning", "evening", "night", "afternoon"}

# AP-style abbreviations of US states ("Charleston, W.Va."), as aliases of the states.
US_STATE_ABBREVIATIONS = {
    "AL": ["Ala."], "AZ": ["Ariz."], "AR": ["Ark."], "CA": ["Calif."], "CO": ["Colo."], "CT": ["Conn."],
    "DE": ["Del."], "FL": ["Fla."], "GA": ["Ga."], "IL": ["Ill."], "IN": ["Ind."], "KS": ["Kan.", "Kans."],
    "KY": ["Ky."], "LA": ["La."], "MD": ["Md."], "MA": ["Mass."], "MI": ["Mich."], "MN": ["Minn."],
    "MS": ["Miss."], "MO": ["Mo."], "MT": ["Mont."], "NE": ["Neb.", "Nebr."], "NV": ["Nev."], "NH": ["N.H."],
    "NJ": ["N.J."], "NM": ["N.M."], "NY": ["N.Y."], "NC": ["N.C."], "ND": ["N.D."], "OK": ["Okla."],
    "OR": ["Ore.", "Oreg."], "PA": ["Pa.", "Penn."], "RI": ["R.I."], "SC": ["S.C."], "SD": ["S.D."],
    "TN": ["Tenn."], "TX": ["Tex."], "VT": ["Vt."], "VA": ["Va."], "WA": ["Wash."], "WV": ["W.Va.", "W. Va."],
    "WI": ["Wis.", "Wisc."], "WY": ["Wyo."], "DC": ["D.C."],
}

# Never a place on their own, whatever the gazetteer says (Cameroon has regions named "North" and "West").
NEVER_ALONE = {"north", "south", "east", "west", "central", "northern", "southern", "eastern", "western",
               "northeast", "northwest", "southeast", "southwest", "middle", "upper", "lower", "new", "old",
               "great", "greater", "little", "big", "centre", "center", "capital", "city", "state", "county",
               "quds"}  # Quds Force, Quds Day, Saraya al-Quds: Jerusalem is named in full
