/* SPDX-License-Identifier: MIT */
/* Web interface accounts, browser sessions, API tokens and login attempts.
 * The store keeps only hashes: the password's Argon2id string (made by the
 * caller) and the SHA-256 of each random session or API token, so a copy of
 * the database lets nobody in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

#define ACCOUNT_JSON                                                             \
	"json_build_object('id', a.id, 'name', a.name, 'role', a.role,"          \
	" 'disabled', a.disabled, 'must_change', a.must_change,"                 \
	" 'created_at', a.created_at, 'updated_at', a.updated_at)"

static int affected(PGresult *res)
{
	return (int)strtol(PQcmdTuples(res), NULL, 10);
}

/* Runs a statement that must change one row; none means no such account. */
static int one_row(struct store *st, const char *sql, int n, const char *const *p,
		   const char *name, struct lw_error *err)
{
	PGresult *res = NULL;
	int k;

	if (db_exec(st, sql, n, p, &res, err) < 0)
		return -1;
	k = affected(res);
	PQclear(res);
	if (k == 0)
		return lw_error_set(err, "no account '%s'", name);
	return 0;
}

static int audit(struct store *st, const char *actor, const char *action, const char *details,
		 struct lw_error *err)
{
	const char *p[3] = { actor, action, details ? details : "{}" };

	return db_exec(st, "INSERT INTO audit_log (actor, action, details) VALUES ($1, $2, $3::jsonb)",
		       3, p, NULL, err);
}

int store_audit_add(struct store *st, const char *actor, const char *action, const char *details,
		    struct lw_error *err)
{
	return audit(st, actor, action, details, err);
}

int store_account_add(struct store *st, const char *name, const char *role, const char *pw_hash,
		      int must_change, const char *actor, struct lw_error *err)
{
	const char *p[4] = { name, role, pw_hash, must_change ? "t" : "f" };
	const char *a[3] = { actor, name, role };
	int rc = -1;

	if (db_begin(st, err) < 0)
		return -1;
	if (db_exec(st, "INSERT INTO web_accounts (name, role, pw_hash, must_change)"
		    " VALUES ($1, $2, $3, $4::boolean)", 4, p, NULL, err) < 0)
		goto out;
	if (db_exec(st, "INSERT INTO audit_log (actor, action, details) VALUES ($1, 'account_added',"
		    " jsonb_build_object('account', $2::text, 'role', $3::text))", 3, a, NULL, err) < 0)
		goto out;
	rc = db_commit(st, err);
out:
	if (rc < 0)
		db_rollback(st);
	return rc;
}

/* A changed password or a disabled account ends every session and token
 * the account had: whoever held them is out at once. */
static const char revoke_sql[] =
	"WITH a AS (SELECT id FROM web_accounts WHERE name = $1),"
	" s AS (DELETE FROM web_sessions WHERE account_id IN (SELECT id FROM a))"
	" DELETE FROM web_tokens WHERE account_id IN (SELECT id FROM a)";

static int account_change(struct store *st, const char *sql, int n, const char *const *p,
			  const char *name, const char *actor, const char *action, int revoke,
			  struct lw_error *err)
{
	const char *r[1] = { name };
	char details[256];
	int rc = -1;

	if (db_begin(st, err) < 0)
		return -1;
	if (one_row(st, sql, n, p, name, err) < 0)
		goto out;
	if (revoke && db_exec(st, revoke_sql, 1, r, NULL, err) < 0)
		goto out;
	/* name is checked by the table to be [a-z0-9_.-]: safe inside JSON. */
	snprintf(details, sizeof(details), "{\"account\": \"%s\"}", name);
	if (audit(st, actor, action, details, err) < 0)
		goto out;
	rc = db_commit(st, err);
out:
	if (rc < 0)
		db_rollback(st);
	return rc;
}

int store_account_set_password(struct store *st, const char *name, const char *pw_hash,
			       int must_change, const char *actor, struct lw_error *err)
{
	const char *p[3] = { name, pw_hash, must_change ? "t" : "f" };

	return account_change(st, "UPDATE web_accounts SET pw_hash = $2, must_change = $3::boolean,"
			      " updated_at = now() WHERE name = $1", 3, p, name, actor,
			      "password_changed", 1, err);
}

int store_account_set_disabled(struct store *st, const char *name, int disabled,
			       const char *actor, struct lw_error *err)
{
	const char *p[2] = { name, disabled ? "t" : "f" };

	return account_change(st, "UPDATE web_accounts SET disabled = $2::boolean, updated_at = now()"
			      " WHERE name = $1", 2, p, name, actor,
			      disabled ? "account_disabled" : "account_enabled", disabled, err);
}

int store_account_list(struct store *st, json_t **out, struct lw_error *err)
{
	return db_json(st, "SELECT coalesce(json_agg(" ACCOUNT_JSON " ORDER BY a.name), '[]')"
		       " FROM web_accounts a", 0, NULL, out, err);
}

int store_account_get(struct store *st, const char *name, json_t **out, struct lw_error *err)
{
	const char *p[1] = { name };

	return db_json(st, "SELECT json_build_object('id', a.id, 'name', a.name, 'role', a.role,"
		       " 'disabled', a.disabled, 'must_change', a.must_change, 'pw_hash', a.pw_hash)"
		       " FROM web_accounts a WHERE a.name = $1", 1, p, out, err);
}

/* ---- logins ------------------------------------------------------------------------ */

int store_login_failures(struct store *st, const char *name, const char *address, int minutes,
			 long *by_name, long *by_address, struct lw_error *err)
{
	char mins[24];
	const char *p[3] = { name, address, mins };
	PGresult *res = NULL;

	snprintf(mins, sizeof(mins), "%d", minutes);
	/* Failures since the last success of that name count against it. */
	if (db_exec(st, "SELECT (SELECT count(*) FROM web_login_attempts WHERE name = $1 AND NOT ok"
		    " AND at > now() - make_interval(mins => $3::int) AND id > coalesce((SELECT"
		    " max(id) FROM web_login_attempts WHERE name = $1 AND ok), 0)),"
		    " (SELECT count(*) FROM web_login_attempts WHERE address = $2 AND NOT ok"
		    " AND at > now() - make_interval(mins => $3::int))", 3, p, &res, err) < 0)
		return -1;
	*by_name = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	*by_address = strtol(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	return 0;
}

int store_login_record(struct store *st, const char *name, const char *address, int ok,
		       const char *reason, struct lw_error *err)
{
	const char *p[4] = { name, address, ok ? "t" : "f", reason ? reason : "" };

	return db_exec(st, "WITH t AS (INSERT INTO web_login_attempts (name, address, ok)"
		       " VALUES ($1, $2, $3::boolean))"
		       " INSERT INTO audit_log (actor, action, details) VALUES ($1,"
		       " CASE WHEN $3::boolean THEN 'login' ELSE 'login_failed' END,"
		       " jsonb_strip_nulls(jsonb_build_object('address', $2::text,"
		       " 'reason', nullif($4::text, ''))))", 4, p, NULL, err);
}

/* ---- sessions and tokens --------------------------------------------------------------- */

int store_session_create(struct store *st, long account_id, const char *token_hash,
			 const char *csrf, const char *address, int minutes, struct lw_error *err)
{
	char id[24], mins[24];
	const char *p[5] = { token_hash, id, csrf, address, mins };

	snprintf(id, sizeof(id), "%ld", account_id);
	snprintf(mins, sizeof(mins), "%d", minutes);
	/* Sessions long expired are swept as new ones start. */
	if (db_exec(st, "DELETE FROM web_sessions WHERE expires_at < now() - interval '1 day'", 0,
		    NULL, NULL, err) < 0)
		return -1;
	return db_exec(st, "INSERT INTO web_sessions (token_hash, account_id, csrf, address,"
		       " expires_at) VALUES ($1, $2::bigint, $3, $4, now() + make_interval(mins =>"
		       " $5::int))", 5, p, NULL, err);
}

/* An idle session expires: use moves its end minutes ahead, written at most
 * once a minute, so a page's many requests do not all update one row. */
static const char session_sql[] =
	"WITH s AS (SELECT w.token_hash, w.csrf, w.expires_at, a.id, a.name, a.role,"
	" a.must_change FROM web_sessions w JOIN web_accounts a ON a.id = w.account_id"
	" WHERE w.token_hash = $1 AND w.expires_at > now() AND NOT a.disabled),"
	" u AS (UPDATE web_sessions w SET expires_at = now() + make_interval(mins =>"
	" $2::int) FROM s WHERE w.token_hash = s.token_hash AND s.expires_at <"
	" now() + make_interval(mins => $2::int) - interval '1 minute')"
	" SELECT json_build_object('id', id, 'name', name, 'role', role, 'csrf', csrf,"
	" 'must_change', must_change) FROM s";

int store_session_lookup(struct store *st, const char *token_hash, int minutes, json_t **out,
			 struct lw_error *err)
{
	char mins[24];
	const char *p[2] = { token_hash, mins };

	snprintf(mins, sizeof(mins), "%d", minutes);
	return db_json_prepared(st, session_sql, 2, p, out, err);
}

int store_session_delete(struct store *st, const char *token_hash, struct lw_error *err)
{
	const char *p[1] = { token_hash };

	return db_exec(st, "DELETE FROM web_sessions WHERE token_hash = $1", 1, p, NULL, err);
}

int store_token_add(struct store *st, const char *name, const char *token_hash,
		    const char *label, struct lw_error *err)
{
	const char *p[3] = { name, token_hash, label ? label : "" };
	PGresult *res = NULL;
	int k;

	if (db_exec(st, "WITH t AS (INSERT INTO web_tokens (token_hash, account_id, label)"
		    " SELECT $2, id, $3 FROM web_accounts WHERE name = $1 AND NOT disabled"
		    " RETURNING account_id)"
		    " INSERT INTO audit_log (actor, action, details) SELECT $1, 'token_issued',"
		    " jsonb_build_object('label', $3::text) FROM t", 3, p, &res, err) < 0)
		return -1;
	k = affected(res);
	PQclear(res);
	if (k == 0)
		return lw_error_set(err, "no enabled account '%s'", name);
	return 0;
}

int store_token_lookup(struct store *st, const char *token_hash, json_t **out,
		       struct lw_error *err)
{
	const char *p[1] = { token_hash };

	return db_json(st, "WITH t AS (UPDATE web_tokens t SET last_used = now() FROM web_accounts a"
		       " WHERE t.token_hash = $1 AND a.id = t.account_id AND NOT a.disabled"
		       " RETURNING a.id, a.name, a.role)"
		       " SELECT json_build_object('id', id, 'name', name, 'role', role) FROM t",
		       1, p, out, err);
}
