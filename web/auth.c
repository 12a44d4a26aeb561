/* SPDX-License-Identifier: MIT */
/* Who is asking: Argon2id passwords, session cookies and bearer tokens
 * (random secrets stored only as SHA-256), CSRF tokens, the login rate
 * limit, and the pages for signing in, changing a password and managing
 * accounts. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <argon2.h>
#include <microhttpd.h>
#include <openssl/evp.h>

#include "../util/xmalloc.h"
#include "web_internal.h"

#define SESSION_COOKIE "lw_session"
#define LOGIN_COOKIE "lw_login"
/* RFC 9106's second recommended option: 64 MiB, 3 passes. */
#define ARGON_T 3
#define ARGON_M (64 * 1024)
#define ARGON_P 1
#define ARGON_HASHLEN 32
#define ARGON_SALTLEN 16
/* Failed logins in the window that lock an account name or an address. */
#define LOCK_MINUTES 15
#define LOCK_PER_NAME 5
#define LOCK_PER_ADDRESS 20
#define MIN_PASSWORD 10

/* ---- secrets ------------------------------------------------------------------ */

int web_random_hex(char *out, size_t n, struct lw_error *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];

	if (n > sizeof(raw))
		return lw_error_set(err, "random secret too long");
	if (getrandom(raw, n, 0) != (ssize_t)n)
		return lw_error_set(err, "no random bytes from the kernel");
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * n] = '\0';
	return 0;
}

void web_token_hash(const char *s, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int len = 0;

	EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

char *web_password_hash(const char *password, struct lw_error *err)
{
	unsigned char salt[ARGON_SALTLEN];
	size_t len = argon2_encodedlen(ARGON_T, ARGON_M, ARGON_P, ARGON_SALTLEN, ARGON_HASHLEN,
				       Argon2_id);
	char *out = xmalloc(len);
	int rc;

	if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt)) {
		free(out);
		lw_error_set(err, "no random bytes from the kernel");
		return NULL;
	}
	rc = argon2id_hash_encoded(ARGON_T, ARGON_M, ARGON_P, password, strlen(password), salt,
				   sizeof(salt), ARGON_HASHLEN, out, len);
	if (rc != ARGON2_OK) {
		free(out);
		lw_error_set(err, "argon2: %s", argon2_error_message(rc));
		return NULL;
	}
	return out;
}

int web_password_verify(const char *hash, const char *password)
{
	return hash && password &&
	       argon2id_verify(hash, password, strlen(password)) == ARGON2_OK;
}

/* Equal-time comparison: a token's prefix must not show through timing. */
static int same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* ---- identifying a request ------------------------------------------------------- */

static const char *cookie(struct web_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

int auth_identify(struct web_req *r, struct lw_error *err)
{
	const char *authz = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
	const char *tok = cookie(r, SESSION_COOKIE);
	char hash[65];
	json_t *who = NULL;

	if (authz && strncmp(authz, "Bearer ", 7) == 0) {
		web_token_hash(authz + 7, hash);
		if (store_token_lookup(r->st, hash, &who, err) < 0)
			return -1;
		r->api = 1;
	} else if (tok && tok[0]) {
		web_token_hash(tok, hash);
		if (store_session_lookup(r->st, hash, r->srv->cfg->serve.session_minutes, &who,
					 err) < 0)
			return -1;
	}
	if (who && json_is_object(who)) {
		r->user = who;
		r->role = web_role_parse(jstr(who, "role"));
	} else {
		json_decref(who);
	}
	return 0;
}

int auth_check_csrf(struct web_req *r)
{
	const char *sent = web_form(r, "csrf");

	/* A bearer token is not sent by browsers on their own: no CSRF. */
	if (r->api)
		return 1;
	return r->user && sent && same(sent, jstr(r->user, "csrf"));
}

static void set_cookie(struct web_req *r, char **slot, const char *name, const char *value,
		       const char *path, int clear)
{
	struct lw_buf b;

	lw_buf_init(&b, 1024);
	lw_buf_printf(&b, "%s=%s; Path=%s; HttpOnly; SameSite=Strict%s%s", name, value, path,
		      r->srv->tls ? "; Secure" : "", clear ? "; Max-Age=0" : "");
	free(*slot);
	*slot = lw_buf_detach(&b, NULL);
}

/* ---- signing in and out ------------------------------------------------------------ */

static void login_form(struct web_req *r, int status, const char *message)
{
	char tok[65];
	struct lw_error err;

	if (web_random_hex(tok, 32, &err) < 0) {
		web_fail(r, 500, "%s", err.msg);
		return;
	}
	/* Login CSRF: the form's token must match a cookie only this page sets. */
	set_cookie(r, &r->cookie2, LOGIN_COOKIE, tok, "/login", 0);
	html_page_begin(r, "Sign in");
	lw_buf_adds(&r->out, "<section class=\"login\"><h1>Sign in</h1>");
	if (message) {
		lw_buf_adds(&r->out, "<p class=\"flash bad\" id=\"login-error\">");
		html_esc(&r->out, message);
		lw_buf_adds(&r->out, "</p>");
	}
	html_raw(&r->out, "<form method=\"post\" action=\"/login\">"
		 "<input type=\"hidden\" name=\"login_csrf\" value=\"%s\">"
		 "<label>Account <input name=\"name\" id=\"name\" autocomplete=\"username\" "
		 "autofocus required></label>"
		 "<label>Password <input name=\"password\" id=\"password\" type=\"password\" "
		 "autocomplete=\"current-password\" required></label>"
		 "<button type=\"submit\" id=\"signin\">Sign in</button></form></section>", tok);
	html_page_end(r);
	r->status = status;
}

void page_login(struct web_req *r)
{
	if (r->user && !r->api) {
		web_redirect(r, "/queue");
		return;
	}
	login_form(r, 200, NULL);
}

static int valid_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char *dummy_hash;

static void make_dummy(void)
{
	dummy_hash = web_password_hash("not a password of anyone", NULL);
}

/* Starts a session for account id: the cookie's token is random, the
 * store keeps its hash. */
static int start_session(struct web_req *r, long id, struct lw_error *err)
{
	char tok[65], csrf[65], hash[65];

	if (web_random_hex(tok, 32, err) < 0 || web_random_hex(csrf, 32, err) < 0)
		return -1;
	web_token_hash(tok, hash);
	if (store_session_create(r->st, id, hash, csrf, r->addr,
				 r->srv->cfg->serve.session_minutes, err) < 0)
		return -1;
	set_cookie(r, &r->cookie, SESSION_COOKIE, tok, "/", 0);
	return 0;
}

static void count_login(struct web_req *r, int ok)
{
	pthread_mutex_lock(&r->srv->stat_mu);
	if (ok)
		r->srv->logins++;
	else
		r->srv->login_failures++;
	pthread_mutex_unlock(&r->srv->stat_mu);
}

static int login_refused(struct web_req *r, const char *name, const char *reason, int status,
			 const char *message)
{
	struct lw_error err;

	count_login(r, 0);
	if (store_login_record(r->st, name, r->addr, 0, reason, &err) < 0)
		fprintf(stderr, "lurewatch serve: %s\n", err.msg);
	login_form(r, status, message);
	return -1;
}

void page_login_post(struct web_req *r)
{
	const char *name = web_form(r, "name"), *pw = web_form(r, "password");
	const char *sent = web_form(r, "login_csrf"), *want = cookie(r, LOGIN_COOKIE);
	struct lw_error err;
	json_t *acct = NULL;
	long by_name = 0, by_addr = 0;
	int ok;

	if (!sent || !want || !same(sent, want)) {
		web_fail(r, 403, "the sign-in form's security token is missing or stale: reload the "
			 "page");
		return;
	}
	if (!valid_name(name) || !pw) {
		login_refused(r, valid_name(name) ? name : "?", "malformed", 401,
			      "wrong account name or password");
		return;
	}
	if (store_login_failures(r->st, name, r->addr, LOCK_MINUTES, &by_name, &by_addr, &err) < 0)
		goto fail;
	if (by_name >= LOCK_PER_NAME || by_addr >= LOCK_PER_ADDRESS) {
		login_refused(r, name, "locked", 429, "too many failed sign-ins: this account or "
			      "address is locked for 15 minutes");
		return;
	}
	if (store_account_get(r->st, name, &acct, &err) < 0)
		goto fail;
	pthread_once(&dummy_once, make_dummy);
	/* An unknown name costs the same time as a wrong password. */
	ok = web_password_verify(json_is_object(acct) ? jstr(acct, "pw_hash") : dummy_hash, pw) &&
	     json_is_object(acct);
	if (!ok || json_is_true(json_object_get(acct, "disabled"))) {
		login_refused(r, name, ok ? "disabled" : "bad password", 401,
			      "wrong account name or password");
		goto out;
	}
	if (store_login_record(r->st, name, r->addr, 1, NULL, &err) < 0 ||
	    start_session(r, jint(acct, "id"), &err) < 0)
		goto fail;
	count_login(r, 1);
	set_cookie(r, &r->cookie2, LOGIN_COOKIE, "", "/login", 1);
	web_redirect(r, json_is_true(json_object_get(acct, "must_change")) ? "/password" : "/queue");
	goto out;
fail:
	fprintf(stderr, "lurewatch serve: %s\n", err.msg);
	web_fail(r, 500, "database error");
out:
	json_decref(acct);
}

static void session_hash(struct web_req *r, char hash[65])
{
	const char *tok = cookie(r, SESSION_COOKIE);

	web_token_hash(tok ? tok : "", hash);
}

void page_logout(struct web_req *r)
{
	char hash[65];
	struct lw_error err;

	session_hash(r, hash);
	if (store_session_delete(r->st, hash, &err) < 0 ||
	    store_audit_add(r->st, web_user(r), "logout", NULL, &err) < 0)
		fprintf(stderr, "lurewatch serve: %s\n", err.msg);
	set_cookie(r, &r->cookie, SESSION_COOKIE, "", "/", 1);
	web_redirect(r, "/login");
}

/* ---- passwords ---------------------------------------------------------------------- */

static void password_form(struct web_req *r, int status, const char *message)
{
	html_page_begin(r, "Change password");
	lw_buf_adds(&r->out, "<section class=\"login\"><h1>Change password</h1>");
	if (json_is_true(json_object_get(r->user, "must_change")))
		lw_buf_adds(&r->out, "<p class=\"flash\">You signed in with a one-time password: "
			    "choose your own to go on.</p>");
	if (message) {
		lw_buf_adds(&r->out, "<p class=\"flash bad\">");
		html_esc(&r->out, message);
		lw_buf_adds(&r->out, "</p>");
	}
	lw_buf_adds(&r->out, "<form method=\"post\" action=\"/password\">");
	html_csrf(r);
	html_raw(&r->out, "<label>Current password <input type=\"password\" name=\"current\" "
		 "id=\"current\" autocomplete=\"current-password\" required></label>"
		 "<label>New password (at least %d characters) <input type=\"password\" "
		 "name=\"new\" id=\"new\" autocomplete=\"new-password\" required></label>"
		 "<label>Again <input type=\"password\" name=\"again\" id=\"again\" "
		 "autocomplete=\"new-password\" required></label>"
		 "<button type=\"submit\" id=\"change\">Change password</button></form></section>",
		 MIN_PASSWORD);
	html_page_end(r);
	r->status = status;
}

void page_password(struct web_req *r)
{
	password_form(r, 200, NULL);
}

void page_password_post(struct web_req *r)
{
	const char *cur = web_form(r, "current"), *nw = web_form(r, "new");
	const char *again = web_form(r, "again");
	struct lw_error err;
	json_t *acct = NULL;
	char *hash = NULL;

	if (!nw || strlen(nw) < MIN_PASSWORD || !again || strcmp(nw, again)) {
		password_form(r, 400, "the new password must have at least 10 characters and be "
			      "typed the same twice");
		return;
	}
	if (store_account_get(r->st, web_user(r), &acct, &err) < 0)
		goto fail;
	if (!web_password_verify(jstr(acct, "pw_hash"), cur ? cur : "")) {
		password_form(r, 403, "the current password is wrong");
		goto out;
	}
	hash = web_password_hash(nw, &err);
	/* Changing it ends every session, this one too: start a fresh one. */
	if (!hash || store_account_set_password(r->st, web_user(r), hash, 0, web_user(r), &err) < 0 ||
	    start_session(r, jint(acct, "id"), &err) < 0)
		goto fail;
	web_redirect(r, "/queue");
	goto out;
fail:
	fprintf(stderr, "lurewatch serve: %s\n", err.msg);
	web_fail(r, 500, "could not change the password");
out:
	free(hash);
	json_decref(acct);
}

/* ---- reassigning: who may be handed an item ------------------------------------------- */

int auth_reassign_target(struct web_req *r, const char *name)
{
	struct lw_error err;
	json_t *a = NULL;
	int rc = -1;

	/* A claim by a name nobody signs in as would sit until it expired. */
	if (!name || !name[0]) {
		web_fail(r, 400, "reassigning needs 'to': the account to hand the item to");
		return -1;
	}
	if (store_account_get(r->st, name, &a, &err) < 0) {
		fprintf(stderr, "lurewatch serve: %s\n", err.msg);
		web_fail(r, 500, "database error");
	} else if (!json_is_object(a)) {
		web_fail(r, 400, "no account '%s' to reassign to", name);
	} else if (json_is_true(json_object_get(a, "disabled"))) {
		web_fail(r, 400, "account '%s' is disabled: it cannot take items", name);
	} else if (web_role_parse(jstr(a, "role")) < ROLE_ANALYST) {
		web_fail(r, 400, "account '%s' has the role '%s', which does not review items", name,
			 jstr(a, "role"));
	} else {
		rc = 0;
	}
	json_decref(a);
	return rc;
}

/* ---- accounts (admin) ------------------------------------------------------------------ */

static void accounts_page(struct web_req *r, const char *message, const char *otp_name,
			  const char *otp)
{
	struct lw_error err;
	json_t *list = NULL, *a;
	size_t i;

	if (store_account_list(r->st, &list, &err) < 0) {
		web_fail(r, 500, "database error");
		return;
	}
	html_page_begin(r, "Accounts");
	lw_buf_adds(&r->out, "<h1>Accounts</h1>");
	if (message) {
		lw_buf_adds(&r->out, "<p class=\"flash\">");
		html_esc(&r->out, message);
		lw_buf_adds(&r->out, "</p>");
	}
	if (otp) {
		lw_buf_adds(&r->out, "<p class=\"flash\">One-time password for <b>");
		html_esc(&r->out, otp_name);
		lw_buf_adds(&r->out, "</b>: <code id=\"otp\">");
		html_esc(&r->out, otp);
		lw_buf_adds(&r->out, "</code> (shown once; they choose their own at first sign-in)</p>");
	}
	lw_buf_adds(&r->out, "<table><tr><th>Account</th><th>Role</th><th>State</th><th>Created</th>"
		    "<th></th></tr>");
	json_array_foreach(list, i, a) {
		int dis = json_is_true(json_object_get(a, "disabled"));

		lw_buf_adds(&r->out, "<tr><td>");
		html_esc(&r->out, jstr(a, "name"));
		lw_buf_adds(&r->out, "</td><td>");
		html_esc(&r->out, jstr(a, "role"));
		html_raw(&r->out, "</td><td>%s</td><td>", dis ? "disabled" : "enabled");
		html_time(&r->out, jstr(a, "created_at"));
		lw_buf_adds(&r->out, "</td><td><form method=\"post\" action=\"/admin/accounts\">");
		html_csrf(r);
		lw_buf_adds(&r->out, "<input type=\"hidden\" name=\"name\" value=\"");
		html_esc(&r->out, jstr(a, "name"));
		html_raw(&r->out, "\"><button name=\"op\" value=\"%s\">%s</button>"
			 "<button name=\"op\" value=\"reset\">New one-time password</button>"
			 "</form></td></tr>", dis ? "enable" : "disable", dis ? "Enable" : "Disable");
	}
	lw_buf_adds(&r->out, "</table><h2>Add an account</h2><form method=\"post\" "
		    "action=\"/admin/accounts\" class=\"inline\">");
	html_csrf(r);
	lw_buf_adds(&r->out, "<input type=\"hidden\" name=\"op\" value=\"add\">"
		    "<label>Name <input name=\"name\" pattern=\"[a-z0-9_.-]{1,64}\" required></label>"
		    "<label>Role <select name=\"role\"><option>analyst</option><option>supervisor"
		    "</option><option>admin</option></select></label>"
		    "<button type=\"submit\">Add</button></form>");
	html_page_end(r);
	json_decref(list);
}

void page_accounts(struct web_req *r)
{
	accounts_page(r, NULL, NULL, NULL);
}

void page_accounts_post(struct web_req *r)
{
	const char *op = web_form(r, "op"), *name = web_form(r, "name");
	const char *role = web_form(r, "role");
	char otp[33];
	char *hash = NULL;
	struct lw_error err;
	int rc = -1;

	if (!op || !valid_name(name)) {
		web_fail(r, 400, "an account name of lowercase letters, digits, '_', '.' or '-' is "
			 "needed");
		return;
	}
	if (strcmp(op, "add") == 0 || strcmp(op, "reset") == 0) {
		if (web_random_hex(otp, 16, &err) < 0 || !(hash = web_password_hash(otp, &err)))
			goto out;
		if (strcmp(op, "add") == 0) {
			if (web_role_parse(role) == ROLE_NONE) {
				lw_error_set(&err, "bad role '%s'", role ? role : "");
				goto out;
			}
			rc = store_account_add(r->st, name, role, hash, 1, web_user(r), &err);
		} else {
			rc = store_account_set_password(r->st, name, hash, 1, web_user(r), &err);
		}
		if (rc == 0)
			accounts_page(r, NULL, name, otp);
	} else if (strcmp(op, "disable") == 0 || strcmp(op, "enable") == 0) {
		rc = store_account_set_disabled(r->st, name, strcmp(op, "disable") == 0, web_user(r),
						&err);
		if (rc == 0)
			accounts_page(r, strcmp(op, "disable") == 0 ? "account disabled" :
				      "account enabled", NULL, NULL);
	} else {
		lw_error_set(&err, "unknown operation '%s'", op);
	}
out:
	if (rc < 0)
		web_fail(r, 400, "%s", err.msg);
	free(hash);
}
