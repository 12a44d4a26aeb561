-- SPDX-License-Identifier: MIT
-- The limit (its configuration name, e.g. "max_depth=5") that ended a
-- source's last pass before its frontier ran out, so `lurewatch status`
-- can say a crawl stopped short instead of looking finished. NULL when the
-- pass reached the end.
ALTER TABLE crawl_sources ADD COLUMN cut_short text;
