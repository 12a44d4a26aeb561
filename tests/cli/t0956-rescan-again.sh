#!/bin/sh
# SPDX-License-Identifier: MIT
# A rescan leaves alone what it need not touch. Again with the same pack: every version is
# counted as scored already (not read, not analysed) and no table changes. With versions
# scored by an older pack again: only those are scored afresh; where their contact details
# and fingerprint are still the stored ones, those rows are kept as they are (not deleted and
# written back); where they were lost or altered, they are written again, as the first
# rescan wrote them.
. "$(dirname "$0")/lib.sh"
use_pg
N=600

expect_rc 0 "db start" "$LW" db start
URL=$("$LW" db url)
expect_rc 0 "db migrate" "$LW" db migrate
load_old_store "$N" 11
cat >"$TMP/lw.conf" <<CONF
[matcher]
rules = $TOP/rules
[networks]
split_min_size = 0
CONF
rescan() {
	timeout 600 "$LW" --config "$TMP/lw.conf" rescan -q "$@"
}
# What a rescan writes, row versions (xmin) included: a row rewritten with the same values
# is a change here.
dump() {
	for q in \
		"SELECT xmin, id, listing_id, rule_pack, score, flagged, categories FROM listing_versions ORDER BY id" \
		"SELECT xmin, version_id, rule_pack, hits FROM hit_sets ORDER BY 2, 3" \
		"SELECT xmin, listing_id, kind, value, normalized, start_offset, end_offset FROM listing_entities ORDER BY 2, 6, 3" \
		"SELECT xmin, listing_id, simhash FROM listing_fingerprints ORDER BY 2" \
		"SELECT xmin, listing_id, network_id FROM listing_networks ORDER BY 2" \
		"SELECT xmin, listing_id, version_id, score, categories, priority, priority_reason, updated_at FROM queue_items ORDER BY 2" \
		"SELECT id, action, listing_id, details FROM audit_log ORDER BY 1" \
		"SELECT xmin, normalized, listings FROM contact_stats ORDER BY 2"; do
		echo "-- $q"
		PGOPTIONS='-csearch_path=lurewatch' psql -X -q -t -A -v ON_ERROR_STOP=1 "$URL" -c "$q"
	done
}
# Without row versions: the values a rescan leaves.
values() {
	dump | sed 's/^[0-9]*|//'
}

expect_rc 0 "first rescan" rescan
expect_grep "rescanned $N listings.*: $N scored afresh" "$TMP/out" "the first rescan scores every listing"
ties=$(sql "SELECT count(*) FROM listing_entities")
[ "$ties" -gt 20 ] && ok "it stored contact details ($ties)" || notok "it stored contact details ($ties)"
dump >"$TMP/first.dump"
values >"$TMP/first.values"

expect_rc 0 "second rescan, same pack" rescan
expect_grep "rescanned $N listings.*: 0 scored afresh, [0-9]* flagged, 0 queue updates.*; $N already scored by this pack" \
	"$TMP/out" "the second rescan counts every version as scored already"
flagged=$(sql "SELECT count(*) FROM listing_versions WHERE flagged")
expect_grep ": 0 scored afresh, $flagged flagged," "$TMP/out" "and the stored verdicts as flagged"
dump >"$TMP/second.dump"
cmp -s "$TMP/first.dump" "$TMP/second.dump" && ok "the second rescan changed no row" ||
	{ notok "the second rescan changed no row"; diff "$TMP/first.dump" "$TMP/second.dump" | head -5 | sed 's/^/# /'; }

# Half the listings scored by the older pack again. Of those, some lose their details (every
# third), have them shifted (every fifth) or get one more (every seventh); some lose their
# fingerprint (every eleventh) or have it altered (every thirteenth); the rest keep both.
sql "UPDATE listing_versions SET rule_pack = 'old-pack' WHERE listing_id % 2 = 0" >/dev/null
again=$(sql "SELECT count(*) FROM listing_versions WHERE rule_pack = 'old-pack'")
sql "DELETE FROM listing_entities WHERE listing_id % 6 = 0" >/dev/null
sql "UPDATE listing_entities SET end_offset = end_offset + 1 WHERE listing_id % 10 = 0" >/dev/null
sql "INSERT INTO listing_entities SELECT listing_id, version_id, kind, value || 'x', normalized, start_offset + 1, end_offset
     FROM listing_entities WHERE listing_id % 14 = 0" >/dev/null
sql "DELETE FROM listing_fingerprints WHERE listing_id % 22 = 0" >/dev/null
sql "UPDATE listing_fingerprints SET simhash = simhash # 1 WHERE listing_id % 26 = 0" >/dev/null
# The re-scored listings whose ties were left intact, and their rows' versions.
intact="listing_id % 2 = 0 AND listing_id % 3 <> 0 AND listing_id % 5 <> 0 AND listing_id % 7 <> 0
	AND listing_id % 11 <> 0 AND listing_id % 13 <> 0"
rows_of_intact() {
	sql "SELECT 'e', listing_id, start_offset, kind, xmin FROM listing_entities WHERE $intact
	     UNION ALL SELECT 'f', listing_id, 0, '', xmin FROM listing_fingerprints WHERE $intact
	     UNION ALL SELECT 'n', listing_id, 0, '', xmin FROM listing_networks WHERE $intact ORDER BY 1, 2, 3, 4"
}
rows_of_intact >"$TMP/intact.before"
with_details=$(sql "SELECT count(DISTINCT listing_id) FROM listing_entities WHERE $intact")
[ "$with_details" -gt 0 ] && ok "$with_details re-scored listings keep their contact details as stored" ||
	notok "some re-scored listings keep their contact details as stored ($with_details)"
expect_rc 0 "third rescan, $again versions scored by the older pack" rescan
expect_grep "rescanned $N listings.*: $again scored afresh.*; $((N - again)) already scored by this pack" \
	"$TMP/out" "only the versions of the older pack are scored afresh"
values >"$TMP/third.values"
# Queue items are updated (they were scored again) and audited: the rest is compared.
strip_queue() { awk '/^-- /{q = ($0 ~ /queue_items|audit_log/)} !q || /^-- /' "$1"; }
strip_queue "$TMP/first.values" >"$TMP/a"
strip_queue "$TMP/third.values" >"$TMP/b"
cmp -s "$TMP/a" "$TMP/b" && ok "versions, hits, contact details, fingerprints and networks are as the first rescan left them" ||
	{ notok "versions, hits, contact details, fingerprints and networks are as the first rescan left them"
	  diff "$TMP/a" "$TMP/b" | head -8 | sed 's/^/# /'; }
rows_of_intact >"$TMP/intact.after"
cmp -s "$TMP/intact.before" "$TMP/intact.after" &&
	ok "ties that stayed the same are not rewritten ($(wc -l <"$TMP/intact.before") rows)" ||
	{ notok "ties that stayed the same are not rewritten"; diff "$TMP/intact.before" "$TMP/intact.after" | head -5 | sed 's/^/# /'; }
finish
