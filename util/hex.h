/* SPDX-License-Identifier: MIT */
/* The value of one hexadecimal digit, for the decoders of percent-escapes
 * (URLs, robots.txt paths, form fields) and of \xHH in patterns. */
#ifndef LW_HEX_H
#define LW_HEX_H

/* 0-15, or -1 when c is not a hexadecimal digit (any int, EOF and negative
 * chars included). */
static inline int lw_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
