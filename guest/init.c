/* init.c - pool-init: the guest's PID 1. Mounts, modules, agent, console;
 * reaps every child; goes down by powering off (or rebooting), never exits.
 * The same binary answers to shutdown, poweroff, halt and reboot, and with
 * --agent is the agent alone under another init (image nixos). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"
#include "net.h"
#include "common/frame.h"

static char cmdline[4096];

/* --- the multi-call side: shutdown, poweroff, halt, reboot --- */

static int multicall(const char *name, int argc, char **argv)
{
	int sig = SIGUSR2;

	if (strcmp(name, "reboot") == 0)
		sig = SIGTERM;
	else if (strcmp(name, "shutdown") == 0) {
		for (int i = 1; i < argc; i++) {
			if (strcmp(argv[i], "-r") == 0 || strcmp(argv[i], "--reboot") == 0)
				sig = SIGTERM;
			else if (strcmp(argv[i], "-c") == 0) {
				fprintf(stderr, "shutdown: nothing is scheduled\n");
				return 1;
			}
		}
	} else if (strcmp(name, "halt") != 0 && strcmp(name, "poweroff") != 0) {
		fprintf(stderr, "pool-init: must run as PID 1 (or as shutdown, poweroff, halt, reboot)\n");
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "%s: must be root\n", name);
		return 1;
	}
	if (kill(1, sig) < 0) {
		fprintf(stderr, "%s: %s\n", name, strerror(errno));
		return 1;
	}
	return 0;
}

/* --- PID 1 --- */

static void mount_or_log(const char *src, const char *dst, const char *type,
			 unsigned long flags, const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0 && errno != EBUSY)
		glog("mount %s on %s: %s", type, dst, strerror(errno));
}

static void setup_mounts(void)
{
	mount_or_log("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_or_log("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_or_log("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	mount_or_log("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=620,ptmxmode=0666");
	mount_or_log("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	mount_or_log("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	mount_or_log("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	symlink("/proc/self/fd", "/dev/fd");
	symlink("/proc/self/fd/0", "/dev/stdin");
	symlink("/proc/self/fd/1", "/dev/stdout");
	symlink("/proc/self/fd/2", "/dev/stderr");
	mkdir("/root", 0700);
}

static void setup_stdio(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);

	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

static void read_cmdline(void)
{
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, cmdline, sizeof cmdline - 1);
	cmdline[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* KEY=VALUE lines pool wrote into the image: the guest's settings. */
static void read_env_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char line[4096];

	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		char *eq = strchr(line, '=');

		line[strcspn(line, "\n")] = '\0';
		if (!eq || eq == line || strncmp(line, "POOL_", 5) != 0)
			continue;
		*eq = '\0';
		setenv(line, eq + 1, 1);
	}
	fclose(f);
}

static void set_hostname(void)
{
	char name[64];
	int fd;

	if (cmdline_get(cmdline, "pool.name", name, sizeof name) < 0)
		snprintf(name, sizeof name, "pool");
	if (sethostname(name, strlen(name)) < 0)
		glog("sethostname: %s", strerror(errno));
	mkdir("/etc", 0755);
	fd = open("/etc/hostname", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dprintf(fd, "%s\n", name);
		close(fd);
	}
}

/* --- network (guest/net.c): pool.net=MAC,IFNAME names the NIC and asks
 * for a DHCP lease; without it the guest has no network. --- */
static struct net_lease lease;
static uint64_t renew_at_ns;	/* 0: no renewal due */

static void net_start(void)
{
	char spec[64], err[256], line[128];

	if (cmdline_get(cmdline, "pool.net", spec, sizeof spec) < 0) {
		if (strstr(cmdline, "pool.net="))
			glog("network: pool.net= is too long");
		return;
	}
	if (net_setup(spec, NULL, &lease, err, sizeof err) < 0) {
		glog("network: %s", err);
		return;
	}
	glog("%s", net_lease_describe(&lease, line, sizeof line));
	if (lease.t1 != UINT32_MAX)
		renew_at_ns = lease.bound_ns + (uint64_t)lease.t1 * 1000000000u;
}

/* Called from the main loop: renew at T1; on failure try again in a minute
 * (pool's responder gives the same address for the machine's life). */
static void net_tick(void)
{
	char err[256];

	if (!renew_at_ns || boot_ns() < renew_at_ns)
		return;
	if (net_renew(&lease, 5000, err, sizeof err) < 0) {
		glog("network: renewal: %s", err);
		renew_at_ns = boot_ns() + 60 * 1000000000ull;
	} else {
		renew_at_ns = lease.t1 == UINT32_MAX ? 0 : lease.bound_ns + (uint64_t)lease.t1 * 1000000000u;
	}
}

static void reap_all(pid_t *agent, pid_t *console, pid_t *mesh)
{
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);

		if (p <= 0)
			return;
		if (p == *agent)
			*agent = -1;
		if (p == *console)
			*console = -1;
		if (p == *mesh)
			*mesh = -1;
	}
}

/* Tell the host how the guest is going down, so a reboot can be told
 * from a crash. The agent is gone by now, so the port is free. */
static void announce(enum down_mode mode)
{
	char path[300];
	uint8_t frame[FRAME_HDR_LEN + 1];
	uint8_t m = mode == DOWN_REBOOT ? 1 : 0;
	int fd;

	if (agent_port_path(path, sizeof path) < 0)
		return;
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	if (frame_encode(frame, sizeof frame, AGENT_SHUTDOWN, 0, &m, 1) > 0)
		(void)!write(fd, frame, sizeof frame);
	close(fd);
}

static void umount_all(void)
{
	/* Reverse order of /proc/self/mounts, detaching; root stays. */
	char *lines[256];
	int n = 0;
	char buf[512];
	FILE *f = fopen("/proc/self/mounts", "re");

	if (!f)
		return;
	while (n < 256 && fgets(buf, sizeof buf, f)) {
		char *sp1 = strchr(buf, ' '), *sp2;

		if (!sp1)
			continue;
		sp2 = strchr(sp1 + 1, ' ');
		if (!sp2)
			continue;
		*sp2 = '\0';
		lines[n++] = strdup(sp1 + 1);
	}
	fclose(f);
	while (n-- > 0) {
		if (lines[n] && strcmp(lines[n], "/") != 0 && strcmp(lines[n], "/proc") != 0 &&
		    strcmp(lines[n], "/sys") != 0 && strcmp(lines[n], "/dev") != 0)
			umount2(lines[n], MNT_DETACH);
		free(lines[n]);
	}
}

static __attribute__((noreturn)) void go_down(enum down_mode mode)
{
	sigset_t all;
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 50 * 1000000 };
	int i, st;

	glog("%s", mode == DOWN_REBOOT ? "rebooting" : "powering off");
	sigfillset(&all);
	kill(-1, SIGTERM);
	kill(-1, SIGCONT);
	/* Up to 3 s for everything to leave. */
	for (i = 0; i < 60; i++) {
		while (waitpid(-1, &st, WNOHANG) > 0)
			;
		if (waitpid(-1, &st, WNOHANG) < 0 && errno == ECHILD)
			break;
		sigtimedwait(&all, NULL, &ts);
	}
	kill(-1, SIGKILL);
	while (waitpid(-1, &st, 0) > 0)
		;
	sync();
	umount_all();
	sync();
	announce(mode);
	reboot(mode == DOWN_REBOOT ? RB_AUTOBOOT : RB_POWER_OFF);
	/* reboot(2) does not return on success; if it does, stay alive. */
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	pid_t agent = -1, console = -1, mesh = -1;
	uint64_t init_ns, modules_ns;
	time_t console_last = 0, mesh_last = 0;
	int console_fast = 0;
	bool any_keys = false;
	char want_console[8] = "1";
	sigset_t all;

	if (argc == 2 && strcmp(argv[1], "--agent") == 0)
		agent_only();	/* guest/agent.c: the agent alone, under another init */
	if (getpid() != 1)
		return multicall(name, argc, argv);

	init_ns = boot_ns();
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	reboot(RB_DISABLE_CAD);	/* Ctrl-Alt-Del arrives as SIGINT */
	setup_mounts();
	setup_stdio();
	read_cmdline();
	umask(022);
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/root", 1);
	setenv("TERM", "linux", 1);

	read_env_file("/etc/pool/env");
	if (modules_load(cmdline) > 0)
		glog("some modules failed to load");
	modules_ns = boot_ns();
	if (mounts_setup() > 0)
		glog("some shares could not be mounted");
	if (volumes_setup() > 0)
		glog("some volumes could not be mounted");
	set_hostname();
	if (users_setup(&any_keys) > 0)
		glog("some roles could not be set up");
	net_start();	/* before the agent: READY means the network is up */
	if (any_keys)
		sshd_start();	/* reaped like any child; not restarted */

	if (mesh_wanted()) {
		mesh_last = time(NULL);
		mesh = mesh_start();
	}
	agent = agent_spawn(init_ns, modules_ns);
	cmdline_get(cmdline, "pool.console", want_console, sizeof want_console);
	if (strcmp(want_console, "1") == 0)
		console = console_spawn();

	for (;;) {
		siginfo_t si;
		struct timespec ts = { .tv_sec = 1, .tv_nsec = 0 };
		int sig = sigtimedwait(&all, &si, &ts);

		switch (sig) {
		case SIGUSR2:
		case SIGUSR1:	/* halt: a halted VM serves nobody; power off */
			go_down(DOWN_POWEROFF);
		case SIGTERM:
		case SIGINT:
			go_down(DOWN_REBOOT);
		case SIGHUP:	/* the agent wrote the mesh's files anew */
			mesh_reload(&mesh, &mesh_last);
			break;
		default:
			break;
		}
		reap_all(&agent, &console, &mesh);
		net_tick();
		/* nebula that died starts again, at most once every 2 s */
		if (mesh < 0 && mesh_wanted() && time(NULL) - mesh_last >= 2) {
			glog("mesh: nebula ended; starting it again");
			mesh_last = time(NULL);
			mesh = mesh_start();
		}
		if (agent < 0) {
			glog("agent ended; starting it again");
			agent = agent_spawn(init_ns, modules_ns);
		}
		if (console < 0 && strcmp(want_console, "1") == 0) {
			time_t now = time(NULL);

			/* A shell that keeps dying at once is not restarted in a tight loop. */
			console_fast = now - console_last < 2 ? console_fast + 1 : 0;
			if (console_fast < 5 || now - console_last > 10) {
				console_last = now;
				console = console_spawn();
			}
		}
	}
}
