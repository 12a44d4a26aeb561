-- SPDX-License-Identifier: MIT
-- Only analysts resolve queue items. The ingest role must update queue items
-- (a dismissed listing that returns with new categories is queued again and
-- its verdict cleared), so no table or column grant can tell re-queueing
-- from resolving: this trigger refuses a verdict set or changed by a role
-- that is in lurewatch_ingest and not in lurewatch_analyst. The schema's
-- owner and superusers (pg_has_role is true for them) are not affected.
CREATE FUNCTION queue_items_resolve_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'resolved'
       AND (TG_OP = 'INSERT' OR OLD.status <> 'resolved'
            OR (NEW.verdict, NEW.escalated_to, NEW.resolved_by, NEW.resolved_at)
               IS DISTINCT FROM (OLD.verdict, OLD.escalated_to, OLD.resolved_by, OLD.resolved_at))
       AND pg_has_role(current_user, 'lurewatch_ingest', 'MEMBER')
       AND NOT pg_has_role(current_user, 'lurewatch_analyst', 'MEMBER') THEN
        RAISE EXCEPTION 'only analysts resolve queue items (role "%" is an ingest role)', current_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER queue_items_resolve_guard BEFORE INSERT OR UPDATE ON queue_items
    FOR EACH ROW EXECUTE FUNCTION queue_items_resolve_guard();
