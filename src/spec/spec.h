/* spec.h - the machine spec: what a pool.yaml (or Nix's JSON) declares. */
#ifndef POOL_SPEC_H
#define POOL_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"
#include "common/names.h"
#include "common/parse.h"

struct reach_range;

#define POOL_MEMORY_MIN (64ULL << 20)
#define POOL_MEMORY_MAX (1ULL << 40)
#define POOL_CPUS_MAX 64
#define POOL_CPUS_AUTO 0	/* cpus: auto, the default: the host's cores, capped (plan.c) */

enum image_kind { IMAGE_MINIMAL, IMAGE_HOST, IMAGE_DISK, IMAGE_NIXOS };
enum net_mode { NET_NAT, NET_ISOLATED, NET_NONE };
enum accel_mode { ACCEL_AUTO, ACCEL_KVM, ACCEL_TCG };

/* Where a key stood in the spec file, for errors raised after parsing. */
struct spec_pos {
	int line, col;		/* 1-based; 0 when the key was absent */
};

/* Keys whose position the rest of pool may need for an error message. */
enum spec_key {
	KEY_NAME, KEY_ADDRESS, KEY_INTERFACE, KEY_CPUS, KEY_MEMORY, KEY_IMAGE,
	KEY_KERNEL, KEY_CMDLINE, KEY_CHANNEL, KEY_NETWORK, KEY_USERS, KEY_SHARES,
	KEY_VOLUMES, KEY_EPHEMERAL, KEY_WORKDIR, KEY_ACCEL, KEY_MESH, KEY_PORTS, KEY_WARM,
	KEY__MAX
};

/* One entry of network.allow: a CIDR, or a name whose A records the
 * machine's resolver turns into elements (name != NULL). */
struct allow_rule {
	uint32_t net;		/* host byte order (CIDR entries) */
	unsigned prefix;	/* 0..32 */
	uint16_t port;		/* 0: any port */
	uint8_t proto;		/* 0: tcp and udp (or any when port is 0); 6 tcp; 17 udp.
				 * Names with a port default to tcp. */
	char *name;		/* NULL: a CIDR; else "NAME" or "*.NAME", lowercase */
};

struct role {
	char *name;		/* user name: [a-z_][a-z0-9_-]{0,31} */
	char *hash;		/* crypt(3) hash, NULL: no password */
	char **keys;		/* ssh public keys, one line each */
	size_t nkeys;
	char *shell;		/* NULL: default (nu, then bash, then sh) */
	struct spec_pos pos;	/* the user name (key) */
	/* pass: stands for a password the spec holds in plain text; its hash
	 * is salted anew at every load, so what identifies it across loads
	 * (plan_hash) is a SHA-256 of the password, kept in memory only. */
	bool has_pass_id;
	uint8_t pass_id[32];
};

#define SHARE_PROTECT_MAX 64

struct share {
	char *source;		/* absolute, lexically resolved against the spec's folder */
	char *target;		/* absolute path in the guest */
	bool readonly;
	bool has_protect;	/* protect: given (it replaces the default list) */
	char **protect;		/* paths in the share served read-only, normalised */
	size_t nprotect;
	char *owner;		/* owner: the role whose the share is in the guest; NULL: root */
	struct spec_pos pos;		/* the list item */
	struct spec_pos source_pos;	/* its source: value */
};

struct volume {
	char *path;		/* absolute, resolved against the spec's folder */
	uint64_t size;		/* bytes */
	char *target;		/* NULL: not mounted */
	struct spec_pos pos;		/* the list item */
	struct spec_pos path_pos;	/* its path: value */
};

/* mesh: a lighthouse, overlay address -> where it listens. */
struct mesh_lighthouse {
	uint32_t overlay;	/* host byte order */
	uint32_t host;
	uint16_t port;
	struct spec_pos pos;
};

enum mesh_proto { MESH_PROTO_ANY, MESH_PROTO_TCP, MESH_PROTO_UDP, MESH_PROTO_ICMP };

/* mesh.inbound: one rule; exactly one of groups (any of them), host (a
 * certificate's name, or "any") and cidr. */
struct mesh_rule {
	uint16_t port_lo, port_hi;	/* 0, 0: any */
	enum mesh_proto proto;
	char **groups;
	size_t ngroups;
	char *host;
	bool has_cidr;
	uint32_t cidr;
	unsigned cidr_prefix;
	struct spec_pos pos;
};

struct machine {
	char *file;		/* the spec's path as given, or "<default>" */
	char *dir;		/* absolute folder the spec's relative paths start from */
	int dir_fd;		/* with has_dir_fd: that folder, opened once as the user when the
				 * spec was read; every path beneath it is opened from it */
	bool has_dir_fd;
	char *file_path;	/* the spec file, absolute (NULL: not read from a file) */

	char name[POOL_NAME_MAX + 1];
	bool has_address;
	uint32_t address;	/* host byte order */
	char interface[16];	/* default "eth0" */
	unsigned cpus;		/* 1..POOL_CPUS_MAX, or POOL_CPUS_AUTO (the default) */
	uint64_t memory;	/* bytes, default 512M */

	enum image_kind image;	/* default IMAGE_HOST */
	char *disk;		/* image: {disk: PATH} */
	struct spec_pos disk_pos;
	struct {
		char *kernel, *initrd, *init, *store;	/* init is a guest path */
		struct spec_pos kernel_pos, initrd_pos, init_pos, store_pos;
	} nixos;		/* image: {nixos: {...}} */

	char *kernel;		/* NULL: auto */
	char *cmdline;		/* "" by default */
	char channel[16];	/* default "pool0" */

	enum net_mode network;	/* default NET_NAT */
	struct allow_rule *allow;	/* network: {mode: nat, allow: [...]} */
	size_t nallow;
	bool has_allow;
	bool allow_lan;		/* the command line's --allow-lan (spec_env; a spec cannot ask for it) */
	struct port_map *ports;	/* ports: [...], then the command line's -p */
	size_t nports;

	struct role *users;	/* default: root with no password; `users: {}` gives none */
	size_t nusers;
	struct share *shares;
	size_t nshares;
	struct volume *volumes;
	size_t nvolumes;

	bool ephemeral;		/* default true */
	char *workdir;		/* NULL: guest default (/root or /) */
	enum accel_mode accel;	/* default ACCEL_AUTO */
	bool warm;		/* keep a spare booted for the next run (default false) */

	struct {
		bool set;
		char *network;		/* made with pool mesh init */
		uint32_t ip;		/* overlay address, host byte order */
		unsigned prefix;	/* the mesh's */
		char **groups;
		size_t ngroups;
		struct mesh_lighthouse *lighthouses;
		size_t nlighthouses;
		struct mesh_rule *inbound;	/* has_inbound false: ICMP from the mesh */
		size_t ninbound;
		bool has_inbound;
		struct spec_pos network_pos, ip_pos, groups_pos;
	} mesh;

	/* where each top-level key's value stood (line:col of the value, so
	 * that "pool.yaml:4:10: address: ..." points at what is wrong) */
	struct spec_pos pos[KEY__MAX];
};

/* What the spec is checked against: channels' subnets are the host's
 * configuration, not the spec's. subnet_of fills the subnet of a channel
 * by name and returns 0, or -1 when the channel is unknown: the default
 * channel then has its default subnet (10.0.0.0/24, pool brings it up by
 * itself), and any other channel is refused (it must be made with pool
 * channel up first). NULL: every channel has the default subnet. */
struct spec_env {
	int (*subnet_of)(const char *channel, uint32_t *net, unsigned *prefix, void *ctx);
	void *ctx;
	/* Folders outside the spec's own that its host paths may name
	 * (absolute, normalised): what the command line granted with
	 * --allow-path, and the Nix store when only root can change it.
	 * Every other path outside the spec's folder is refused. */
	const char *const *allow;
	size_t nallow;
	/* The command line's --allow-lan: allow entries inside the LAN
	 * (private, CGNAT, link-local; spec/reach.h) or inside one of the
	 * host's own subnets (hostnets, as reach_host_subnets gives them;
	 * NULL: none known) are refused without it. */
	bool allow_lan;
	const struct reach_range *hostnets;
	size_t nhostnets;
};

/* Whether the absolute, normalised path abs is dir or lies beneath it
 * (lexically: the open, beneath.h, makes sure of it on the disk). */
bool spec_path_beneath(const char *dir, const char *abs);

/* The default channel: the one a spec joins unless it names another, and
 * the one pool brings up by itself. */
#define POOL_DEFAULT_CHANNEL "pool0"
#define POOL_DEFAULT_SUBNET 0x0a000000u	/* 10.0.0.0 */
#define POOL_DEFAULT_PREFIX 24u

/* Parse and validate YAML or JSON text. `file` names it in errors
 * ("pool.yaml:4:10: address: ..."); `dir` is where relative paths start.
 * Pure apart from hashing a `pass:` (which reads the kernel's entropy).
 * On error returns -1 with e->status = POOL_EXIT_USAGE and m left empty. */
int spec_parse(const char *text, size_t len, const char *file, const char *dir,
	       const struct spec_env *env, struct machine *m, struct pool_err *e);

/* Read a file (at most 1 MiB) and parse it; relative paths start from the
 * real path of the file's folder. */
int spec_load(const char *path, const struct spec_env *env, struct machine *m,
	      struct pool_err *e);

/* The embedded default spec for folder `cwd` (pool(1)):
 * name from cwd's base name ([a-z0-9-], "m-" before a leading non-letter,
 * "pool" when nothing is left; at most 25 characters of it), "-" and the
 * first 6 hex digits of the SHA-256 of cwd (without trailing slashes), so
 * each folder has its own machine; image host, cwd shared read-write at the
 * same path and used as workdir, network nat, root without password.
 * has_address is left false: the caller picks a free address in the
 * channel. Refuses cwd "/" and folders in /proc, /sys, /dev, /run. */
int spec_default(const char *cwd, const struct spec_env *env, struct machine *m,
		 struct pool_err *e);

struct path_grants;

/* Open one of the spec's host paths (abs, as the spec gave it, resolved
 * against its folder) in the calling process, which should run as the
 * invoking user: beneath the spec's folder when it lies there, else
 * beneath the granted folder it lies in (open_beneath, open_allowed in
 * util/beneath.h). fd, or -1 with errno and *why. */
int spec_path_open(const struct machine *m, const struct path_grants *g, const char *abs, int oflags,
		   mode_t mode, unsigned flags, const char **why);

/* The same in a child that runs as the invoking user (util/user.h), with
 * one clear line on failure: "FILE:LINE:COL: KEY: PATH: WHY". */
int spec_path_open_as_user(const struct machine *m, const struct path_grants *g, const char *abs,
			   int oflags, unsigned flags, const char *key, const struct spec_pos *pos,
			   struct pool_err *e);

/* Host-side checks that need the file system, done as the invoking user
 * beneath the spec's folder or a grant (share sources are folders,
 * volumes' folders exist, kernels and initrds are regular files, ...).
 * Errors carry the spec's file:line:col. */
int spec_check_host(const struct machine *m, const struct path_grants *g, struct pool_err *e);

void machine_free(struct machine *m);

/* The uid pool-init gives role `name` (its primary gid is the same): 0
 * for root, then 1000 on in the order of users:, root left out. -1 when
 * the spec has no such role. */
long machine_role_uid(const struct machine *m, const char *name);

const char *image_kind_str(enum image_kind k);
const char *net_mode_str(enum net_mode n);
const char *accel_mode_str(enum accel_mode a);

#endif
