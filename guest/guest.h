/* guest.h - pool-init's pieces: PID 1, modules, console, agent. */
#ifndef POOL_GUEST_H
#define POOL_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "util.h"


/* Load the modules listed (one relative path a line, load order) in
 * /lib/modules/pool.list, passing each "name.param=value" of the kernel
 * command line as its parameters. Returns the number that failed. */
int modules_load(const char *cmdline);

/* Mount the shares listed in /etc/pool/mounts ("TAG TARGET ro|rw");
 * for image host, lay the root out around the host's /usr. Returns the
 * number that failed. */
int mounts_setup(void);

/* Mount the volumes listed in /etc/pool/volumes ("SERIAL TARGET": the
 * virtio-blk disk with that serial, ext4, at TARGET, made when missing).
 * Returns the number that failed. */
int volumes_setup(void);

/* The console: a root shell (no password) or a login prompt on ttyS0.
 * Returns the child's pid, or -1. */
int console_spawn(void);

/* Roles (users.c): each passwd entry's shell resolved (its own, else nu,
 * bash, sh), homes made, authorized_keys installed from /etc/pool/keys.
 * *any_keys says whether some role has keys. Returns the number of failures. */
int users_setup(bool *any_keys);
#define SSHD_UID 101u	/* sshd's privilege separation user */

/* The host image's sshd, keys only (sshd.c). Its pid, or -1. */
int sshd_start(void);

/* The Nebula node (mesh.c): whether pool put a mesh in the image, and
 * nebula started on it (its pid, or -1). */
bool mesh_wanted(void);
int mesh_start(void);
/* PID 1 on SIGHUP: the agent wrote new files. nebula (*pid) reloads
 * them, or starts on them (*last: when). */
void mesh_reload(pid_t *pid, time_t *last);
/* The agent's MESH_FILES payload: checked; the clock set forward to the
 * certificate's signing when it is behind; then written into
 * /etc/pool/mesh (0700), each file root's and 0600, by temp file and
 * rename. Then tell_init: SIGHUP to PID 1 (pool-init); else (pool-init
 * --agent) systemctl reload-or-restart pool-nebula.service. 0 or -1
 * (said in the console log). */
int mesh_files(const uint8_t *p, size_t n, bool tell_init);

/* The agent: a child process serving the host on org.pool.agent.
 * Returns its pid, or -1 when the port never appeared. */
int agent_spawn(uint64_t init_ns, uint64_t modules_ns);

/* pool-init --agent: only the agent, in this process, under another init
 * (NixOS: the pool-agent systemd service, nix/modules/guest.nix). No PID 1
 * duties; SHUTDOWN asks that init to go down. Never returns. */
__attribute__((noreturn)) void agent_only(void);

/* /dev path of the virtio-serial port named org.pool.agent; 0 or -1. */
int agent_port_path(char *out, size_t cap);

/* Ways the guest goes down; pool-init's signal conventions (as busybox
 * init's): SIGUSR2 poweroff, SIGUSR1 halt, SIGTERM reboot. */
enum down_mode { DOWN_POWEROFF, DOWN_HALT, DOWN_REBOOT };


#endif
