/* SPDX-License-Identifier: MIT */
/* The keywords the entity finders look for around a value (WhatsApp,
 * Telegram, WeChat, LINE, Zalo and other networks' names) and finding them.
 * Each list is indexed by first byte once per process, so a position where
 * none of its words can start costs one table look-up, not a memcmp per
 * word. */
#include <pthread.h>
#include <string.h>

#include "entities_internal.h"

static const char *const whatsapp[] = {
	"whatsapp", "whats app", "whatapp", "watsapp", "watsup", "whatsup",
	"wassap", "wasap", "=wa", "=w.a", "viber", "ватсап", "вотсап",
	"вацап", "واتس", "=zap", NULL
};

static const char *const telegram[] = {
	"telegram", "=tg", "=t-g", "=t.g", "=tele", "телеграм", "电报", "纸飞机",
	"เทเลแกรม", "텔레", "تلغرام", "تيليجرام", NULL
};

static const char *const wechat[] = {
	"wechat", "we chat", "weixin", "微信", "威信", "薇信", "v信", "薇", "=vx", NULL
};

static const char *const line[] = {
	"=line", "=line id", "=lineid", "ไลน์", "라인", NULL
};

/* Zalo, Vietnam's messenger. */
static const char *const zalo[] = { "zalo", NULL };

/* Other networks: an "@name" nearer one of these is not ours. */
static const char *const other[] = {
	"instagram", "=insta", "=ig", "facebook", "=fb", "tiktok", "twitter",
	"snapchat", "skype", "kakao", NULL
};

struct ent_keywords ent_kw_whatsapp = { .list = whatsapp };
struct ent_keywords ent_kw_telegram = { .list = telegram };
struct ent_keywords ent_kw_wechat = { .list = wechat };
struct ent_keywords ent_kw_line = { .list = line };
struct ent_keywords ent_kw_zalo = { .list = zalo };
struct ent_keywords ent_kw_other = { .list = other };

static void build(struct ent_keywords *k)
{
	uint8_t last[256] = { 0 };
	const char *w;
	size_t i;

	for (i = 0; k->list[i] && i < ENT_KEYWORDS_MAX; i++) {
		w = k->list[i];
		k->word[i].whole = w[0] == '=';
		k->word[i].text = w + k->word[i].whole;
		k->word[i].len = (uint8_t)strlen(k->word[i].text);
		k->word[i].ascii = (unsigned char)k->word[i].text[0] < 0x80;
		k->first[(unsigned char)k->word[i].text[0]] = 1;
		if (last[(unsigned char)k->word[i].text[0]])
			k->next[last[(unsigned char)k->word[i].text[0]] - 1] = (uint8_t)(i + 1);
		else
			k->head[(unsigned char)k->word[i].text[0]] = (uint8_t)(i + 1);
		last[(unsigned char)k->word[i].text[0]] = (uint8_t)(i + 1);
		/* a one-byte word may be followed by anything */
		k->second[(unsigned char)k->word[i].text[0]] |=
			k->word[i].len < 2 ? ~0ULL
					   : (uint64_t)1 << ((unsigned char)k->word[i].text[1] & 63);
	}
	k->n = i;
}

static void build_all(void)
{
	build(&ent_kw_whatsapp);
	build(&ent_kw_telegram);
	build(&ent_kw_wechat);
	build(&ent_kw_line);
	build(&ent_kw_zalo);
	build(&ent_kw_other);
}

void ent_keywords_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, build_all);
}

/* memcmp(s, w, n) == 0 past the first two bytes, which the caller has
 * compared: inline, as the words are short and most fail at once. */
static inline int same_tail(const unsigned char *s, const char *w, size_t n)
{
	for (size_t j = 2; j < n; j++)
		if (s[j] != (unsigned char)w[j])
			return 0;
	return 1;
}

/* The words are tried in list order, so an earlier word wins over a longer
 * later one ("=line" before "=line id") exactly as the list says. */
int ent_keyword_at(const struct ent_ctx *c, const struct ent_keywords *kw, size_t i,
		   size_t *end)
{
	const unsigned char *s = (const unsigned char *)c->t->buf;
	const struct ent_keyword *w;
	size_t k, len = c->t->len;

	if (i >= len || !ent_keyword_maybe(kw, c->t->buf, i))
		return 0;
	/* Only the words starting with s[i], in list order: the others
	 * cannot match, so the first that fits is the same word. */
	for (k = kw->head[s[i]]; k-- > 0; k = kw->next[k]) {
		w = &kw->word[k];
		if (w->len > len - i || (w->len > 1 && (unsigned char)w->text[1] != s[i + 1]) ||
		    !same_tail(s + i, w->text, w->len))
			continue;
		if (w->ascii && i > 0 &&
		    (w->whole ? ent_is_alnum(s[i - 1]) : ent_is_alpha(s[i - 1])))
			continue;
		if (w->whole && i + w->len < len && ent_is_alnum(s[i + w->len]))
			continue;
		if (end)
			*end = i + w->len;
		return 1;
	}
	return 0;
}

int ent_keyword_last(const struct ent_ctx *c, const struct ent_keywords *kw,
		     size_t lo, size_t hi, size_t *at, size_t *end)
{
	size_t i, e;

	for (i = hi; i > lo; i--) {
		if (!ent_keyword_at(c, kw, i - 1, &e) || e > hi)
			continue;
		if (at)
			*at = i - 1;
		if (end)
			*end = e;
		return 1;
	}
	return 0;
}

/* Regional indicators U+1F1E6..U+1F1FF are F0 9F 87 A6..BF in UTF-8. */
int ent_flag_letters(const struct ent_ctx *c, const struct ent_keywords *kw,
		     size_t a, size_t b)
{
	const unsigned char *p = (const unsigned char *)c->orig;
	char letters[64];
	size_t i, from, to, n = 0, k;

	/* Normalising drops the flags or folds them into the whitespace around
	 * them, so the neighbouring bytes' input is read too. */
	from = a > 0 ? c->t->start[a - 1] : 0;
	to = b < c->t->len ? c->t->end[b] : c->orig_len;
	if (to <= from)
		return 0;
	if (to - from > 1024)
		from = to - 1024;
	for (i = from; i + 3 < to && n + 1 < sizeof(letters); i++)
		if (p[i] == 0xF0 && p[i + 1] == 0x9F && p[i + 2] == 0x87 &&
		    p[i + 3] >= 0xA6 && p[i + 3] <= 0xBF)
			letters[n++] = (char)('a' + (p[i + 3] - 0xA6));
	letters[n] = '\0';
	for (k = 0; k < kw->n; k++)
		if (!kw->word[k].whole && kw->word[k].ascii && strstr(letters, kw->word[k].text))
			return 1;
	return 0;
}
