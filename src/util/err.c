/* err.c - error objects with context added on the way up (crun's style). */
#include "err.h"

#include <stdio.h>
#include <string.h>

int pool_err_set(struct pool_err *e, int status, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	e->status = status ? status : POOL_EXIT_FAIL;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	if (code) {
		size_t n = strlen(e->msg);

		snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(code));
	}
	return -1;
}

int pool_err_wrap(struct pool_err *e, const char *fmt, ...)
{
	char prefix[512];
	size_t plen, mlen;
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	/* "prefix: message", cut to fit */
	plen = strlen(prefix);
	if (plen > sizeof e->msg - 3)
		plen = sizeof e->msg - 3;
	mlen = strnlen(e->msg, sizeof e->msg - 1);
	if (plen + 2 + mlen > sizeof e->msg - 1)
		mlen = sizeof e->msg - 1 - plen - 2;
	memmove(e->msg + plen + 2, e->msg, mlen);
	memcpy(e->msg, prefix, plen);
	e->msg[plen] = ':';
	e->msg[plen + 1] = ' ';
	e->msg[plen + 2 + mlen] = '\0';
	if (!e->status)
		e->status = POOL_EXIT_FAIL;
	return -1;
}
