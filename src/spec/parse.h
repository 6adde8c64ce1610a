/* parse.h - inside the spec parser: the YAML tree, the parse context and
 * the helpers the parser's files share (yaml.c: tree and messages;
 * values.c: typed access; keys.c: each key; spec.c: entry points; host.c:
 * checks that do I/O). Not for use outside src/spec/. */
#ifndef POOL_SPEC_PARSE_H
#define POOL_SPEC_PARSE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec.h"

#define SPEC_FILE_MAX (1u << 20)
#define SPEC_DEPTH_MAX 16
#define SPEC_NODES_MAX 20000
#define SPEC_STRING_MAX 8192
#define SPEC_CMDLINE_MAX 1024
#define SPEC_USERS_MAX 64
#define SPEC_KEYS_MAX 64
#define SPEC_SHARES_MAX 64
#define SPEC_VOLUMES_MAX 64
#define SPEC_ALLOW_MAX 256
#define SPEC_GROUPS_MAX 64
#define SPEC_LIGHTHOUSES_MAX 16
#define SPEC_INBOUND_MAX 64
#define SPEC_MESH_NAME_MAX 24	/* mesh/mesh.h MESH_NAME_MAX */
#define SPEC_VOLUME_MIN (1ULL << 20)
#define SPEC_VOLUME_MAX (1ULL << 46)

/* The YAML document as a small tree of our own: libfyaml's event parser
 * gives every node's position, and we refuse what we do not want
 * (aliases, anchors, tags, a second document) before looking at values. */
enum ykind { Y_SCALAR, Y_MAP, Y_SEQ, Y_ALIAS };

struct ynode {
	enum ykind kind;
	bool plain;		/* scalar written without quotes or block style */
	bool has_nul;		/* scalar text holds a NUL byte */
	int line, col;		/* 1-based */
	int parent;		/* -1: the root */
	int key;		/* map keys and values: the key node; -1 otherwise */
	int index;		/* sequence items: their position */
	int first, last, next;	/* children; a map's are key, value, key, value... */
	size_t n;
	char *text;		/* scalars: NUL-terminated copy */
	size_t len;
};

struct ydoc {
	struct ynode *v;
	size_t n, cap;
};

struct ctx {
	const char *file, *dir;
	const struct spec_env *env;
	struct pool_err *e;
	struct ydoc *d;
	struct machine *m;
	int pass_node[SPEC_USERS_MAX];	/* per role: its `pass:` value, or -1 */
};

/* yaml.c: the tree and its messages */
void ydoc_free(struct ydoc *d);
const char *show(const char *s, size_t len, char *buf, size_t size);
void node_path(const struct ydoc *d, int n, char *buf, size_t size);
int fail(struct ctx *c, int n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int fail_sub(struct ctx *c, int n, const char *sub, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int fail_oom(struct ctx *c);
int build_tree(struct ctx *c, const char *text, size_t len);

/* values.c: typed access to values */
bool is_null(const struct ynode *y);
bool is_boolish(const struct ynode *y);
const char *describe(const struct ynode *y, char *buf, size_t size);
int fail_type(struct ctx *c, int n, const char *expected);
int get_text(struct ctx *c, int n, const char **out, const char *expected);
int get_string(struct ctx *c, int n, const char **out);
int get_word(struct ctx *c, int n, const char **out, const char *expected);
int get_bool(struct ctx *c, int n, bool *out);
int get_uint(struct ctx *c, int n, uint64_t min, uint64_t max, uint64_t *out);
int get_size(struct ctx *c, int n, uint64_t min, uint64_t max, uint64_t *out);
int get_host_path(struct ctx *c, int n, char **out);
int get_guest_path(struct ctx *c, int n, char **out);
int get_target(struct ctx *c, int n, char **out);
int map_keys(struct ctx *c, int map, const char *const *names, size_t nnames, int *vals);
int need_map(struct ctx *c, int n, const char *expected);
int need_seq(struct ctx *c, int n, const char *expected);
void set_pos(struct spec_pos *p, const struct ynode *y);

/* keys.c: the keys and the whole-spec checks */
int set_defaults(struct machine *m);
int default_users(struct machine *m);
int validate(struct ctx *c);

#endif
