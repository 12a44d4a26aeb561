-- SPDX-License-Identifier: MIT
-- The web queue page lists open (unresolved) items in queue order, 50 at a
-- time, and counts them: an index of just those rows, in that order, makes
-- both independent of how many resolved items have piled up.
CREATE INDEX queue_open_order ON queue_items (urgent DESC, priority DESC, id)
    WHERE status <> 'resolved';
