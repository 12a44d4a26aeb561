-- SPDX-License-Identifier: MIT
-- Movement (issue 16): the country of an advertised place, of a phone
-- number, and the places an ad's text names, from the gazetteer (011), for
-- numbers that do not fit a network's places and for recruitment corridors
-- (`lurewatch flows`).

-- The country of an advertised place: the last comma-separated part that
-- the gazetteer knows ("Makati, Manila" -> PH; "Auckland, New Zealand" ->
-- NZ), a city before a country of the same name. NULL when unknown.
CREATE FUNCTION place_country(loc text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT g.country
      FROM unnest(string_to_array(lower(loc COLLATE "und-x-icu"), ',')) WITH ORDINALITY AS p(part, i)
      JOIN gazetteer g ON g.name = btrim(p.part)
     ORDER BY p.i DESC, g.kind = 'city' DESC
     LIMIT 1
$$;

-- The country of an E.164 number by its longest calling-code prefix.
CREATE FUNCTION phone_country(v text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT c.country FROM calling_codes c
     WHERE v ~ '^\+[0-9]' AND substr(v, 2) LIKE c.prefix || '%'
     ORDER BY length(c.prefix) DESC
     LIMIT 1
$$;

-- Lower case through ICU: a cluster in the C locale (the embedded one)
-- lower-cases ASCII only, and "Польша" would never meet "польша".
--
-- Countries and major cities a text names. Names in Latin letters must
-- stand as words ("Oman" is not in "woman"); names in other scripts are
-- matched as they stand (Chinese and Thai do not separate words).
CREATE FUNCTION text_places(t text)
RETURNS TABLE (country text, name text, kind text) LANGUAGE sql STABLE AS $$
    SELECT g.country, g.name, g.kind FROM gazetteer g, lower(t COLLATE "und-x-icu") AS x(low)
     WHERE strpos(x.low, g.name) > 0
       AND (g.name !~ '^[a-z .''-]+$'
            OR x.low ~ ('(^|[^[:alnum:]])'
                        || regexp_replace(g.name, '([.''-])', '\\\1', 'g')
                        || '($|[^[:alnum:]])'))
$$;

GRANT SELECT ON gazetteer, calling_codes TO lurewatch_ingest, lurewatch_analyst;
GRANT EXECUTE ON FUNCTION place_country(text), phone_country(text), text_places(text)
    TO lurewatch_ingest, lurewatch_analyst;
