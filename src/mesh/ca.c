/* ca.c - this host's meshes under POOL_DATA_DIR: the CA (made by
 * nebula-cert), the CAs it trusts, the grants, the certificates signed
 * at each boot, and pool mesh status. */
#include "mesh/mesh.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/names.h"
#include "common/parse.h"
#include "net/channel.h"
#include "supervise/state.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/proc.h"

#define PEM_BEGIN "-----BEGIN NEBULA CERTIFICATE-----"
#define PEM_END "-----END NEBULA CERTIFICATE-----"
#define CERT_FILE_MAX 65536

const char *mesh_data_root(void)
{
	const char *v = getenv("POOL_DATA_DIR");

	return v && *v ? v : "/var/lib/pool";
}

/* POOL_DATA_DIR, when set, is an absolute path (never the default instead). */
static int data_root_ok(struct pool_err *e)
{
	const char *r = mesh_data_root();

	if (r[0] != '/')
		return pool_err_usage(e, "POOL_DATA_DIR=%.60s: not an absolute path", r);
	return 0;
}

static const char *nebula_cert(void)
{
	const char *v = getenv("POOL_NEBULA_CERT");

	return v && *v ? v : "/usr/bin/nebula-cert";
}

static int mesh_root(char *buf, size_t cap, struct pool_err *e)
{
	if (data_root_ok(e) < 0)
		return -1;
	if ((size_t)snprintf(buf, cap, "%s/mesh", mesh_data_root()) >= cap)
		return pool_err_usage(e, "POOL_DATA_DIR is too long");
	return 0;
}

int mesh_dir(const char *net, char *buf, size_t cap, struct pool_err *e)
{
	if (!mesh_name_ok(net))
		return pool_err_usage(e, "mesh %.40s: not a mesh name (a lowercase letter, then lowercase letters, digits or '-'; at most %d)",
				      net, MESH_NAME_MAX);
	if (data_root_ok(e) < 0)
		return -1;
	if ((size_t)snprintf(buf, cap, "%s/mesh/%s", mesh_data_root(), net) >= cap)
		return pool_err_usage(e, "POOL_DATA_DIR is too long");
	return 0;
}

/* root/mesh made and private: pool keeps keys in it. */
static int data_dirs(struct pool_err *e)
{
	char path[PATH_MAX];

	if (data_root_ok(e) < 0)
		return -1;
	if (mkdir_p(mesh_data_root(), 0700, e) < 0 || dir_private(mesh_data_root(), e) < 0)
		return pool_err_wrap(e, "POOL_DATA_DIR");
	if (mesh_root(path, sizeof path, e) < 0 || mkdir_p(path, 0700, e) < 0 ||
	    dir_private(path, e) < 0)
		return -1;
	return 0;
}

int mesh_exists(const char *net, struct pool_err *e)
{
	char dir[PATH_MAX];
	struct stat st;

	if (mesh_dir(net, dir, sizeof dir, e) < 0)
		return -1;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return pool_err_usage(e, "no mesh %s on this host (make it with pool mesh init %s)", net, net);
	return dir_private(dir, e) < 0 ? pool_err_wrap(e, "mesh %s", net) : 0;
}

static int mesh_file(const char *net, const char *name, char *buf, size_t cap, struct pool_err *e)
{
	char dir[PATH_MAX];

	if (mesh_dir(net, dir, sizeof dir, e) < 0)
		return -1;
	if ((size_t)snprintf(buf, cap, "%s/%s", dir, name) >= cap)
		return pool_err_usage(e, "POOL_DATA_DIR is too long");
	return 0;
}

static int read_subnet(const char *path, uint32_t *subnet, unsigned *prefix, struct pool_err *e)
{
	_cleanup_free_ char *text = NULL;
	const char *why;
	size_t len;

	if (read_file(path, 64, &text, &len, e) < 0)
		return -1;
	text[strcspn(text, "\n")] = '\0';
	if (parse_cidr(text, true, subnet, prefix, &why) < 0)
		return pool_err_fail(e, "%s: not a subnet (%s)", path, why);
	return 0;
}

int mesh_subnet(const char *net, uint32_t *subnet, unsigned *prefix, struct pool_err *e)
{
	char path[PATH_MAX];

	if (mesh_exists(net, e) < 0 || mesh_file(net, "subnet", path, sizeof path, e) < 0)
		return -1;
	return read_subnet(path, subnet, prefix, e);
}

static bool overlap(uint32_t a, unsigned ap, uint32_t b, unsigned bp)
{
	unsigned p = ap < bp ? ap : bp;

	return ipv4_in(a, b, p);
}

/* Another mesh's or a channel's subnet overlapping subnet/prefix: a usage
 * error naming it. */
static int subnet_free(const char *net, uint32_t subnet, unsigned prefix, struct pool_err *e)
{
	char root[PATH_MAX], path[PATH_MAX + 300], b1[16], b2[16];
	struct pool_err ignore = { 0 };
	struct dirent *de;
	uint32_t s, defnet = POOL_DEFAULT_SUBNET;
	unsigned p, defprefix = POOL_DEFAULT_PREFIX;
	DIR *d;

	if (mesh_root(root, sizeof root, e) < 0)
		return -1;
	d = opendir(root);
	while (d && (de = readdir(d))) {
		if (!mesh_name_ok(de->d_name) || strcmp(de->d_name, net) == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s/subnet", root, de->d_name);
		if (read_subnet(path, &s, &p, &ignore) == 0 && overlap(subnet, prefix, s, p)) {
			closedir(d);
			return pool_err_usage(e, "subnet %s/%u overlaps mesh %s (%s/%u)",
					      ipv4_str(subnet, b1), prefix, de->d_name, ipv4_str(s, b2), p);
		}
	}
	if (d)
		closedir(d);
	/* the channels: those up, and the default one that pool brings up */
	if (channel_subnet(POOL_DEFAULT_CHANNEL, &s, &p) == 0) {
		defnet = s;
		defprefix = p;
	}
	if (overlap(subnet, prefix, defnet, defprefix))
		return pool_err_usage(e, "subnet %s/%u overlaps channel %s (%s/%u)", ipv4_str(subnet, b1),
				      prefix, POOL_DEFAULT_CHANNEL, ipv4_str(defnet, b2), defprefix);
	state_channel_path(NULL, path, sizeof path);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		if (!valid_channel_name(de->d_name) || channel_subnet(de->d_name, &s, &p) < 0)
			continue;
		if (overlap(subnet, prefix, s, p)) {
			closedir(d);
			return pool_err_usage(e, "subnet %s/%u overlaps channel %s (%s/%u)",
					      ipv4_str(subnet, b1), prefix, de->d_name, ipv4_str(s, b2), p);
		}
	}
	if (d)
		closedir(d);
	return 0;
}

/* nebula-cert ARGS; its output in the error when it fails. */
static int run_cert(const char *const *argv, char **out, size_t *len, struct pool_err *e)
{
	struct proc_opts o = { .path = nebula_cert(), .argv = argv, .fd3 = -1, .umask077 = true,
			       .max = 1u << 16 };
	_cleanup_free_ char *text = NULL;
	size_t n = 0;
	int st;

	if (access(o.path, X_OK) < 0)
		return pool_err_sys(e, "%s (install Debian's nebula, or set POOL_NEBULA_CERT)", o.path);
	st = proc_run(&o, &text, &n, e);
	if (st < 0)
		return -1;
	if (st != 0) {
		char *nl;

		/* nebula-cert prints its complaint on stdout or stderr; the
		 * first line of what it printed, or its status */
		nl = text ? strchr(text, '\n') : NULL;
		if (nl)
			*nl = '\0';
		return pool_err_fail(e, "nebula-cert %s failed: %s", argv[1],
				     text && *text ? text : "exit status != 0");
	}
	if (out) {
		*out = steal_ptr(&text);
		*len = n;
	}
	return 0;
}

int mesh_init(const char *net, uint32_t subnet, unsigned prefix, struct pool_err *e)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 64], crt[PATH_MAX + 80], key[PATH_MAX + 80],
		sub[PATH_MAX + 80], cidr[24], name[128], host[64] = "", b[16];
	struct stat st;
	int n;

	if (mesh_dir(net, dir, sizeof dir, e) < 0)
		return -1;
	if (prefix < 8 || prefix > 30)
		return pool_err_usage(e, "--subnet %s/%u: the prefix must be 8..30", ipv4_str(subnet, b), prefix);
	if (subnet & ~prefix_mask(prefix))
		return pool_err_usage(e, "--subnet %s/%u has host bits set", ipv4_str(subnet, b), prefix);
	if (lstat(dir, &st) == 0)
		return pool_err_usage(e, "mesh %s exists already (pool mesh status %s)", net, net);
	if (subnet_free(net, subnet, prefix, e) < 0)
		return -1;
	if (data_dirs(e) < 0)
		return -1;
	snprintf(tmp, sizeof tmp, "%s/mesh/.%s.%d.tmp", mesh_data_root(), net, (int)getpid());
	rm_rf(tmp, NULL);
	if (mkdir(tmp, 0700) < 0)
		return pool_err_sys(e, "%s", tmp);
	snprintf(crt, sizeof crt, "%s/ca.crt", tmp);
	snprintf(key, sizeof key, "%s/ca.key", tmp);
	snprintf(sub, sizeof sub, "%s/subnet", tmp);
	snprintf(cidr, sizeof cidr, "%s/%u", ipv4_str(subnet, b), prefix);
	gethostname(host, sizeof host - 1);
	for (char *s = host; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-", *s))
			*s = '-';
	snprintf(name, sizeof name, "pool %s on %s", net, host[0] ? host : "this host");
	{
		/* the CA signs only inside the mesh's subnet */
		const char *argv[] = { "nebula-cert", "ca", "-name", name, "-ips", cidr, "-out-crt", crt,
				       "-out-key", key, NULL };

		if (run_cert(argv, NULL, NULL, e) < 0)
			goto fail;
	}
	n = (int)strlen(cidr);
	cidr[n] = '\n';
	if (write_file_atomic(sub, cidr, (size_t)n + 1, 0644, e) < 0 || chmod(key, 0600) < 0 ||
	    chmod(crt, 0644) < 0)
		goto fail;
	if (rename(tmp, dir) < 0) {
		pool_err_sys(e, "%s", dir);
		goto fail;
	}
	return 0;
fail:
	rm_rf(tmp, NULL);
	return -1;
}

int mesh_ca_pem(const char *net, char **pem, size_t *len, struct pool_err *e)
{
	char path[PATH_MAX];

	if (mesh_exists(net, e) < 0 || mesh_file(net, "ca.crt", path, sizeof path, e) < 0)
		return -1;
	return read_file(path, CERT_FILE_MAX, pem, len, e);
}

/* "2027-12-01T10:47:29Z" (Go's RFC 3339, UTC or an offset). */
static int parse_time(const char *s, time_t *t)
{
	struct tm tm = { 0 };
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	long off = 0;

	if (!end)
		return -1;
	if (*end == '.')
		for (end++; *end >= '0' && *end <= '9'; end++)
			;
	if ((end[0] == '+' || end[0] == '-') && strlen(end) == 6 && end[3] == ':') {
		off = ((end[1] - '0') * 10 + (end[2] - '0')) * 3600 + ((end[4] - '0') * 10 + (end[5] - '0')) * 60;
		if (end[0] == '-')
			off = -off;
	} else if (strcmp(end, "Z") != 0) {
		return -1;
	}
	*t = timegm(&tm) - off;
	return 0;
}

static const char *scalar(struct fy_node *root, const char *path, char *buf, size_t cap)
{
	struct fy_node *n = fy_node_by_path(root, path, FY_NT, FYNWF_DONT_FOLLOW);
	const char *s;
	size_t len;

	if (!n || !fy_node_is_scalar(n))
		return NULL;
	s = fy_node_get_scalar(n, &len);
	if (!s || len >= cap || memchr(s, '\0', len))
		return NULL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return buf;
}

int mesh_cert_info(const char *path, struct mesh_ca_info *ci, struct pool_err *e)
{
	const char *argv[] = { "nebula-cert", "print", "-json", "-path", path, NULL };
	_cleanup_free_ char *out = NULL;
	struct fy_document *doc;
	struct fy_node *root, *ips;
	char buf[256];
	size_t len = 0;
	int r = -1;

	memset(ci, 0, sizeof *ci);
	if (run_cert(argv, &out, &len, e) < 0)
		return -1;
	/* JSON is YAML: libfyaml reads what nebula-cert prints */
	doc = fy_document_build_from_string(NULL, out, len);
	if (!doc)
		return pool_err_fail(e, "%s: nebula-cert print says something pool cannot read", path);
	root = fy_document_root(doc);
	if (!root || !fy_node_is_mapping(root) || !scalar(root, "/details/name", ci->name, sizeof ci->name) ||
	    !scalar(root, "/fingerprint", ci->fingerprint, sizeof ci->fingerprint) ||
	    strlen(ci->fingerprint) != 64 ||
	    strspn(ci->fingerprint, "0123456789abcdef") != 64 ||
	    !scalar(root, "/details/notAfter", buf, sizeof buf) || parse_time(buf, &ci->not_after) < 0 ||
	    !scalar(root, "/details/isCa", buf, sizeof buf)) {
		pool_err_fail(e, "%s: not a Nebula certificate", path);
		goto out;
	}
	ci->is_ca = strcmp(buf, "true") == 0;
	for (char *s = ci->name; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	ips = fy_node_by_path(root, "/details/ips", FY_NT, FYNWF_DONT_FOLLOW);
	if (ips && fy_node_is_sequence(ips)) {
		void *it = NULL;
		struct fy_node *item;

		while ((item = fy_node_sequence_iterate(ips, &it)) && ci->nips < 8) {
			const char *s, *why;
			size_t l;

			if (!fy_node_is_scalar(item) || !(s = fy_node_get_scalar(item, &l)) || l >= sizeof buf)
				continue;
			memcpy(buf, s, l);
			buf[l] = '\0';
			if (parse_cidr(buf, false, &ci->ips[ci->nips], &ci->ip_prefix[ci->nips], &why) == 0)
				ci->nips++;
		}
	}
	r = 0;
out:
	fy_document_destroy(doc);
	return r;
}

/* One PEM certificate block and nothing else but blank space. */
static bool one_pem_cert(const char *text, size_t len)
{
	const char *b, *end;

	if (memchr(text, '\0', len))
		return false;
	b = strstr(text, PEM_BEGIN);
	if (!b || strstr(b + 1, PEM_BEGIN) || strstr(text, "PRIVATE KEY"))
		return false;
	for (const char *s = text; s < b; s++)
		if (!strchr(" \t\r\n", *s))
			return false;
	end = strstr(b, PEM_END);
	if (!end)
		return false;
	for (const char *s = end + strlen(PEM_END); *s; s++)
		if (!strchr(" \t\r\n", *s))
			return false;
	return true;
}

int mesh_trust(const char *net, const char *file, char fpr[65], bool *already, struct pool_err *e)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 64], dst[PATH_MAX + 128], own[PATH_MAX + 16];
	_cleanup_free_ char *text = NULL;
	struct mesh_ca_info ci, mine;
	uint32_t subnet;
	unsigned prefix;
	struct stat st;
	bool covered;
	size_t len;
	int fd;

	*already = false;
	if (mesh_subnet(net, &subnet, &prefix, e) < 0 || mesh_dir(net, dir, sizeof dir, e) < 0)
		return -1;
	if (stat(file, &st) < 0)
		return pool_err_set(e, POOL_EXIT_USAGE, errno, "%s", file);
	if (!S_ISREG(st.st_mode) || st.st_size > CERT_FILE_MAX)
		return pool_err_usage(e, "%s: not a Nebula CA certificate (a PEM file, at most 64 KiB)", file);
	if (read_file(file, CERT_FILE_MAX, &text, &len, e) < 0)
		return -1;
	if (!one_pem_cert(text, len))
		return pool_err_usage(e, "%s: not a Nebula CA certificate (one \"%s\" block and nothing else)",
				      file, PEM_BEGIN);
	/* What is checked is what is kept: a private copy, then renamed. */
	snprintf(tmp, sizeof tmp, "%s/.trust.%d.tmp", dir, (int)getpid());
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return pool_err_sys(e, "%s", tmp);
	if (write_all(fd, text, len) < 0 || close(fd) < 0) {
		unlink(tmp);
		return pool_err_sys(e, "%s", tmp);
	}
	if (mesh_cert_info(tmp, &ci, e) < 0) {
		unlink(tmp);
		return pool_err_usage(e, "%s: not a Nebula CA certificate (nebula-cert cannot read it)", file);
	}
	if (!ci.is_ca) {
		unlink(tmp);
		return pool_err_usage(e, "%s: a Nebula certificate, but not a CA's (%s)", file, ci.name);
	}
	if (ci.not_after <= time(NULL)) {
		unlink(tmp);
		return pool_err_usage(e, "%s: the CA certificate %s has expired", file, ci.name);
	}
	covered = ci.nips == 0;
	for (size_t i = 0; i < ci.nips; i++)
		if (ci.ip_prefix[i] <= prefix && ipv4_in(subnet, ci.ips[i], ci.ip_prefix[i]))
			covered = true;
	if (!covered) {
		char b1[16], b2[16];

		unlink(tmp);
		return pool_err_usage(e, "%s: subnet clash: CA %s signs only in %s/%u, mesh %s is %s/%u", file,
				      ci.name, ipv4_str(ci.ips[0], b1), ci.ip_prefix[0], net,
				      ipv4_str(subnet, b2), prefix);
	}
	snprintf(own, sizeof own, "%s/ca.crt", dir);
	if (mesh_cert_info(own, &mine, e) == 0 && strcmp(mine.fingerprint, ci.fingerprint) == 0) {
		unlink(tmp);
		return pool_err_usage(e, "%s: that is this host's own CA of mesh %s", file, net);
	}
	memcpy(fpr, ci.fingerprint, 65);
	snprintf(dst, sizeof dst, "%s/trusted", dir);
	if (mkdir(dst, 0700) < 0 && errno != EEXIST) {
		unlink(tmp);
		return pool_err_sys(e, "%s", dst);
	}
	snprintf(dst, sizeof dst, "%s/trusted/%s.crt", dir, ci.fingerprint);
	if (lstat(dst, &st) == 0)
		*already = true;
	if (rename(tmp, dst) < 0) {
		unlink(tmp);
		return pool_err_sys(e, "%s", dst);
	}
	return 0;
}

/* --- grants --- */

/* The mesh's lock, held while its grants change. */
static int mesh_lock(const char *net, struct pool_err *e)
{
	char path[PATH_MAX];
	int fd;

	if (mesh_file(net, ".lock", path, sizeof path, e) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return pool_err_sys(e, "%s", path);
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		return pool_err_sys(e, "%s", path);
	}
	return fd;
}

int mesh_grants_load(const char *net, struct mesh_grants *g, struct pool_err *e)
{
	char path[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	const char *why;
	size_t len, line;

	g->v = NULL;
	g->n = 0;
	if (mesh_exists(net, e) < 0 || mesh_file(net, "grants", path, sizeof path, e) < 0)
		return -1;
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (read_file(path, MESH_GRANTS_FILE_MAX, &text, &len, e) < 0)
		return -1;
	if (mesh_grants_parse(text, len, g, &why, &line) < 0)
		return pool_err_fail(e, "%s:%zu: %s", path, line, why);
	return 0;
}

static int grants_store(const char *net, const struct mesh_grants *g, struct pool_err *e)
{
	char path[PATH_MAX];
	_cleanup_free_ char *text = mesh_grants_format(g);

	if (!text)
		return pool_err_sys(e, "grants");
	if (mesh_file(net, "grants", path, sizeof path, e) < 0)
		return -1;
	return write_file_atomic(path, text, strlen(text), 0600, e);
}

/* A grant's lighthouses: in the mesh, not its network or broadcast
 * address, not the grant's own address. */
static int lighthouses_ok(const char *net, uint32_t subnet, unsigned sprefix, uint32_t ip,
			  const struct mesh_lighthouse *l, size_t n, struct pool_err *e)
{
	char b1[16], b2[16];

	if (n > MESH_GRANT_LIGHTHOUSES_MAX)
		return pool_err_usage(e, "--lighthouse: at most %d", MESH_GRANT_LIGHTHOUSES_MAX);
	for (size_t i = 0; i < n; i++) {
		uint32_t o = l[i].overlay;

		if (!mesh_lighthouse_host_ok(l[i].host) || !l[i].port)
			return pool_err_usage(e, "--lighthouse %s: not at a unicast address and a port",
					      ipv4_str(o, b1));
		if (!ipv4_in(o, subnet, sprefix) || o == subnet || o == (subnet | ~prefix_mask(sprefix)))
			return pool_err_usage(e, "--lighthouse %s: not a host address of mesh %s (%s/%u)",
					      ipv4_str(o, b1), net, ipv4_str(subnet, b2), sprefix);
		if (o == ip)
			return pool_err_usage(e, "--lighthouse %s: that is the address granted (--ip)",
					      ipv4_str(o, b1));
		for (size_t k = 0; k < i; k++)
			if (l[k].overlay == o)
				return pool_err_usage(e, "--lighthouse %s: given twice", ipv4_str(o, b1));
	}
	return 0;
}

int mesh_grant(const char *net, const char *dir, uint32_t ip, unsigned prefix, char **groups,
	       size_t ngroups, const struct mesh_lighthouse *lighthouses, size_t nlighthouses,
	       struct pool_err *e)
{
	struct mesh_grants g = { 0 };
	_cleanup_free_ char *real = NULL;
	_cleanup_close_ int lock = -1;
	struct mesh_grant *old = NULL, *gr;
	uint32_t subnet, lh;
	unsigned sprefix;
	struct mesh_addr listen;
	struct stat st;
	char b1[16], b2[16];
	int r = -1;

	if (mesh_subnet(net, &subnet, &sprefix, e) < 0)
		return -1;
	if (stat(dir, &st) < 0)
		return pool_err_set(e, POOL_EXIT_USAGE, errno, "%s", dir);
	if (!S_ISDIR(st.st_mode))
		return pool_err_usage(e, "%s: not a folder (grant the folder that holds the spec)", dir);
	real = realpath(dir, NULL);
	if (!real)
		return pool_err_sys(e, "%s", dir);
	if (!mesh_grant_dir_ok(real))
		return pool_err_usage(e, "%s: pool cannot record a folder whose path holds control characters", dir);
	if (prefix != sprefix || !ipv4_in(ip, subnet, sprefix))
		return pool_err_usage(e, "--ip %s/%u: not in mesh %s (%s/%u)", ipv4_str(ip, b1), prefix, net,
				      ipv4_str(subnet, b2), sprefix);
	if (ip == subnet || ip == (subnet | ~prefix_mask(sprefix)))
		return pool_err_usage(e, "--ip %s: the network or broadcast address of mesh %s", ipv4_str(ip, b1),
				      net);
	if (mesh_lighthouse_get(net, &lh, &listen, e) == 0 && lh == ip)
		return pool_err_usage(e, "--ip %s: the lighthouse of mesh %s has it", ipv4_str(ip, b1), net);
	if (lighthouses_ok(net, subnet, sprefix, ip, lighthouses, nlighthouses, e) < 0)
		return -1;
	lock = mesh_lock(net, e);
	if (lock < 0 || mesh_grants_load(net, &g, e) < 0)
		return -1;
	for (size_t i = 0; i < g.n; i++) {
		if (strcmp(g.v[i].dir, real) == 0) {
			old = &g.v[i];
			continue;
		}
		if (g.v[i].ip == ip) {
			pool_err_usage(e, "--ip %s is granted to %s already", ipv4_str(ip, b1), g.v[i].dir);
			goto out;
		}
		/* a machine's address is no lighthouse's, nor the other way round */
		for (size_t k = 0; k < nlighthouses; k++)
			if (lighthouses[k].overlay == g.v[i].ip) {
				pool_err_usage(e, "--lighthouse %s: granted to %s as a machine's address",
					       ipv4_str(g.v[i].ip, b1), g.v[i].dir);
				goto out;
			}
		for (size_t k = 0; k < g.v[i].nlighthouses; k++)
			if (g.v[i].lighthouses[k].overlay == ip) {
				pool_err_usage(e, "--ip %s: the grant of %s has it as a lighthouse", ipv4_str(ip, b1),
					       g.v[i].dir);
				goto out;
			}
	}
	if (old) {
		gr = old;
		for (size_t k = 0; k < gr->ngroups; k++)
			free(gr->groups[k]);
		free(gr->groups);
		free(gr->lighthouses);
		gr->groups = NULL;
		gr->lighthouses = NULL;
		gr->ngroups = gr->nlighthouses = 0;
	} else {
		struct mesh_grant *v = realloc(g.v, (g.n + 1) * sizeof *v);

		if (!v) {
			pool_err_sys(e, "grants");
			goto out;
		}
		g.v = v;
		gr = &g.v[g.n++];
		memset(gr, 0, sizeof *gr);
		gr->dir = steal_ptr(&real);
	}
	gr->ip = ip;
	gr->prefix = prefix;
	gr->groups = calloc(ngroups + 1, sizeof *gr->groups);
	gr->ngroups = 0;
	if (!gr->groups) {
		pool_err_sys(e, "grants");
		goto out;
	}
	for (size_t k = 0; k < ngroups; k++) {
		gr->groups[k] = strdup(groups[k]);
		if (!gr->groups[k]) {
			pool_err_sys(e, "grants");
			goto out;
		}
		gr->ngroups++;
	}
	if (nlighthouses) {
		gr->lighthouses = calloc(nlighthouses, sizeof *gr->lighthouses);
		if (!gr->lighthouses) {
			pool_err_sys(e, "grants");
			goto out;
		}
		for (size_t k = 0; k < nlighthouses; k++)
			gr->lighthouses[k] = (struct mesh_lighthouse){ .overlay = lighthouses[k].overlay,
								       .host = lighthouses[k].host,
								       .port = lighthouses[k].port };
		gr->nlighthouses = nlighthouses;
	}
	r = grants_store(net, &g, e);
out:
	mesh_grants_free(&g);
	return r;
}

int mesh_revoke(const char *net, const char *dir, struct pool_err *e)
{
	struct mesh_grants g = { 0 };
	_cleanup_free_ char *real = realpath(dir, NULL);
	_cleanup_close_ int lock = -1;
	const char *want;
	char cwd[PATH_MAX];
	size_t i;
	int r = -1;

	if (mesh_exists(net, e) < 0)
		return -1;
	if (!real) {
		/* a folder that is gone: its path as given, made absolute */
		if (!getcwd(cwd, sizeof cwd))
			return pool_err_sys(e, "getcwd");
		real = path_resolve(cwd, dir);
		if (!real)
			return pool_err_sys(e, "%s", dir);
	}
	want = real;
	lock = mesh_lock(net, e);
	if (lock < 0 || mesh_grants_load(net, &g, e) < 0)
		return -1;
	for (i = 0; i < g.n && strcmp(g.v[i].dir, want) != 0; i++)
		;
	if (i == g.n) {
		pool_err_usage(e, "mesh %s has no grant for %s", net, want);
		goto out;
	}
	for (size_t k = 0; k < g.v[i].ngroups; k++)
		free(g.v[i].groups[k]);
	free(g.v[i].groups);
	free(g.v[i].lighthouses);
	free(g.v[i].dir);
	memmove(&g.v[i], &g.v[i + 1], (g.n - i - 1) * sizeof *g.v);
	g.n--;
	r = grants_store(net, &g, e);
out:
	mesh_grants_free(&g);
	return r;
}

/* --- the spec asks, the host grants --- */

/* A folder as a shell word: as it is when it is plain, else in single
 * quotes. */
static void shell_word(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,:@") ==
	    strlen(s)) {
		snprintf(out, cap, "%s", s);
		return;
	}
	if (cap < 3) {
		out[0] = '\0';
		return;
	}
	out[o++] = '\'';
	for (; *s && o + 6 < cap; s++) {
		if (*s == '\'') {
			memcpy(out + o, "'\\''", 4);
			o += 4;
		} else {
			out[o++] = *s;
		}
	}
	out[o++] = '\'';
	out[o] = '\0';
}

/* The --lighthouse options of the grant that lets m in: the grant's
 * lighthouses (gr, NULL: none yet), each replaced by the spec's with its
 * overlay address and the spec's others added; this host's own (own,
 * NULL: none) needs none. Only the spec's when both do not fit. */
static size_t grant_lighthouses(const struct machine *m, const struct mesh_grant *gr,
				const struct mesh_lighthouse *own, struct mesh_lighthouse *v)
{
	size_t n = 0, asked = 0;

	for (size_t i = 0; i < m->mesh.nlighthouses; i++)
		if (!own || m->mesh.lighthouses[i].overlay != own->overlay)
			asked++;
	for (size_t i = 0; gr && i < gr->nlighthouses; i++) {
		bool mine = false;

		for (size_t k = 0; k < m->mesh.nlighthouses; k++)
			mine = mine || m->mesh.lighthouses[k].overlay == gr->lighthouses[i].overlay;
		if (!mine && (!own || gr->lighthouses[i].overlay != own->overlay) &&
		    gr->lighthouses[i].overlay != m->mesh.ip)
			v[n++] = gr->lighthouses[i];
	}
	if (n + asked > MESH_GRANT_LIGHTHOUSES_MAX)
		n = 0;
	for (size_t i = 0; i < m->mesh.nlighthouses && n < MESH_GRANT_LIGHTHOUSES_MAX; i++)
		if (!own || m->mesh.lighthouses[i].overlay != own->overlay)
			v[n++] = m->mesh.lighthouses[i];
	return n;
}

static int refuse(const struct machine *m, const struct spec_pos *pos, const char *what,
		  const struct mesh_grant *gr, const struct mesh_lighthouse *own, struct pool_err *e)
{
	struct mesh_lighthouse lv[MESH_GRANT_LIGHTHOUSES_MAX];
	char dir[1024], ip[16], opts[1600] = "", where[64], line[sizeof e->msg];
	size_t o = 0, nl = grant_lighthouses(m, gr, own, lv);
	int n;

	shell_word(m->dir, dir, sizeof dir);
	snprintf(where, sizeof where, "%d:%d", pos->line, pos->col);
	for (size_t i = 0; i < m->mesh.ngroups && o + 70 < sizeof opts; i++)
		o += (size_t)snprintf(opts + o, sizeof opts - o, "%s%s", i ? "," : " --groups ",
				      m->mesh.groups[i]);
	for (size_t i = 0; i < nl && o + 60 < sizeof opts; i++) {
		char l[MESH_LIGHTHOUSE_STR_MAX];

		o += (size_t)snprintf(opts + o, sizeof opts - o, " --lighthouse %s", mesh_lighthouse_str(&lv[i], l));
	}
	/* a command cut short would grant something else: too long, it is
	 * not shown whole but said */
	n = snprintf(line, sizeof line, "%s:%s: mesh: %s; to let it join: pool mesh grant %s %s --ip %s/%u%s",
		     m->file, where, what, m->mesh.network, dir, ipv4_str(m->mesh.ip, ip), m->mesh.prefix, opts);
	if (n > 0 && (size_t)n < sizeof line)
		return pool_err_usage(e, "%s", line);
	return pool_err_usage(e, "%s:%s: mesh: %s; to let it join: pool mesh grant %s with --ip %s/%u, the spec's groups and a --lighthouse for each of its lighthouses",
			      m->file, where, what, m->mesh.network, ipv4_str(m->mesh.ip, ip), m->mesh.prefix);
}

int mesh_check_spec(const struct machine *m, struct mesh_lighthouse *out, size_t *nout,
		    struct pool_err *e)
{
	struct mesh_grants g = { 0 };
	struct mesh_lighthouse own = { 0 }, picked[MESH_MACHINE_LIGHTHOUSES_MAX];
	const struct mesh_lighthouse *ownp = NULL;
	const struct mesh_grant *gr;
	const struct spec_pos *top = &m->pos[KEY_MESH];
	struct mesh_addr listen;
	uint32_t subnet;
	unsigned prefix;
	char what[600], b1[16], b2[16];
	size_t refused;
	int r = 0, k;

	if (nout)
		*nout = 0;
	if (!m->mesh.set)
		return 0;
	if (mesh_subnet(m->mesh.network, &subnet, &prefix, e) < 0)
		return pool_err_wrap(e, "%s:%d:%d: mesh.network", m->file, m->mesh.network_pos.line,
				     m->mesh.network_pos.col);
	if (m->mesh.prefix != prefix || !ipv4_in(m->mesh.ip, subnet, prefix))
		return pool_err_usage(e, "%s:%d:%d: mesh.ip: %s/%u is not in mesh %s (%s/%u)", m->file,
				      m->mesh.ip_pos.line, m->mesh.ip_pos.col, ipv4_str(m->mesh.ip, b1),
				      m->mesh.prefix, m->mesh.network, ipv4_str(subnet, b2), prefix);
	/* this host's lighthouse, while it runs, counts without a grant */
	r = mesh_lighthouse_get(m->mesh.network, &own.overlay, &listen, e);
	if (r < 0)
		return pool_err_wrap(e, "%s:%d:%d: mesh", m->file, top->line, top->col);
	if (r == 0) {
		own.host = listen.ip;
		own.port = listen.port;
		ownp = &own;
	}
	r = 0;
	if (mesh_grants_load(m->mesh.network, &g, e) < 0)
		return -1;
	gr = mesh_grant_find(&g, m->dir);
	if (!gr) {
		snprintf(what, sizeof what, "the folder %s has no grant for mesh %s", m->dir, m->mesh.network);
		r = refuse(m, top, what, NULL, ownp, e);
		goto out;
	}
	if (gr->ip != m->mesh.ip) {
		snprintf(what, sizeof what, "ip %s is not the one granted (%s)", ipv4_str(m->mesh.ip, b1),
			 ipv4_str(gr->ip, b2));
		r = refuse(m, &m->mesh.ip_pos, what, gr, ownp, e);
		goto out;
	}
	for (size_t i = 0; i < m->mesh.ngroups; i++) {
		bool ok = false;

		for (size_t j = 0; j < gr->ngroups; j++)
			ok = ok || strcmp(gr->groups[j], m->mesh.groups[i]) == 0;
		if (!ok) {
			snprintf(what, sizeof what, "group %s is not granted", m->mesh.groups[i]);
			r = refuse(m, &m->mesh.groups_pos, what, gr, ownp, e);
			goto out;
		}
	}
	/* the host decides where the machine's lighthouses are: the spec
	 * picks among the grant's */
	k = mesh_lighthouses_pick(gr, m->mesh.lighthouses, m->mesh.nlighthouses, ownp, picked,
				  MESH_MACHINE_LIGHTHOUSES_MAX, &refused);
	if (k < 0 && refused < m->mesh.nlighthouses) {
		const struct mesh_lighthouse *l = &m->mesh.lighthouses[refused];
		char at[24] = "";

		for (size_t i = 0; i < gr->nlighthouses; i++)
			if (gr->lighthouses[i].overlay == l->overlay)
				snprintf(at, sizeof at, "%s:%u", ipv4_str(gr->lighthouses[i].host, b2),
					 gr->lighthouses[i].port);
		snprintf(what, sizeof what, "lighthouse %s at %s:%u is not granted%s%s%s", ipv4_str(l->overlay, b1),
			 ipv4_str(l->host, b2), l->port, at[0] ? " (the grant has it at " : "", at,
			 at[0] ? ")" : "");
		r = refuse(m, &l->pos, what, gr, ownp, e);
		goto out;
	}
	if (k < 0) {
		r = pool_err_usage(e, "%s:%d:%d: mesh: more than %d lighthouses", m->file, top->line, top->col,
				   MESH_MACHINE_LIGHTHOUSES_MAX);
		goto out;
	}
	if (out)
		memcpy(out, picked, (size_t)k * sizeof *out);
	if (nout)
		*nout = (size_t)k;
out:
	mesh_grants_free(&g);
	return r;
}

/* --- certificates --- */

/* The CA certificates of a mesh: this host's first, then the trusted
 * ones by fingerprint. Paths are malloc'd into *paths. */
static int ca_paths(const char *net, char ***paths, size_t *n, struct pool_err *e)
{
	char dir[PATH_MAX], sub[PATH_MAX + 16];
	struct dirent **list = NULL;
	char **v;
	int k;

	*paths = NULL;
	*n = 0;
	if (mesh_exists(net, e) < 0 || mesh_dir(net, dir, sizeof dir, e) < 0)
		return -1;
	snprintf(sub, sizeof sub, "%s/trusted", dir);
	k = scandir(sub, &list, NULL, alphasort);
	v = calloc((size_t)(k > 0 ? k : 0) + 2, sizeof *v);
	if (!v || asprintf(&v[0], "%s/ca.crt", dir) < 0) {
		free(v);
		for (int i = 0; i < k; i++)
			free(list[i]);
		free(list);
		return pool_err_sys(e, "CA list");
	}
	*n = 1;
	for (int i = 0; i < k; i++) {
		size_t l = strlen(list[i]->d_name);

		if (l == 68 && strcmp(list[i]->d_name + 64, ".crt") == 0 &&
		    asprintf(&v[*n], "%s/%s", sub, list[i]->d_name) >= 0)
			++*n;
		free(list[i]);
	}
	free(list);
	*paths = v;
	return 0;
}

static void paths_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

int mesh_ca_bundle(const char *net, char **pem, size_t *len, struct pool_err *e)
{
	char **paths;
	size_t n;
	FILE *f;
	int r = 0;

	if (ca_paths(net, &paths, &n, e) < 0)
		return -1;
	*pem = NULL;
	f = open_memstream(pem, len);
	if (!f) {
		paths_free(paths, n);
		return pool_err_sys(e, "CA bundle");
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *text = NULL;
		size_t l;

		r = read_file(paths[i], CERT_FILE_MAX, &text, &l, e);
		if (r == 0) {
			fwrite(text, 1, l, f);
			if (l && text[l - 1] != '\n')
				fputc('\n', f);
		}
	}
	paths_free(paths, n);
	if (fclose(f) != 0 && r == 0)
		r = pool_err_sys(e, "CA bundle");
	if (r < 0) {
		free(*pem);
		*pem = NULL;
	}
	return r;
}

void mesh_cert_free(struct mesh_cert *c)
{
	if (c->key) {
		explicit_bzero(c->key, c->key_len);
		free(c->key);
	}
	free(c->crt);
	memset(c, 0, sizeof *c);
}

int mesh_sign(const char *net, const char *scratch, const char *name, uint32_t ip,
	      unsigned prefix, char *const *groups, size_t ngroups, unsigned long seconds,
	      struct mesh_cert *c, struct pool_err *e)
{
	char dir[PATH_MAX], cacrt[PATH_MAX + 16], cakey[PATH_MAX + 16], crt[PATH_MAX + 32],
		key[PATH_MAX + 32], cidr[24], dur[32], b[16];
	_cleanup_free_ char *glist = NULL;
	struct mesh_ca_info ci;
	size_t glen = 0;
	time_t now = time(NULL);
	FILE *f;
	int r;

	memset(c, 0, sizeof *c);
	if (mesh_exists(net, e) < 0 || mesh_dir(net, dir, sizeof dir, e) < 0)
		return -1;
	snprintf(cacrt, sizeof cacrt, "%s/ca.crt", dir);
	snprintf(cakey, sizeof cakey, "%s/ca.key", dir);
	if (mesh_cert_info(cacrt, &ci, e) < 0)
		return -1;
	if (ci.not_after <= now + 60)
		return pool_err_fail(e, "mesh %s: this host's CA has expired (%s); it signs nothing more",
				     net, ci.name);
	/* nebula-cert signs nothing that outlives its CA */
	if ((time_t)seconds > ci.not_after - now - 60)
		seconds = (unsigned long)(ci.not_after - now - 60);
	f = open_memstream(&glist, &glen);
	if (!f)
		return pool_err_sys(e, "groups");
	for (size_t i = 0; i < ngroups; i++)
		fprintf(f, "%s%s", i ? "," : "", groups[i]);
	fclose(f);
	snprintf(crt, sizeof crt, "%s/mesh.crt", scratch);
	snprintf(key, sizeof key, "%s/mesh.key", scratch);
	snprintf(cidr, sizeof cidr, "%s/%u", ipv4_str(ip, b), prefix);
	snprintf(dur, sizeof dur, "%lus", seconds);
	unlink(crt);
	unlink(key);
	{
		const char *argv[] = { "nebula-cert", "sign", "-ca-crt", cacrt, "-ca-key", cakey,
				       "-name", name, "-ip", cidr, "-groups", glist ? glist : "",
				       "-duration", dur, "-out-crt", crt, "-out-key", key, NULL };

		r = run_cert(argv, NULL, NULL, e);
	}
	if (r == 0)
		r = read_file(key, CERT_FILE_MAX, &c->key, &c->key_len, e);
	if (r == 0)
		r = read_file(crt, CERT_FILE_MAX, &c->crt, &c->crt_len, e);
	unlink(key);
	unlink(crt);
	if (r < 0) {
		mesh_cert_free(c);
		return pool_err_wrap(e, "mesh %s: signing %s's certificate", net, name);
	}
	c->not_after = now + (time_t)seconds;
	return 0;
}

/* --- the lighthouse record --- */

int mesh_lighthouse_get(const char *net, uint32_t *ip, struct mesh_addr *listen, struct pool_err *e)
{
	char path[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	char *line, *save = NULL;
	unsigned seen = 0;
	size_t len;

	if (mesh_file(net, "lighthouse", path, sizeof path, e) < 0)
		return -1;
	if (access(path, F_OK) < 0)
		return 1;
	if (read_file(path, 4096, &text, &len, e) < 0)
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *why;
		char *colon;
		uint64_t port;

		if (strncmp(line, "ip=", 3) == 0 && parse_ipv4(line + 3, ip, &why) == 0) {
			seen |= 1;
		} else if (strncmp(line, "listen=", 7) == 0 && (colon = strrchr(line, ':'))) {
			*colon = '\0';
			if (parse_ipv4(line + 7, &listen->ip, &why) == 0 &&
			    parse_u64(colon + 1, 1, 65535, &port, &why) == 0) {
				listen->port = (uint16_t)port;
				seen |= 2;
			}
		}
	}
	if (seen != 3)
		return pool_err_fail(e, "%s: not a lighthouse record", path);
	return 0;
}

/* --- status --- */

static void ca_line(FILE *out, const char *what, const char *path)
{
	struct mesh_ca_info ci;
	struct pool_err e = { 0 };
	time_t now = time(NULL);
	char when[32];
	struct tm tm;

	if (mesh_cert_info(path, &ci, &e) < 0) {
		fprintf(out, "%-11s %s: %s\n", what, path, e.msg);
		return;
	}
	gmtime_r(&ci.not_after, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
	fprintf(out, "%-11s %s, fingerprint %.16s, valid until %s", what, ci.name, ci.fingerprint, when);
	if (ci.not_after <= now) {
		fprintf(out, " (EXPIRED)\n");
		log_warnx("CA %s has expired: machines it signed are refused", ci.name);
	} else if (ci.not_after - now < MESH_CA_WARN_SECONDS) {
		fprintf(out, " (expires in %ld days)\n", (long)((ci.not_after - now) / 86400));
		log_warnx("CA %s expires in %ld days; it signs nothing past that", ci.name,
			  (long)((ci.not_after - now) / 86400));
	} else {
		fputc('\n', out);
	}
}

int mesh_machine_read(const char *root, const char *name, struct mesh_machine *mm)
{
	_cleanup_free_ char *text = NULL;
	struct pool_err ignore = { 0 };
	char path[PATH_MAX];
	size_t len;

	if (name[0] == '.' || !valid_machine_name(name) ||
	    (size_t)snprintf(path, sizeof path, "%s/%s/" MESH_STATE_FILE, root, name) >= sizeof path ||
	    read_file(path, 4096, &text, &len, &ignore) < 0)
		return -1;
	return mesh_machine_parse(text, len, mm);
}

static void machines(FILE *out, const char *net)
{
	const char *root = state_root();
	struct dirent *de;
	DIR *d = opendir(root);
	int n = 0;

	while (d && (de = readdir(d))) {
		struct pool_err ignore = { 0 };
		struct machine_entry me;
		struct mesh_machine mm;
		char ip[16];

		if (mesh_machine_read(root, de->d_name, &mm) < 0 || strcmp(mm.network, net) != 0)
			continue;
		if (machine_probe(root, de->d_name, &me, &ignore) != 0)
			continue;
		fprintf(out, "machine     %s %s/%u groups %s, host port %u/udp (%s)\n", de->d_name,
			ipv4_str(mm.ip, ip), mm.prefix, mm.groups[0] ? mm.groups : "-", mm.port,
			me.alive ? "running" : "dead");
		n++;
	}
	if (d)
		closedir(d);
	if (!n)
		fprintf(out, "machine     none on this host\n");
}

int mesh_status(const char *net, FILE *out, struct pool_err *e)
{
	struct mesh_grants g = { 0 };
	struct mesh_addr listen = { 0 };
	char **paths;
	size_t n;
	uint32_t subnet, lh = 0;
	unsigned prefix;
	char b1[16];
	int r;

	if (mesh_subnet(net, &subnet, &prefix, e) < 0)
		return -1;
	if (ca_paths(net, &paths, &n, e) < 0)
		return -1;
	fprintf(out, "mesh        %s %s/%u (%s)\n", net, ipv4_str(subnet, b1), prefix, mesh_data_root());
	for (size_t i = 0; i < n; i++)
		ca_line(out, i == 0 ? "ca" : "trusted", paths[i]);
	if (n == 1)
		fprintf(out, "trusted     none (pool mesh trust %s FILE)\n", net);
	paths_free(paths, n);
	if (mesh_grants_load(net, &g, e) < 0)
		return -1;
	for (size_t i = 0; i < g.n; i++) {
		fprintf(out, "grant       %s/%u groups ", ipv4_str(g.v[i].ip, b1), g.v[i].prefix);
		for (size_t k = 0; k < g.v[i].ngroups; k++)
			fprintf(out, "%s%s", k ? "," : "", g.v[i].groups[k]);
		fprintf(out, "%s lighthouses ", g.v[i].ngroups ? "" : "-");
		for (size_t k = 0; k < g.v[i].nlighthouses; k++) {
			char l[MESH_LIGHTHOUSE_STR_MAX];

			fprintf(out, "%s%s", k ? "," : "", mesh_lighthouse_str(&g.v[i].lighthouses[k], l));
		}
		fprintf(out, "%s %s\n", g.v[i].nlighthouses ? "" : "-", g.v[i].dir);
	}
	if (!g.n)
		fprintf(out, "grant       none (pool mesh grant %s DIR --ip IP/PREFIX --groups A,B --lighthouse OVERLAY=HOST:PORT)\n", net);
	mesh_grants_free(&g);
	r = mesh_lighthouse_get(net, &lh, &listen, e);
	if (r < 0)
		return -1;
	if (r == 0) {
		struct machine_entry me;
		struct pool_err ignore = { 0 };
		char lname[POOL_NAME_MAX + 1], b2[16];
		bool alive;

		snprintf(lname, sizeof lname, "lh-%s", net);
		alive = machine_probe(state_root(), lname, &me, &ignore) == 0 && me.alive;
		fprintf(out, "lighthouse  %s listening on %s:%u/udp (%s)\n", ipv4_str(lh, b1),
			ipv4_str(listen.ip, b2), listen.port, alive ? "running" : "stopped");
	} else {
		fprintf(out, "lighthouse  none on this host\n");
	}
	machines(out, net);
	return 0;
}
