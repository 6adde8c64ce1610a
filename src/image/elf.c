/* elf.c - an executable's interpreter and DT_NEEDED libraries, read from
 * its ELF headers (pure), and their files on this host. */
#include "image/elf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fsutil.h"

#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define DT_NULL 0
#define DT_NEEDED 1
#define DT_STRTAB 5
#define DT_STRSZ 10

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Whether [off, off + n) lies within len. */
static bool within(uint64_t off, uint64_t n, size_t len)
{
	return off <= len && n <= len - off;
}

struct phdr {
	uint32_t type;
	uint64_t offset, vaddr, filesz;
};

static void read_phdr(const uint8_t *p, struct phdr *ph)
{
	ph->type = le32(p);
	ph->offset = le64(p + 8);
	ph->vaddr = le64(p + 16);
	ph->filesz = le64(p + 32);
}

/* A virtual address to a file offset, through the PT_LOAD segments. */
static int vaddr_off(const uint8_t *buf, uint64_t phoff, unsigned phnum, uint64_t vaddr,
		     uint64_t *off)
{
	for (unsigned i = 0; i < phnum; i++) {
		struct phdr ph;

		read_phdr(buf + phoff + (uint64_t)i * 56, &ph);
		if (ph.type == PT_LOAD && vaddr >= ph.vaddr && vaddr - ph.vaddr < ph.filesz) {
			*off = ph.offset + (vaddr - ph.vaddr);
			return 0;
		}
	}
	return -1;
}

int elf_deps(const uint8_t *buf, size_t len, char *interp, size_t cap, struct strv *needed,
	     const char **why)
{
	uint64_t phoff, dynoff = 0, dynsz = 0, strtab = 0, strsz = 0, stroff;
	unsigned phnum;
	bool have_dyn = false, have_strtab = false;

	interp[0] = '\0';
	if (len < 64 || memcmp(buf, "\177ELF", 4) != 0) {
		*why = "not an ELF file";
		return -1;
	}
	if (buf[4] != 2 || buf[5] != 1) {
		*why = "not a 64-bit little-endian ELF file";
		return -1;
	}
	phoff = le64(buf + 32);
	phnum = le16(buf + 56);
	if (le16(buf + 54) != 56 || !within(phoff, (uint64_t)phnum * 56, len)) {
		*why = "program headers outside the file";
		return -1;
	}
	for (unsigned i = 0; i < phnum; i++) {
		struct phdr ph;

		read_phdr(buf + phoff + (uint64_t)i * 56, &ph);
		if (ph.type == PT_INTERP) {
			if (!within(ph.offset, ph.filesz, len) || ph.filesz < 2 || ph.filesz > cap ||
			    buf[ph.offset + ph.filesz - 1] != '\0' ||
			    memchr(buf + ph.offset, '\0', ph.filesz - 1)) {
				*why = "a bad interpreter";
				return -1;
			}
			memcpy(interp, buf + ph.offset, ph.filesz);
		} else if (ph.type == PT_DYNAMIC) {
			if (!within(ph.offset, ph.filesz, len)) {
				*why = "the dynamic section is outside the file";
				return -1;
			}
			dynoff = ph.offset;
			dynsz = ph.filesz;
			have_dyn = true;
		}
	}
	if (!have_dyn)
		return 0;	/* static */
	for (uint64_t o = 0; o + 16 <= dynsz; o += 16) {
		int64_t tag = (int64_t)le64(buf + dynoff + o);
		uint64_t val = le64(buf + dynoff + o + 8);

		if (tag == DT_NULL)
			break;
		if (tag == DT_STRTAB) {
			strtab = val;
			have_strtab = true;
		} else if (tag == DT_STRSZ) {
			strsz = val;
		}
	}
	if (!have_strtab || vaddr_off(buf, phoff, phnum, strtab, &stroff) < 0 ||
	    !within(stroff, strsz, len)) {
		*why = "the string table is outside the file";
		return -1;
	}
	for (uint64_t o = 0; o + 16 <= dynsz; o += 16) {
		int64_t tag = (int64_t)le64(buf + dynoff + o);
		uint64_t val = le64(buf + dynoff + o + 8);
		const char *name;
		size_t n;

		if (tag == DT_NULL)
			break;
		if (tag != DT_NEEDED)
			continue;
		if (val >= strsz) {
			*why = "a library name outside the string table";
			return -1;
		}
		name = (const char *)buf + stroff + val;
		n = strnlen(name, strsz - val);
		if (n == strsz - val || n == 0 || n > 255 || memchr(name, '/', n) || strcmp(name, ".") == 0 ||
		    strcmp(name, "..") == 0) {
			*why = "a bad library name";
			return -1;
		}
		if (needed->n >= ELF_NEEDED_MAX) {
			*why = "too many libraries";
			return -1;
		}
		if (!strv_contains(needed, name) && strv_add(needed, name) < 0) {
			*why = "out of memory";
			return -1;
		}
	}
	return 0;
}

static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
};

static int deps_of(const char *path, char *interp, size_t cap, struct strv *needed, struct pool_err *e)
{
	_cleanup_free_ char *buf = NULL;
	const char *why;
	size_t len;

	if (read_file(path, ELF_FILE_MAX, &buf, &len, e) < 0)
		return -1;
	if (elf_deps((const uint8_t *)buf, len, interp, cap, needed, &why) < 0)
		return pool_err_fail(e, "%s: %s", path, why);
	return 0;
}

int elf_closure(const char *path, struct strv *files, struct pool_err *e)
{
	struct strv todo = { 0 }, seen = { 0 };
	char interp[256];
	int r = -1;

	if (deps_of(path, interp, sizeof interp, &todo, e) < 0)
		goto out;
	if (interp[0] && strv_add(files, interp) < 0)
		goto oom;
	for (size_t i = 0; i < todo.n; i++) {
		char lib[512], sub[256];
		bool found = false;

		if (strv_contains(&seen, todo.v[i]))
			continue;
		if (strv_add(&seen, todo.v[i]) < 0)
			goto oom;
		for (size_t d = 0; d < sizeof lib_dirs / sizeof lib_dirs[0] && !found; d++) {
			snprintf(lib, sizeof lib, "%s/%s", lib_dirs[d], todo.v[i]);
			found = access(lib, R_OK) == 0;
		}
		if (!found) {
			pool_err_fail(e, "%s needs %s, which is in none of the standard library folders", path,
				      todo.v[i]);
			goto out;
		}
		if (!strv_contains(files, lib) && strv_add(files, lib) < 0)
			goto oom;
		if (todo.n > 4 * ELF_NEEDED_MAX) {
			pool_err_fail(e, "%s: too many libraries", path);
			goto out;
		}
		if (deps_of(lib, sub, sizeof sub, &todo, e) < 0)
			goto out;
	}
	r = 0;
	goto out;
oom:
	pool_err_sys(e, "%s", path);
out:
	strv_free(&todo);
	strv_free(&seen);
	return r;
}
