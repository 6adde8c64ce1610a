/* mesh.h - pool's Nebula meshes: this host's CA for each mesh, the CAs it
 * trusts, the grants that let a spec's folder join, the certificates the
 * supervisor signs at each boot, and the config.yml a node runs with.
 *
 * Under POOL_DATA_DIR (default /var/lib/pool, 0700, root's):
 *
 *   mesh/NET/          0700: one mesh
 *     subnet           "a.b.c.d/N\n": the overlay's subnet
 *     ca.crt           this host's CA certificate (public)
 *     ca.key           0600: its key; it never leaves the host
 *     trusted/FPR.crt  other hosts' CA certificates, by fingerprint
 *     grants           "IP/PREFIX GROUPS LIGHTHOUSES DIR" lines (mesh_grants_parse)
 *     lighthouse       "ip=a.b.c.d\nlisten=ADDR:PORT\n": pool mesh lighthouse
 *
 * nebula-cert (Debian's nebula 1.6.1, v1 certificates) does the
 * cryptography; pool runs it (util/proc.c) and keeps the files. */
#ifndef POOL_MESH_H
#define POOL_MESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "spec/spec.h"
#include "util/err.h"

#define MESH_DEFAULT_SUBNET 0xc0a86400u	/* 192.168.100.0 */
#define MESH_DEFAULT_PREFIX 24u
#define MESH_NAME_MAX 24	/* a mesh's name; "lh-NAME" is its lighthouse */
#define MESH_GROUPS_MAX 64
#define MESH_GRANTS_MAX 4096
#define MESH_GRANTS_FILE_MAX (1u << 20)
#define MESH_GRANT_LIGHTHOUSES_MAX 16	/* a grant's, and a spec's */
/* a machine's: its grant's and this host's own */
#define MESH_MACHINE_LIGHTHOUSES_MAX (MESH_GRANT_LIGHTHOUSES_MAX + 1)
#define MESH_LIGHTHOUSE_STR_MAX 40	/* "a.b.c.d=e.f.g.h:PORT" */
#define MESH_NEBULA_PORT 4242	/* a machine's nebula listens here in its guest */
#define MESH_HOST_PORT_MIN 4243	/* each mesh machine's UDP port on the host's uplink */
#define MESH_HOST_PORT_MAX 4498
/* A machine's certificate lives this long (seconds); its supervisor
 * sends the next one two thirds of the way (supervise/mesh.h). */
#define MESH_CERT_SECONDS (24 * 3600)
#define MESH_CA_WARN_SECONDS (30 * 24 * 3600)

/* POOL_DATA_DIR or /var/lib/pool. */
const char *mesh_data_root(void);
/* A mesh name: a machine name of at most MESH_NAME_MAX characters. */
bool mesh_name_ok(const char *net);

/* --- grants (grants.c, pure) --- */

/* The overlay address and groups the spec in folder dir may have, and
 * the lighthouses its machine may reach: the host decides where they
 * are, the spec may only pick among them. */
struct mesh_grant {
	uint32_t ip;		/* host byte order */
	unsigned prefix;
	char **groups;
	size_t ngroups;
	struct mesh_lighthouse *lighthouses;	/* each overlay address once, not ip */
	size_t nlighthouses;	/* at most MESH_GRANT_LIGHTHOUSES_MAX */
	char *dir;		/* absolute, no newline */
};

struct mesh_grants {
	struct mesh_grant *v;
	size_t n;
};

/* Parse a grants file: one "IP/PREFIX GROUPS LIGHTHOUSES DIR" line each,
 * GROUPS comma-separated group names or "-", LIGHTHOUSES comma-separated
 * OVERLAY=HOST:PORT (mesh_lighthouse_parse) or "-", DIR the rest of the
 * line (absolute; no NUL). A line of an older pool, "IP/PREFIX GROUPS
 * DIR", has no lighthouses (a DIR starts with '/', LIGHTHOUSES never).
 * Each DIR once. Returns 0, or -1 with *why and *line (1-based) on the
 * first bad line; g is then empty. Pure. */
int mesh_grants_parse(const char *buf, size_t len, struct mesh_grants *g, const char **why,
		      size_t *line);
/* The file's text again, every line with its LIGHTHOUSES (malloc'd; NULL
 * on ENOMEM). */
char *mesh_grants_format(const struct mesh_grants *g);
/* The grant of folder dir, or NULL. */
const struct mesh_grant *mesh_grant_find(const struct mesh_grants *g, const char *dir);
void mesh_grants_free(struct mesh_grants *g);
/* Whether a folder path can stand in a grants line (absolute, no control
 * character). */
bool mesh_grant_dir_ok(const char *dir);
/* "a,b" -> groups; "" or "-" -> none. Each a valid group name, none twice.
 * -1 with *why otherwise. */
int mesh_groups_split(const char *s, char ***groups, size_t *n, const char **why);

/* Where a lighthouse may be: a unicast address (not 0/8, loopback,
 * multicast, reserved or broadcast). */
bool mesh_lighthouse_host_ok(uint32_t host);
/* "OVERLAY=HOST:PORT" (a.b.c.d=e.f.g.h:N, N 1..65535, HOST as
 * mesh_lighthouse_host_ok): 0, or -1 with *why. */
int mesh_lighthouse_parse(const char *s, struct mesh_lighthouse *l, const char **why);
/* "a.b.c.d=e.f.g.h:N" into buf (MESH_LIGHTHOUSE_STR_MAX), which it returns. */
const char *mesh_lighthouse_str(const struct mesh_lighthouse *l, char *buf);
/* "A,B" of mesh_lighthouse_parse -> v (malloc'd; NULL when none); "" or
 * "-" -> none. At most MESH_GRANT_LIGHTHOUSES_MAX, each overlay address
 * once. -1 with *why otherwise. */
int mesh_lighthouses_split(const char *s, struct mesh_lighthouse **out, size_t *n, const char **why);

/* The lighthouses a machine of grant gr gets when its spec asks for
 * want[0..nwant): the host decides. own, when not NULL, is this host's
 * lighthouse: it stands for any entry with its overlay address (wherever
 * the spec says it is) and comes last. Every other entry must be one of
 * the grant's, at the same host and port; none asked gives all of the
 * grant's. out has room for cap (MESH_MACHINE_LIGHTHOUSES_MAX is always
 * enough for a grant parsed here). Returns how many, or -1 with *refused
 * the index in want of the first one the grant does not hold, or nwant
 * when out has no room. Pure. */
int mesh_lighthouses_pick(const struct mesh_grant *gr, const struct mesh_lighthouse *want,
			  size_t nwant, const struct mesh_lighthouse *own, struct mesh_lighthouse *out,
			  size_t cap, size_t *refused);

/* --- a node's config.yml (config.c, pure) --- */

struct mesh_addr {
	uint32_t ip;
	uint16_t port;
};

struct mesh_node {
	const char *ca, *cert, *key;	/* paths where nebula finds them */
	uint32_t subnet;		/* the mesh's */
	unsigned prefix;
	const char *listen_host;	/* "0.0.0.0" */
	uint16_t listen_port;
	bool lighthouse;		/* am_lighthouse, am_relay, no tun */
	const struct mesh_lighthouse *lighthouses;	/* static_host_map, hosts, relays */
	size_t nlighthouses;
	const struct mesh_addr *advertise;
	size_t nadvertise;
	const struct mesh_rule *inbound;	/* NULL with has_inbound false: ICMP from the mesh */
	size_t ninbound;
	bool has_inbound;
	const char *tun_dev;		/* "nebula1" */
};

/* The YAML nebula 1.6 reads, malloc'd (NULL on ENOMEM). A rule's groups
 * mean any of them: Nebula ANDs a list, so each group is a rule of its own. */
char *mesh_config_yaml(const struct mesh_node *n);

/* --- this host's meshes (ca.c) --- */

/* One CA certificate as nebula-cert print -json shows it. */
struct mesh_ca_info {
	char name[128];
	char fingerprint[65];
	time_t not_after;
	bool is_ca;
	uint32_t ips[8];	/* the CA's ips constraint (empty: any) */
	unsigned ip_prefix[8];
	size_t nips;
};

/* The mesh's folder, root/mesh/NET. */
int mesh_dir(const char *net, char *buf, size_t cap, struct pool_err *e);
/* 0 when mesh NET exists here; -1 with a usage error naming
 * `pool mesh init NET` otherwise. */
int mesh_exists(const char *net, struct pool_err *e);
int mesh_subnet(const char *net, uint32_t *subnet, unsigned *prefix, struct pool_err *e);

/* pool mesh init: the CA, made in a scratch folder and renamed into
 * place, so a failure leaves nothing. Refuses a mesh that exists and a
 * subnet that overlaps another mesh's or a channel's. */
int mesh_init(const char *net, uint32_t subnet, unsigned prefix, struct pool_err *e);
/* This host's CA certificate (PEM), malloc'd. */
int mesh_ca_pem(const char *net, char **pem, size_t *len, struct pool_err *e);
/* pool mesh trust: file must hold one Nebula CA certificate and nothing
 * else, unexpired, whose ips (if any) cover the mesh's subnet. *fpr gets
 * its fingerprint; *already says it was trusted before. */
int mesh_trust(const char *net, const char *file, char fpr[65], bool *already,
	       struct pool_err *e);
/* Read what nebula-cert print -json says of the certificate in path. */
int mesh_cert_info(const char *path, struct mesh_ca_info *ci, struct pool_err *e);

int mesh_grants_load(const char *net, struct mesh_grants *g, struct pool_err *e);
/* pool mesh grant / revoke (dir: a folder; its real path is recorded).
 * A grant replaces the folder's old one, lighthouses too. A lighthouse's
 * overlay address lies in the mesh, is not ip, nor another folder's
 * granted address. */
int mesh_grant(const char *net, const char *dir, uint32_t ip, unsigned prefix, char **groups,
	       size_t ngroups, const struct mesh_lighthouse *lighthouses, size_t nlighthouses,
	       struct pool_err *e);
int mesh_revoke(const char *net, const char *dir, struct pool_err *e);

/* pool mesh status NET, printed to out. */
int mesh_status(const char *net, FILE *out, struct pool_err *e);

/* The spec asks, the host grants: the mesh exists, the spec's folder has
 * a grant, its ip and groups are within it, and every lighthouse it names
 * is the grant's or this host's own (mesh_lighthouses_pick). The error is
 * one line that ends in the `pool mesh grant` command to run. out (room
 * for MESH_MACHINE_LIGHTHOUSES_MAX; NULL: not wanted) gets the machine's
 * lighthouses as the host decides, *nout how many; this host's own is
 * where it listens (host 0: every address of the host). */
int mesh_check_spec(const struct machine *m, struct mesh_lighthouse *out, size_t *nout,
		    struct pool_err *e);

/* Every CA certificate a node of NET accepts (this host's and the
 * trusted ones), concatenated PEM, malloc'd. */
int mesh_ca_bundle(const char *net, char **pem, size_t *len, struct pool_err *e);

/* A fresh key pair and a certificate signed by NET's CA: name, ip/prefix,
 * groups, valid for seconds (cut to the CA's own end). The key and
 * certificate come back in memory (malloc'd; wipe and free the key); the
 * files nebula-cert wrote in scratch (a private folder of root's) are
 * gone. */
struct mesh_cert {
	char *key, *crt;
	size_t key_len, crt_len;
	time_t not_after;
};
int mesh_sign(const char *net, const char *scratch, const char *name, uint32_t ip,
	      unsigned prefix, char *const *groups, size_t ngroups, unsigned long seconds,
	      struct mesh_cert *c, struct pool_err *e);
void mesh_cert_free(struct mesh_cert *c);

/* The host lighthouse's record of mesh NET: 0 and its overlay ip and
 * listen address, 1 when there is none. */
int mesh_lighthouse_get(const char *net, uint32_t *ip, struct mesh_addr *listen,
			struct pool_err *e);

/* What a machine's state folder says of its mesh (file "mesh" in it:
 * network=, ip=, groups=, port=). */
struct mesh_machine {
	char network[MESH_NAME_MAX + 1];
	uint32_t ip;
	unsigned prefix;
	char groups[1024];	/* comma-separated */
	uint16_t port;		/* its UDP port on the host's uplink */
};
#define MESH_STATE_FILE "mesh"
int mesh_machine_parse(const char *buf, size_t len, struct mesh_machine *mm);
int mesh_machine_format(const struct mesh_machine *mm, char *out, size_t cap);
/* The mesh record of machine folder NAME under ROOT: 0, or -1 when it has
 * none (or not a valid one, or NAME is not a machine's). */
int mesh_machine_read(const char *root, const char *name, struct mesh_machine *mm);

#endif
