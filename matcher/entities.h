/* SPDX-License-Identifier: MIT */
/* Contact details in ad text (phones, WhatsApp, e-mail, Telegram, WeChat,
 * LINE, web addresses), found through the matcher's de-obfuscation and
 * normalised so that ads written differently link to the same network. */
#ifndef LW_MATCHER_ENTITIES_H
#define LW_MATCHER_ENTITIES_H

#include <stddef.h>

#include "../util/error.h"

enum entity_kind {
	ENTITY_PHONE,
	ENTITY_WHATSAPP,
	ENTITY_EMAIL,
	ENTITY_TELEGRAM,
	ENTITY_WECHAT,
	ENTITY_LINE,
	ENTITY_URL,
	ENTITY_ZALO,
	ENTITY_KIND_COUNT
};

struct entity {
	int kind;               /* enum entity_kind */
	size_t start, end;      /* byte offsets into the original input: the
	                         * value as written, obfuscation included */
	char *normalized;       /* NUL-terminated ASCII, owned by the list:
	                         * phone/whatsapp E.164 ("+64215550168");
	                         * email lowercased with [at]/(dot) undone;
	                         * handles lowercased without '@', inserted
	                         * spaces (and, for Telegram, dots); url
	                         * lowercased without its scheme */
	const char *region;     /* phone/whatsapp written without a country
	                         * code and read as a number of another region
	                         * than the default one ("US" for a number in an
	                         * ad that names a US place, "AU" for one only
	                         * Australia could have): that region's id, a
	                         * static string. NULL otherwise. */
};

struct entity_list {
	struct entity *v;       /* n entries in order of start */
	size_t n, cap;
};

/* Most entities kept from one document; later ones are dropped, so a crafted
 * document cannot make the list grow without bound. */
#define ENTITIES_MAX 1000

/* Initialises an empty list; entity_list_release frees what it holds. A
 * zeroed struct is also a valid empty list. */
void entity_list_init(struct entity_list *l);
void entity_list_release(struct entity_list *l);

/* Extracts the contact details of text (len bytes, plain UTF-8; any bytes are
 * tolerated, invalid sequences are repaired first). National phone numbers
 * are read as numbers of default_region (ISO 3166 id such as "NZ"; NULL means
 * "NZ"); a national number that cannot belong there is tried as Australian,
 * British and North American (without any shape to go on, as North American
 * when the ad names a place in the US or Canada), and the region assumed is
 * set in the entity. Every occurrence is listed, so a value written
 * twice appears twice. Fills out (previous content released) and returns 0,
 * or returns -1 with err set (input larger than the matcher accepts, unknown
 * default_region) leaving out empty. */
int entities_extract(const char *text, size_t len, const char *default_region,
		     struct entity_list *out, struct lw_error *err);

/* "phone" "whatsapp" "email" "telegram" "wechat" "line" "url" "zalo", or
 * NULL. */
const char *entity_kind_name(int kind);

#endif
