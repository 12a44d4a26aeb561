-- SPDX-License-Identifier: MIT
-- Host leases: the fleet's politeness (041) granted a window at a time.
--
-- 041 granted every request start with its own statements (four a request:
-- the start, a connection slot, the moment it was sent, the slot back), and
-- a crawl spent most of its time waiting for them. A lease is a window of
-- time in which one process alone may start requests to a host at the
-- host's interval, with a share of its connections: one call a window (a
-- quarter of a second or more) whatever the rate. Windows never overlap, so
-- starts to a host stay at least its interval apart whichever process makes
-- them (the process keeps its starts inside the window on its own clock,
-- narrowed by the round trip), on the database's clock as before.
--
-- Connections: a process holds numbered slots in crawl_host_slots (041) for
-- its running transfers plus those it may still start; never more than the
-- host's connections in all. A process that wants the host and cannot get a
-- slot leaves a marker (a negative slot of its own), so the others keep only
-- their share when they next ask and nobody is starved. Slots live
-- lease_seconds unless their process's heartbeat renews them.
CREATE FUNCTION host_lease(p_host text, p_length float8, p_ahead float8, p_conns integer,
                           p_inflight integer, p_want boolean, p_owner text, p_lease integer,
                           OUT granted boolean, OUT start_in float8, OUT slots integer,
                           OUT wait float8)
LANGUAGE plpgsql AS $$
DECLARE
    v_until float8;
    v_others integer;
    v_owners integer;
    v_keep integer;
    v_mine integer;
    v_marker integer := -1 - abs(hashtext(p_owner) % 1000000000);
BEGIN
    -- The upsert locks the host's row: one lease decision at a time.
    INSERT INTO crawl_hosts AS h (host, next_start) VALUES (p_host, clock_timestamp())
        ON CONFLICT (host) DO UPDATE SET host = h.host
        RETURNING EXTRACT(EPOCH FROM h.next_start - clock_timestamp())::float8 INTO v_until;
    SELECT count(*) FILTER (WHERE s.owner <> p_owner AND s.slot > 0),
           count(DISTINCT s.owner) FILTER (WHERE s.owner <> p_owner)
      INTO v_others, v_owners
      FROM crawl_host_slots s WHERE s.host = p_host AND s.expires > clock_timestamp();
    v_keep := CASE WHEN p_want THEN LEAST(p_conns - v_others,
                                          GREATEST((p_conns + v_owners) / (v_owners + 1), 1))
                   ELSE 0 END;
    v_keep := GREATEST(v_keep, p_inflight);   -- running transfers are never taken back
    -- Only the difference is written: a busy host's lease keeps its slots.
    SELECT count(*) INTO v_mine FROM crawl_host_slots s
     WHERE s.host = p_host AND s.owner = p_owner AND s.slot > 0;
    DELETE FROM crawl_host_slots s WHERE s.host = p_host AND s.owner = p_owner
       AND (s.slot < 0 OR s.slot IN (SELECT m.slot FROM crawl_host_slots m
            WHERE m.host = p_host AND m.owner = p_owner AND m.slot > 0
            ORDER BY m.slot DESC LIMIT GREATEST(v_mine - v_keep, 0)));
    IF v_keep > v_mine THEN
        INSERT INTO crawl_host_slots AS c (host, slot, owner, expires)
        SELECT p_host, g, p_owner, clock_timestamp() + make_interval(secs => p_lease)
          FROM generate_series(1, GREATEST(p_conns, v_keep)) g
         WHERE NOT EXISTS (SELECT 1 FROM crawl_host_slots o WHERE o.host = p_host
                           AND o.slot = g AND (o.expires > clock_timestamp() OR o.owner = p_owner))
         ORDER BY g LIMIT v_keep - v_mine
        ON CONFLICT (host, slot) DO UPDATE SET owner = excluded.owner, expires = excluded.expires;
    END IF;
    SELECT count(*) INTO slots FROM crawl_host_slots s
     WHERE s.host = p_host AND s.owner = p_owner AND s.slot > 0;
    granted := p_want AND slots > p_inflight AND v_until <= p_ahead;
    start_in := 0;
    wait := 0;
    IF granted THEN
        UPDATE crawl_hosts h SET next_start = GREATEST(h.next_start, clock_timestamp())
               + make_interval(secs => p_length), requests = h.requests + 1
         WHERE h.host = p_host
        RETURNING GREATEST(EXTRACT(EPOCH FROM h.next_start - clock_timestamp())::float8
                           - p_length, 0) INTO start_in;
        RETURN;
    END IF;
    IF p_want THEN
        INSERT INTO crawl_host_slots AS c (host, slot, owner, expires)
        VALUES (p_host, v_marker, p_owner, clock_timestamp() + interval '2 seconds')
        ON CONFLICT (host, slot) DO UPDATE SET owner = excluded.owner, expires = excluded.expires;
    END IF;
    -- Not now: after the windows already given out, or soon when it is the
    -- connections that are busy.
    wait := GREATEST(CASE WHEN v_until > p_ahead THEN v_until - p_ahead ELSE 0.01 END, 0.005);
END
$$;

-- An ingest login runs crawls (050): it asks for leases.
GRANT EXECUTE ON FUNCTION host_lease(text, float8, float8, integer, integer, boolean, text, integer)
    TO lurewatch_ingest;
