/* elf.h - what an ELF executable needs to run: its interpreter and its
 * DT_NEEDED libraries (elf_deps, pure), and the files of that closure
 * on this host (elf_closure), as dracut finds them, for image minimal. */
#ifndef POOL_ELF_H
#define POOL_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/strv.h"

#define ELF_FILE_MAX (256u << 20)
#define ELF_NEEDED_MAX 64

/* Parse a 64-bit little-endian ELF file in buf: *interp gets PT_INTERP
 * ("" for a static binary), needed the DT_NEEDED names in order. Every
 * offset and size is checked against len. 0, or -1 with *why. */
int elf_deps(const uint8_t *buf, size_t len, char *interp, size_t cap, struct strv *needed,
	     const char **why);

/* The host files a binary needs beside itself: its interpreter and the
 * libraries it needs, transitively, looked up in the standard folders
 * (/lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib64, /usr/lib64,
 * /lib, /usr/lib). Absolute paths, each once, into files. */
int elf_closure(const char *path, struct strv *files, struct pool_err *e);

#endif
