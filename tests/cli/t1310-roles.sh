#!/bin/sh
# SPDX-License-Identifier: MIT
# Least privilege, verified by logging in as each database role: the ingest
# role ingests but cannot resolve queue items, the analyst role works the
# queue but cannot write listings, hits or rule packs, and nobody - not even
# the schema's owner - can change or delete the audit log.
. "$(dirname "$0")/lib.sh"
use_pg
H=$LUREWATCH_HOME
cat >"$H/test.rules" <<'EOF2'
[pack]
name = roles-test
version = 1

[rule keep_passport]
category = documents
weight = 2
description = the employer keeps the passport
pattern = /\bkeep\s+your\s+passport\b/

[rule pay_fee]
category = fee_debt
weight = 2
description = a fee to be paid
pattern = /\bpay\s+a\s+fee\b/
EOF2
cat >"$H/lurewatch.conf" <<EOF2
[matcher]
rules = $H/test.rules
threshold = 1
EOF2

expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else notok "$3 (got '$1', wanted '$2')"; fi
}
expect_rc 0 "db start" "$LW" db start
OWNER=$("$LW" db url)
# The same server as another login role: conninfo's last user= wins.
as_role() { printf '%s user=%s' "$OWNER" "$1"; }
# psql_as URL SQL: exit status and message of one statement.
psql_as() { PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A -v ON_ERROR_STOP=1 "$1" -c "$2"; }
sql() { psql_as "$OWNER" "$1"; }
# refused NAME URL SQL [WHY]: the statement fails with a permission error
# (or the message WHY).
refused() {
	if psql_as "$2" "$3" >"$TMP/out" 2>"$TMP/err"; then
		notok "$1 (the statement succeeded)"
	elif grep -q "${4:-permission denied\|must be owner\|append-only}" "$TMP/err"; then
		ok "$1"
	else
		notok "$1 (failed, but not for want of a right)"
		sed 's/^/# /' "$TMP/err"
	fi
}

sql "CREATE ROLE crawler LOGIN IN ROLE lurewatch_ingest; CREATE ROLE alice LOGIN IN ROLE lurewatch_analyst"
INGEST=$(as_role crawler)
ANALYST=$(as_role alice)
expect_eq "$(psql_as "$INGEST" 'SELECT current_user')" crawler "the ingest login role connects"
expect_eq "$(psql_as "$ANALYST" 'SELECT current_user')" alice "the analyst login role connects"

# ---- what each role is for works under it -------------------------------------------------

cat >"$TMP/ads.jsonl" <<'EOF2'
{"url":"http://r/1","title":"Driver","body":"We keep your passport."}
{"url":"http://r/2","title":"Picker","body":"You pay a fee first."}
{"url":"http://r/3","title":"Cook","body":"fair pay, nice team"}
EOF2
LUREWATCH_DATABASE_URL=$INGEST expect_rc 0 "the ingest role ingests" "$LW" ingest "$TMP/ads.jsonl"
expect_eq "$(sql 'SELECT count(*) FROM listings')" 3 "its listings are stored"
id1=$(sql "SELECT q.id FROM queue_items q JOIN listings l ON l.id = q.listing_id WHERE l.url = 'http://r/1'")
id2=$(sql "SELECT q.id FROM queue_items q JOIN listings l ON l.id = q.listing_id WHERE l.url = 'http://r/2'")
LUREWATCH_DATABASE_URL=$ANALYST expect_rc 0 "the analyst role claims" "$LW" queue claim --analyst alice --count 2
LUREWATCH_DATABASE_URL=$ANALYST expect_rc 0 "the analyst role resolves" \
	"$LW" queue resolve "$id1" --analyst alice --verdict dismissed --note "a driver's ad"
LUREWATCH_DATABASE_URL=$ANALYST expect_rc 0 "the analyst role reads the queue" "$LW" queue list --status all

# ---- the ingest role cannot resolve ---------------------------------------------------------

LUREWATCH_DATABASE_URL=$INGEST expect_rc 2 "the ingest role cannot resolve with the CLI" \
	"$LW" queue resolve "$id2" --analyst alice --verdict confirmed
refused "the ingest role cannot resolve in SQL" "$INGEST" \
	"UPDATE queue_items SET status = 'resolved', verdict = 'confirmed', resolved_by = 'crawler',
	 resolved_at = now(), claimed_by = NULL, claim_expires = NULL WHERE id = $id2" \
	'only analysts resolve' 
refused "the ingest role cannot change a verdict" "$INGEST" \
	"UPDATE queue_items SET verdict = 'confirmed' WHERE id = $id1" 'only analysts resolve' 
refused "the ingest role cannot insert a resolved item" "$INGEST" \
	"INSERT INTO queue_items (listing_id, version_id, score, categories, priority, status, verdict)
	 SELECT l.id, v.id, 1, '{}', 1, 'resolved', 'dismissed' FROM listings l
	 JOIN listing_versions v ON v.listing_id = l.id WHERE l.url = 'http://r/3'" \
	'only analysts resolve' 
refused "the ingest role cannot read analysts' notes" "$INGEST" "SELECT note FROM queue_notes"
expect_eq "$(sql "SELECT status, coalesce(verdict, '-') FROM queue_items WHERE id = $id2")" "claimed|-" \
	"the item the ingest role tried to resolve is untouched"
# Re-queueing is the ingest role's own right: a dismissed listing returning
# with a new category is queued again and its verdict cleared.
echo '{"url":"http://r/1","title":"Driver","body":"We keep your passport. Pay a fee."}' >"$TMP/again.jsonl"
LUREWATCH_DATABASE_URL=$INGEST expect_rc 0 "the ingest role re-queues a returning listing" \
	"$LW" ingest "$TMP/again.jsonl"
expect_eq "$(sql "SELECT status, coalesce(verdict, '-') FROM queue_items WHERE id = $id1")" "new|-" \
	"the dismissed item is new again"

# ---- the analyst role cannot write listings or rules ---------------------------------------

LUREWATCH_DATABASE_URL=$ANALYST expect_rc 2 "the analyst role cannot ingest" \
	"$LW" ingest "$TMP/ads.jsonl"
refused "the analyst role cannot insert listings" "$ANALYST" \
	"INSERT INTO listings (url, source_id, content_hash) SELECT 'http://evil/', id, 'x' FROM sources LIMIT 1"
refused "the analyst role cannot edit listings" "$ANALYST" "UPDATE listings SET body = 'edited'"
refused "the analyst role cannot delete listings" "$ANALYST" "DELETE FROM listings"
refused "the analyst role cannot edit versions" "$ANALYST" "UPDATE listing_versions SET score = 0"
# Hits are stored as one array per version (migration 091); "hits" is a view of them.
refused "the analyst role cannot delete hits" "$ANALYST" "DELETE FROM hit_sets"
refused "the analyst role cannot edit hits" "$ANALYST" "UPDATE hit_sets SET hits = '[]'"
refused "the analyst role cannot add rule packs" "$ANALYST" \
	"INSERT INTO rule_packs (hash, name) VALUES ('x', 'mine')"
refused "the analyst role cannot change rule packs" "$ANALYST" "UPDATE rule_packs SET name = 'mine'"
refused "the analyst role cannot touch the frontier" "$ANALYST" "DELETE FROM crawl_urls"
expect_eq "$(sql "SELECT count(*) FROM listings WHERE body = 'edited' OR url = 'http://evil/'")" 0 \
	"no listing was written by the analyst role"

# ---- search: the analyst role searches, the ingest role keeps the index (094) ----------------

LUREWATCH_DATABASE_URL=$ANALYST expect_rc 0 "the analyst role searches listings not yet indexed" \
	"$LW" search passport
LUREWATCH_DATABASE_URL=$INGEST expect_rc 0 "the ingest role indexes them" "$LW" search --reindex
expect_eq "$(sql 'SELECT count(*) FROM search_pending')" 0 "nothing waits for the index"
LUREWATCH_DATABASE_URL=$ANALYST expect_rc 0 "the analyst role searches the index" "$LW" search passport
refused "the analyst role cannot index" "$ANALYST" "DELETE FROM search_pending"
refused "the analyst role cannot write the index" "$ANALYST" "UPDATE listing_search SET doc = ''"

# ---- nobody alters the audit log ---------------------------------------------------------------

n_audit=$(sql 'SELECT count(*) FROM audit_log')
[ "$n_audit" -gt 0 ] && ok "the audit log holds the actions ($n_audit rows)" || notok "the audit log is empty"
for who in INGEST ANALYST OWNER; do
	eval url=\$$who
	refused "$who cannot update the audit log" "$url" "UPDATE audit_log SET actor = 'nobody'"
	refused "$who cannot delete from the audit log" "$url" "DELETE FROM audit_log"
	refused "$who cannot truncate the audit log" "$url" "TRUNCATE audit_log"
done
# (The embedded cluster's owner is a superuser, who can always switch
# triggers off: the roles people log in with are the two below.)
for who in INGEST ANALYST; do
	eval url=\$$who
	refused "$who cannot switch triggers off" "$url" \
		"SET session_replication_role = replica; DELETE FROM audit_log"
	refused "$who cannot disable the audit log's triggers" "$url" \
		"ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update"
	refused "$who cannot drop the audit log's trigger" "$url" \
		"DROP TRIGGER audit_log_no_update ON audit_log"
	refused "$who cannot drop the resolve guard" "$url" \
		"DROP TRIGGER queue_items_resolve_guard ON queue_items"
done
expect_eq "$(sql 'SELECT count(*) FROM audit_log')" "$n_audit" "the audit log is whole"
expect_eq "$(sql "SELECT count(*) FROM audit_log WHERE actor = 'nobody'")" 0 "and unchanged"

finish
