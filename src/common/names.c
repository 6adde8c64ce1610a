/* names.c - what pool accepts as a name: one rule each (names.h). */
#include "names.h"

#include <stddef.h>
#include <string.h>

#define LOWER_DIGITS "abcdefghijklmnopqrstuvwxyz0123456789"

/* first: the characters a name may start with; rest: those that may
 * follow; 1..max bytes in all. */
static bool word(const char *s, const char *first, const char *rest, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= max && strchr(first, s[0]) && strspn(s + 1, rest) == n - 1;
}

bool valid_machine_name(const char *s)
{
	return word(s, "abcdefghijklmnopqrstuvwxyz", LOWER_DIGITS "-", POOL_NAME_MAX);
}

bool valid_user_name(const char *s)
{
	return word(s, "abcdefghijklmnopqrstuvwxyz_", LOWER_DIGITS "_-", POOL_USER_MAX);
}

bool valid_channel_name(const char *s)
{
	return word(s, "abcdefghijklmnopqrstuvwxyz", LOWER_DIGITS "-", 15);
}

bool valid_group_name(const char *s)
{
	static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" LOWER_DIGITS "._-";

	return word(s, chars, chars, 64);
}

bool valid_ifname(const char *s)
{
	size_t i;

	if (!s || !*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= 15 || c <= ' ' || c >= 127 || c == '/' || c == ':')
			return false;
	}
	return true;
}

const char *dns_char_refused(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_')
		return NULL;
	if (c >= 0x80)
		return "name has a byte above 127 (not ASCII)";
	if (c < 0x20 || c == 0x7f)
		return "name has a control character";
	if (c == ' ')
		return "name has a space";
	return "name has punctuation other than '-' and '_'";
}

int valid_dns_pattern(const char *s, const char **why)
{
	size_t len, start = 0;

	if (s[0] == '*' && s[1] == '.')
		s += 2;
	if (s[0] == '.' && s[1] == '\0') {
		*why = "the root is not a name";
		return -1;
	}
	if (s[0] == '\0') {
		*why = "empty name";
		return -1;
	}
	if (strchr(s, '*')) {
		*why = "'*' other than a leading '*.'";
		return -1;
	}
	len = strnlen(s, DNS_PATTERN_NAME_MAX + 1);
	if (len > DNS_PATTERN_NAME_MAX) {
		*why = "name longer than 253 characters";
		return -1;
	}
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			const char *bad = dns_char_refused((unsigned char)s[i]);

			if (bad) {
				*why = bad;
				return -1;
			}
			continue;
		}
		if (i == start) {
			*why = "name has an empty label";
			return -1;
		}
		if (i - start > 63) {
			*why = "label longer than 63 bytes";
			return -1;
		}
		start = i + 1;
	}
	return 0;
}
