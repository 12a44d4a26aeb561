-- SPDX-License-Identifier: MIT
-- Both roles read which migrations are applied: a login user in either
-- role connects without needing the rights to create anything.
GRANT SELECT ON schema_migrations TO lurewatch_ingest, lurewatch_analyst;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA lurewatch TO lurewatch_ingest, lurewatch_analyst;
-- Ingestion also rescans (a version gets a new pack's score) and replaces a
-- listing's link flow.
GRANT UPDATE ON listing_versions TO lurewatch_ingest;
GRANT DELETE ON listing_links TO lurewatch_ingest;
