/* initramfs.h - the boot image: pool-init, busybox, modules; cached by hash. */
#ifndef POOL_INITRAMFS_H
#define POOL_INITRAMFS_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "util/err.h"
#include "util/strv.h"

/* Everything that goes into the shared (secret-free) part of the image. */
struct image_inputs {
	const char *init;	/* pool-init binary */
	const char *busybox;	/* static busybox */
	const char *moddir;	/* /lib/modules/VERSION */
	const struct strv *modules;	/* relative paths, load order */
	const struct strv *applets;	/* busybox applet paths ("bin/ls") */
	const char *memo;	/* the cache folder whose memo/ image_hash may use (memo.h); NULL: none */
	const char *nebula;		/* NULL, or nebula for a mesh: usr/bin/nebula in the image */
	const struct strv *nebula_libs;	/* its interpreter and libraries, at their host paths */
};

/* A file of the machine's own under etc/pool/mesh/ (0700): 0600, root's. */
struct image_secret {
	const char *name;	/* "host.key" */
	const void *data;
	size_t len;
};

/* The devices a machine has, which decide the modules its image holds. */
struct image_devices {
	bool nic;		/* network is not none: virtio_net */
	bool shares;		/* a share (image host's /usr is one): virtiofs */
	bool volumes;		/* a volume: virtio_blk and ext4 */
	bool mesh;		/* a mesh: tun, for nebula */
};

#define IMAGE_MODULES_MAX 8

/* The modules a machine with devices d needs (names, for kmod_closure),
 * and no others: each one costs its load time in every boot. */
size_t image_modules(const struct image_devices *d, const char *out[IMAGE_MODULES_MAX]);

/* The applets of a busybox binary: `busybox --list-full`, remembered in
 * memo's cache folder (memo.h) while the binary stays as it is (memo NULL:
 * always asked). */
int busybox_applets(const char *busybox, const char *memo, struct strv *out, struct pool_err *e);

/* SHA-256 over every input's names and the SHA-256 of its bytes (each from
 * in->memo while the file stays as it is): the cache key. */
int image_hash(const struct image_inputs *in, char hex[65], struct pool_err *e);

/* Make sure cache_dir/images/HASH.cpio exists; build it when missing.
 * *built says whether work was done. */
int image_ensure(const char *cache_dir, const struct image_inputs *in, const char *hash,
		 char *path, size_t cap, bool *built, struct pool_err *e);

/* The machine's own initrd, as a sealed memfd (returned; -1 on error):
 * the cached image followed by a second archive with what is the
 * machine's alone (passwd, shadow, group, pool's settings, the shares to
 * mount: "TAG TARGET ro|rw" lines in mounts, the ssh host key at
 * ssh_host_key (NULL: none), the mesh's files under etc/pool/mesh/ (key,
 * certificate, CA bundle, config.yml), and with host_etc the allowlisted host /etc
 * files, each with its parent folders). No file of it exists on disk. */
int image_machine_initrd(const char *base, const struct machine *m, const char *mounts,
			 bool host_etc, const char *ssh_host_key, const struct image_secret *mesh,
			 size_t nmesh, struct pool_err *e);

/* Host files the host image's /etc gets (read-only copies; no secrets). */
extern const char *const host_etc_allow[];

#endif
