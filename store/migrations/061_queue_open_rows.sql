-- SPDX-License-Identifier: MIT
-- The web queue's page of open items read from the open items' index alone:
-- 060's index lacked the status and the reason shown on each row, so every
-- row of a page was looked up again in the table (50 more index probes and
-- heap reads a page). With them carried too, a page (filtered or not) and
-- its filtered count read nothing of queue_items but this index.
CREATE INDEX queue_open_rows ON queue_items (urgent DESC, priority DESC, id)
    INCLUDE (score, categories, claimed_by, listing_id, version_id, status, priority_reason)
    WHERE status <> 'resolved';
DROP INDEX queue_open_cover;
