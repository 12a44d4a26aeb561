-- SPDX-License-Identifier: MIT
-- audit_at (020) indexed audit_log by id DESC for the web's audit page
-- (store_audit_list: ORDER BY id DESC LIMIT n), which the primary key on
-- id serves as well read backwards (EXPLAIN: Index Scan Backward using
-- audit_log_pkey). Every queued or re-queued listing wrote an entry in
-- both: the audit log's inserts keep the primary key and audit_item.
DROP INDEX IF EXISTS audit_at;
