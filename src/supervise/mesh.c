/* mesh.c - a machine's side of its mesh: its UDP port on the host's
 * uplink, and at each boot a fresh key pair and a certificate signed by
 * this host's CA, the CA bundle and config.yml, which go into the
 * machine's secret archive and nowhere else; and the same again over the
 * agent before the certificate expires (and at READY for image nixos). */
#include "supervise/mesh.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "common/agent_msg.h"
#include "common/log.h"
#include "common/names.h"
#include "common/parse.h"
#include "net/channel.h"
#include "supervise/state.h"
#include "util/cleanup.h"
#include "util/fsutil.h"

#define GUEST_DIR "/etc/pool/mesh/"

/* Every other machine folder's mesh record: a clash on the overlay
 * address is refused, and the ports they hold are taken. */
static int scan(const struct plan *p, bool *taken, struct pool_err *e)
{
	const struct machine *m = p->m;
	DIR *d = opendir(p->paths.state);
	struct dirent *de;
	char ip[16];

	while (d && (de = readdir(d))) {
		struct pool_err ignore = { 0 };
		struct machine_entry me;
		struct mesh_machine mm;

		if (strcmp(de->d_name, m->name) == 0 || mesh_machine_read(p->paths.state, de->d_name, &mm) < 0)
			continue;
		if (mm.port >= MESH_HOST_PORT_MIN && mm.port <= MESH_HOST_PORT_MAX)
			taken[mm.port - MESH_HOST_PORT_MIN] = true;
		if (strcmp(mm.network, m->mesh.network) == 0 && mm.ip == m->mesh.ip &&
		    machine_probe(p->paths.state, de->d_name, &me, &ignore) == 0 && me.alive) {
			closedir(d);
			return pool_err_usage(e, "%s:%d:%d: mesh.ip: %s is machine %s's on this host already",
					      m->file, m->mesh.ip_pos.line, m->mesh.ip_pos.col,
					      ipv4_str(m->mesh.ip, ip), de->d_name);
		}
	}
	if (d)
		closedir(d);
	return 0;
}

int sup_mesh_claim(struct plan *p, struct sup_mesh *sm, struct pool_err *e)
{
	const struct machine *m = p->m;
	struct mesh_machine mm = { .ip = m->mesh.ip, .prefix = m->mesh.prefix };
	bool taken[MESH_HOST_PORT_MAX - MESH_HOST_PORT_MIN + 1] = { false };
	_cleanup_close_ int lock = -1;
	struct mesh_addr listen;
	char path[PATH_MAX + 16], text[1400];
	uint32_t lh;
	size_t o = 0, n;
	int r;

	memset(sm, 0, sizeof *sm);
	if (!m->mesh.set)
		return 0;
	sm->on = true;
	/* checked again here: the lighthouses are the host's grant's (and
	 * this host's own), whatever the spec says */
	if (mesh_check_spec(m, sm->lighthouses, &n, e) < 0)
		return -1;
	p->net.mesh = true;
	p->net.mesh_guest_port = MESH_NEBULA_PORT;
	r = mesh_lighthouse_get(m->mesh.network, &lh, &listen, e);
	if (r < 0)
		return -1;
	if (r == 0) {
		p->net.mesh_lh_ip = listen.ip;
		p->net.mesh_lh_port = listen.port;
		/* this host's lighthouse is one of the machine's, and its relay
		 * (machines here cannot reach each other's underlay); on every
		 * address of the host, the machine finds it on the channel's */
		for (size_t i = 0; i < n; i++)
			if (sm->lighthouses[i].overlay == lh && !sm->lighthouses[i].host)
				sm->lighthouses[i].host = p->subnet + 1;
	}
	p->net.lighthouses = sm->lighthouses;
	p->net.nlighthouses = n;

	lock = state_lock(p->paths.state, false, e);
	if (lock < 0 || scan(p, taken, e) < 0)
		return -1;
	/* an isolated machine gets no port: nothing from outside reaches it,
	 * its peers come through a relay */
	if (m->network == NET_NAT) {
		for (size_t i = 0; i < sizeof taken && !mm.port; i++)
			if (!taken[i])
				mm.port = (uint16_t)(MESH_HOST_PORT_MIN + i);
		if (!mm.port)
			return pool_err_fail(e, "mesh: no UDP port left in %d-%d for %s", MESH_HOST_PORT_MIN,
					     MESH_HOST_PORT_MAX, m->name);
		p->net.mesh_port = mm.port;
	}
	snprintf(mm.network, sizeof mm.network, "%s", m->mesh.network);
	for (size_t i = 0; i < m->mesh.ngroups && o + 70 < sizeof mm.groups; i++)
		o += (size_t)snprintf(mm.groups + o, sizeof mm.groups - o, "%s%s", i ? "," : "",
				      m->mesh.groups[i]);
	r = mesh_machine_format(&mm, text, sizeof text);
	snprintf(path, sizeof path, "%s/" MESH_STATE_FILE, p->state_dir);
	if (r < 0)
		return pool_err_fail(e, "mesh: the state record is too long");
	return write_file_atomic(path, text, (size_t)r, 0600, e);
}

/* POOL_MESH_CERT_SECONDS: a shorter (or longer) life for the machines'
 * certificates, 10 s to 7 days; MESH_CERT_SECONDS when unset. */
static int cert_seconds(unsigned long *s, struct pool_err *e)
{
	const char *v = getenv("POOL_MESH_CERT_SECONDS"), *why;
	uint64_t n;

	*s = MESH_CERT_SECONDS;
	if (!v || !*v)
		return 0;
	if (parse_u64(v, 10, 7 * 86400, &n, &why) < 0)
		return pool_err_usage(e, "POOL_MESH_CERT_SECONDS=%.20s: %s (seconds, 10..604800)", v, why);
	*s = (unsigned long)n;
	return 0;
}

int sup_mesh_files(const struct plan *p, struct sup_mesh *sm, struct pool_err *e)
{
	const struct machine *m = p->m;
	struct mesh_addr adv = { 0 };
	unsigned long seconds;
	struct mesh_node node = {
		.ca = GUEST_DIR "ca.crt", .cert = GUEST_DIR "host.crt", .key = GUEST_DIR "host.key",
		.listen_port = MESH_NEBULA_PORT, .lighthouses = p->net.lighthouses,
		.nlighthouses = p->net.nlighthouses, .inbound = m->mesh.inbound,
		.ninbound = m->mesh.ninbound, .has_inbound = m->mesh.has_inbound,
	};

	if (!sm->on)
		return 0;
	if (mesh_subnet(m->mesh.network, &node.subnet, &node.prefix, e) < 0)
		return -1;
	if (p->net.mesh_port) {
		if (channel_uplink_ipv4(m->channel, &adv.ip) == 0) {
			adv.port = p->net.mesh_port;
			node.advertise = &adv;
			node.nadvertise = 1;
		} else {
			log_warnx("mesh: channel %s's uplink has no IPv4 address; %s announces no forwarded port",
				  m->channel, m->name);
		}
	}
	if (cert_seconds(&seconds, e) < 0)
		return -1;
	sm->period_ms = (uint64_t)seconds * 2000 / 3;
	if (mesh_sign(m->mesh.network, p->state_dir, m->name, m->mesh.ip, m->mesh.prefix,
		      m->mesh.groups, m->mesh.ngroups, seconds, &sm->cert, e) < 0 ||
	    mesh_ca_bundle(m->mesh.network, &sm->bundle, &sm->bundle_len, e) < 0)
		return -1;
	sm->config = mesh_config_yaml(&node);
	if (!sm->config)
		return pool_err_sys(e, "mesh config");
	sm->files[0] = (struct image_secret){ "ca.crt", sm->bundle, sm->bundle_len };
	sm->files[1] = (struct image_secret){ "host.crt", sm->cert.crt, sm->cert.crt_len };
	sm->files[2] = (struct image_secret){ "host.key", sm->cert.key, sm->cert.key_len };
	sm->files[3] = (struct image_secret){ "config.yml", sm->config, strlen(sm->config) };
	sm->nfiles = 4;
	return 0;
}

void sup_mesh_free(struct sup_mesh *sm)
{
	mesh_cert_free(&sm->cert);
	free(sm->bundle);
	free(sm->config);
	sm->bundle = sm->config = NULL;
	sm->nfiles = 0;
}

/* --- again, over the agent (the privileged side) --- */

/* a payload that could not be made is tried again an eighth of the
 * period later (at least 10 s): a few times before the old one expires */
#define MESH_RETRY_MIN_MS 10000

void sup_mesh_booted(struct sup_mesh *sm, const struct plan *p, bool first, uint64_t now)
{
	sm->ready = false;
	sm->stale = !first || p->m->image == IMAGE_NIXOS;
	if (first && !sm->stale)
		sm->due_ms = now + sm->period_ms;
}

void sup_mesh_ready(struct sup_mesh *sm)
{
	if (!sm->on || sm->ready)
		return;	/* once a boot: a second READY (the agent restarted) keeps its files */
	sm->ready = true;
	if (sm->stale) {
		sm->due_ms = 0;
		sm->stale = false;
	}
}

/* The four files as a MESH_FILES payload in a sealed memfd, or -1. */
static int payload(const struct plan *p, struct sup_mesh *sm, uint64_t now, struct pool_err *e)
{
	struct agent_mesh_files f = { 0 };
	_cleanup_free_ uint8_t *buf = NULL;
	size_t n = 0;
	long len = -1;
	int fd = -1;

	sm->due_ms = now + (sm->period_ms / 8 > MESH_RETRY_MIN_MS ? sm->period_ms / 8 : MESH_RETRY_MIN_MS);
	/* the host may have taken the grant back since the boot */
	if (mesh_check_spec(p->m, NULL, &n, e) < 0 || sup_mesh_files(p, sm, e) < 0)
		goto out;
	f.signed_at = (uint64_t)time(NULL);	/* nebula-cert's start, in whole seconds, is no later */
	for (size_t i = 0; i < sm->nfiles && i < AGENT_MESH_NFILES; i++) {
		f.data[i] = (const uint8_t *)sm->files[i].data;
		f.len[i] = sm->files[i].len;
	}
	buf = malloc(FRAME_PAYLOAD_MAX);
	if (!buf) {
		pool_err_sys(e, "mesh files");
		goto out;
	}
	len = agent_mesh_files_encode(buf, FRAME_PAYLOAD_MAX, &f);
	if (len < 0) {
		pool_err_fail(e, "mesh: the files are longer than the agent takes (%u bytes each)",
			      AGENT_MESH_FILE_MAX);
		goto out;
	}
	fd = memfd_create("pool-mesh", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || write_all(fd, buf, (size_t)len) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		pool_err_sys(e, "mesh files");
		if (fd >= 0)
			close(fd);
		fd = -1;
		goto out;
	}
	sm->due_ms = now + sm->period_ms;
out:
	if (buf && len > 0)
		explicit_bzero(buf, (size_t)len);
	sup_mesh_free(sm);
	return fd;
}

int sup_mesh_next(const struct plan *p, struct sup_mesh *sm, uint64_t now, struct pool_err *e)
{
	if (!sm->on || !sm->ready || now < sm->due_ms)
		return -1;
	return payload(p, sm, now, e);
}
