-- SPDX-License-Identifier: MIT
-- Where the work is (issue 16, recruitment corridors), measured on labelled
-- destinations of both dev corpora (tests/data/corridors): names found by
-- the gazetteer's patterns (070: inflected forms, regions), and places a
-- text names as where recruits come from left out of the destinations.

-- Countries, regions and major cities a text names. The probe, a substring
-- of every match, is cheap and rules out nearly every name; the pattern is
-- tried only on what remains. Names in scripts that separate words must
-- stand as words ("Oman" is not in "woman"); lower case and word characters
-- come from ICU, so Cyrillic and Greek letters are letters.
--
-- Region names (GeoNames' first- and second-level divisions) are
-- also words: Angola's "Cuando" is Spanish for "when", Portugal's "Guarda"
-- for "keeps". A region counts only where the text writes it with a
-- capital, as a name.
CREATE FUNCTION place_at(t text, low text, re text, capital boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN NOT low ~ re THEN false
                WHEN NOT capital THEN true
                ELSE (SELECT c <> lower(c COLLATE "und-x-icu")
                        FROM substr(t, regexp_instr(low, re, 1, 1, 0, '', 2), 1) AS s(c)) END
$$;

-- PL/pgSQL, so that the planner cannot inline it into a caller's join (it
-- then joined the gazetteer to itself, minutes for six ads); pattern is
-- the one to look for the name's mentions with.
CREATE FUNCTION text_place_matches(t text)
RETURNS TABLE (country text, name text, kind text, pattern text) LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT g.country, g.name, g.kind,
           coalesce(g.pattern, regexp_replace(g.name, '([^[:alnum:][:space:]])', '\\\1', 'g'))
      FROM gazetteer g, lower(t COLLATE "und-x-icu") AS x(low)
     -- CASE keeps the order: the planner would otherwise be free to
     -- compile thousands of patterns per text before the probe.
     WHERE CASE WHEN strpos(x.low, g.probe) = 0 THEN false
                WHEN NOT g.bounded THEN true
                ELSE place_at(t, x.low, '(^|[^[:alnum:]])(' || g.pattern || ')($|[^[:alnum:]])',
                              g.kind = 'region') END;
END
$$;

CREATE OR REPLACE FUNCTION text_places(t text)
RETURNS TABLE (country text, name text, kind text) LANGUAGE sql STABLE AS $$
    SELECT m.country, m.name, m.kind FROM text_place_matches(t) m
$$;

-- A place named only as an origin: after "from" (or its equivalent in the
-- languages of the dev corpora), alone or in a list ("from Romania / Poland
-- / Bulgaria", "from the Philippines, Indonesia or the Pacific"), or before
-- "applicants", "candidates", "welcome" ("Sri Lanka & Nepal applicants").
-- List items are one or two words that are not a preposition, so "from
-- overseas to work in Dubai" keeps Dubai.
CREATE FUNCTION place_is_origin(low text, pattern text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    WITH r AS (SELECT '(?:the\s+)?(?!(?:in|to|for|at|on|work|en|a|para|в|на|di|ke|sa|ở|tại)\y)[^\s.,;:!?/&()|]+'
                      || '(?:\s+(?!(?:in|to|for|at|on|work|en|a|para|в|на|di|ke|sa|ở|tại)\y)[^\s.,;:!?/&()|]+)?'
                      AS item,
                      '\s*(?:,|/|&|\yand\y|\yor\y|\yy\y|\yo\y|\yи\y|\yили\y|\ydan\y|\yat\y)\s*' AS sep)
    SELECT low ~ ('(?:^|[^[:alnum:]])(?:from|desde|depuis|aus|из|від|dari|mula\s+sa|galing\s+sa|từ)\s+'
                  || '(?:' || r.item || r.sep || '){0,5}(?:the\s+)?(?:' || pattern || ')($|[^[:alnum:]])')
        OR low ~ ('(^|[^[:alnum:]])(?:' || pattern || ')(?:' || r.sep || r.item || '){0,5}\s+'
                  || '(?:applicants|candidates|nationals|citizens|passport\s+holders|welcome|preferred)\y')
      FROM r
$$;

-- Where the work is: the places a text names, less those it names only as
-- where recruits come from.
CREATE FUNCTION text_destinations(t text)
RETURNS TABLE (country text, name text, kind text) LANGUAGE sql STABLE AS $$
    SELECT m.country, m.name, m.kind
      FROM text_place_matches(t) m, lower(t COLLATE "und-x-icu") AS x(low)
     WHERE NOT place_is_origin(x.low, m.pattern)
$$;

GRANT EXECUTE ON FUNCTION place_at(text, text, text, boolean), place_is_origin(text, text),
    text_place_matches(text), text_destinations(text)
    TO lurewatch_ingest, lurewatch_analyst;
