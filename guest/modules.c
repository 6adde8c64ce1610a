/* modules.c - load the kernel modules pool put in the image, in order. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest.h"

#define MODULE_LIST "/lib/modules/pool.list"

static void norm(char *s)
{
	for (; *s; s++)
		if (*s == '-')
			*s = '_';
}

/* "virtio_mmio.device=512@0xfeb00000:12 ..." -> "device=512@0xfeb00000:12". */
static void module_params(const char *cl, const char *mod, char *out, size_t cap)
{
	size_t mlen = strlen(mod), used = 0;
	const char *p = cl;

	out[0] = '\0';
	while (*p) {
		const char *end;
		char tok[512];
		size_t n;

		while (*p == ' ' || *p == '\n')
			p++;
		end = p;
		while (*end && *end != ' ' && *end != '\n')
			end++;
		n = (size_t)(end - p);
		if (n > mlen + 1 && n < sizeof tok) {
			memcpy(tok, p, n);
			tok[n] = '\0';
			norm(tok);	/* only the module part matters; values rarely hold '-' */
			if (strncmp(tok, mod, mlen) == 0 && tok[mlen] == '.') {
				size_t plen = n - mlen - 1;

				if (used + plen + 2 < cap) {
					if (used)
						out[used++] = ' ';
					memcpy(out + used, p + mlen + 1, plen);
					used += plen;
					out[used] = '\0';
				}
			}
		}
		p = end;
	}
}

int modules_load(const char *cmdline)
{
	FILE *f = fopen(MODULE_LIST, "re");
	char line[512];
	int failed = 0;

	if (!f)
		return 0;	/* an image without modules: everything is built in */
	while (fgets(line, sizeof line, f)) {
		char path[600], name[128], params[1024];
		const char *base;
		size_t n = strcspn(line, "\n");
		int fd;

		line[n] = '\0';
		if (!n)
			continue;
		snprintf(path, sizeof path, "/lib/modules/%s", line);
		base = strrchr(line, '/') ? strrchr(line, '/') + 1 : line;
		snprintf(name, sizeof name, "%s", base);
		name[strcspn(name, ".")] = '\0';
		norm(name);
		module_params(cmdline, name, params, sizeof params);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			glog("module %s: %s", path, strerror(errno));
			failed++;
			continue;
		}
		if (syscall(SYS_finit_module, fd, params, 0) < 0 && errno != EEXIST) {
			glog("module %s: %s", name, strerror(errno));
			failed++;
		}
		close(fd);
	}
	fclose(f);
	return failed;
}
