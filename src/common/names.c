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
