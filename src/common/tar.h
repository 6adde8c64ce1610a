/* tar.h - a tar stream, read as it comes and written (pool cp): POSIX
 * ustar and GNU headers, GNU long names and links ('L', 'K') and pax
 * extended headers ('x': path, linkpath, size, mtime). Pure, libc only.
 *
 * The reader takes hostile bytes (what a machine's tar says): every
 * header's checksum and fields are checked before use, names and pax
 * records are bounded (TAR_NAME_MAX, TAR_PAX_MAX), nothing is copied by a
 * length the stream gives without that bound, and a file's data is handed
 * out in place, never buffered. Names come out as the archive has them:
 * the caller checks them (util/beneath.h's path_rel_check). */
#ifndef POOL_TAR_H
#define POOL_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TAR_BLOCK 512u
#define TAR_NAME_MAX 4096u	/* a name or link target with its NUL: PATH_MAX */
#define TAR_PAX_MAX 65536u	/* one pax header's records */
#define TAR_SIZE_MAX ((uint64_t)INT64_MAX)
/* What tar_header_encode writes at most: a long-name and a long-link
 * record (header and data each) and the header. */
#define TAR_HEADER_MAX (5 * TAR_BLOCK + 2 * TAR_NAME_MAX)

enum tar_kind {
	TAR_FILE,	/* '0', '\0', '7': size bytes of data follow */
	TAR_DIR,	/* '5' */
	TAR_SYMLINK,	/* '2': link */
	TAR_HARDLINK,	/* '1': link names an earlier entry */
	TAR_OTHER,	/* '3', '4', '6': a device or a fifo */
};

struct tar_entry {
	enum tar_kind kind;
	char name[TAR_NAME_MAX];	/* NUL-terminated, never empty */
	char link[TAR_NAME_MAX];	/* TAR_SYMLINK and TAR_HARDLINK: never empty */
	uint64_t size;			/* TAR_FILE: its data's length; else 0 */
	uint32_t mode;			/* permission bits, 07777 at most */
	int64_t mtime;			/* seconds since the epoch */
};

enum tar_event {
	TAR_NEED,	/* everything given was taken: more bytes */
	TAR_ENTRY,	/* r->e is the next entry */
	TAR_DATA,	/* *data, *dlen: the next piece of the current file's data */
	TAR_END,	/* the end of the archive (its zero blocks) */
	TAR_ERROR,	/* *why; every later step says so again */
};

/* Large (about 78 KiB): keep it off small stacks. */
struct tar_reader {
	int state;
	uint8_t block[TAR_BLOCK];
	size_t have;		/* bytes of block collected */
	uint64_t left;		/* data (or a record's bytes) left in this entry */
	uint64_t pad;		/* padding after it */
	unsigned zeros;		/* zero blocks in a row */
	int meta;		/* the record being collected: 'L', 'K', 'x', or 0 to skip */
	size_t mlen;
	char mbuf[TAR_PAX_MAX];
	char long_name[TAR_NAME_MAX], long_link[TAR_NAME_MAX], pax_name[TAR_NAME_MAX],
		pax_link[TAR_NAME_MAX];
	bool has_size, has_mtime;	/* from a pax header, for the next entry */
	uint64_t pax_size;
	int64_t pax_mtime;
	const char *err;
	struct tar_entry e;
};

void tar_reader_init(struct tar_reader *r);
/* Take bytes from p[0..n): *used of them were taken, and the event says
 * what they made. Call again with what is left until TAR_NEED. Pure. */
enum tar_event tar_reader_step(struct tar_reader *r, const uint8_t *p, size_t n, size_t *used,
			       const uint8_t **data, size_t *dlen, const char **why);
/* The stream has ended: 0 when it ended where an archive may (after its
 * end blocks, or after one, as some writers leave it; or with no byte at
 * all), -1 with *why when in the middle of something. */
int tar_reader_finish(const struct tar_reader *r, const char **why);

/* The header of e (TAR_FILE, TAR_DIR or TAR_SYMLINK) into out, with a GNU
 * 'L' or 'K' record before it when the name or link does not fit; GNU
 * format, owner root. The data (e->size bytes) is the caller's, then
 * tar_pad(e->size) zero bytes. Returns the length, or -1 when e breaks a
 * rule the reader checks or cap is short. */
long tar_header_encode(uint8_t *out, size_t cap, const struct tar_entry *e);

/* Whether a symlink the archive makes stays in the copy: DIR is the
 * link's folder beneath the copy's top ("" for the top; NULL when the
 * link is the copy itself), a real folder reached without links. Its
 * TARGET may climb with leading ".." no higher than the top, then only
 * descend: so every link, and a chain of them, leads inside the copy.
 * 0, or -1 with *why. */
int tar_link_within(const char *dir, const char *target, const char **why);
/* Zero bytes after size bytes of data, to the next block. */
size_t tar_pad(uint64_t size);
/* The end of an archive: two zero blocks. */
#define TAR_END_LEN (2 * TAR_BLOCK)

#endif
