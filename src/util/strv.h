/* strv.h - a growable NULL-terminated vector of owned strings. */
#ifndef POOL_STRV_H
#define POOL_STRV_H

#include <stddef.h>

struct strv {
	char **v;	/* NULL-terminated once anything was added; may be NULL when empty */
	size_t n, cap;
};

int strv_add(struct strv *s, const char *str);		/* copies; -1 on ENOMEM */
int strv_addf(struct strv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strv_take(struct strv *s, char *str);		/* takes ownership */
int strv_contains(const struct strv *s, const char *str);
void strv_free(struct strv *s);

#endif
