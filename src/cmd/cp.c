/* cp.c - pool cp [NAME:]SRC [NAME:]DST: a file or a folder between this
 * host and a running machine, as a tar stream through the machine's agent
 * (the guest's own tar reads or writes it on its stdin or stdout, in
 * frames of at most 32 KiB); works for a machine without shares.
 *
 * On this host everything is done by a child that became the invoking
 * user: it reads SRC, or writes beneath DST (or DST's folder), never
 * through a symlink, and it is asked first: a path the user may not read
 * or write is refused before pool connects to the machine, and nothing
 * is written. What comes from the machine is hostile: common/tar.c reads
 * it, and every name must lie beneath the one copied (util/beneath.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd/attach.h"
#include "cmd/usage.h"
#include "common/agent_msg.h"
#include "common/names.h"
#include "common/tar.h"
#include "ctl_client.h"
#include "util/beneath.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/user.h"

#define CP_SID 1u
#define CP_DEPTH_MAX 256	/* folders within folders, host side */

/* The guest's side, through sh: $1 the path there, $2 the name copied. */
static const char to_guest_sh[] =
	"if [ -d \"$1\" ]; then cd \"$1\" && exec tar -xf -; fi\n"
	"p=$(dirname \"$1\")\n"
	"[ -d \"$p\" ] || { echo \"pool cp: $p: no such folder in the machine\" >&2; exit 1; }\n"
	"t=$(mktemp -d \"$p/.pool-cp.XXXXXX\") || exit 1\n"
	"trap 'rm -rf \"$t\"' EXIT\n"
	"tar -xf - -C \"$t\" && mv -f \"$t/$2\" \"$1\"\n";
static const char from_guest_sh[] =
	"cd \"$(dirname \"$1\")\" && exec tar -cf - \"$(basename \"$1\")\"\n";

struct endpoint {
	const char *machine;	/* NULL: this host */
	char path[PATH_MAX];
};

/* "NAME:PATH" names a machine when NAME is a machine name and the colon
 * comes before any slash; anything else is a path on this host. */
static int endpoint(const char *arg, struct endpoint *ep, char *name, size_t cap, struct pool_err *e)
{
	const char *colon = strchr(arg, ':'), *slash = strchr(arg, '/');
	size_t n = colon ? (size_t)(colon - arg) : 0;

	ep->machine = NULL;
	if (colon && (!slash || colon < slash) && n > 0 && n < cap) {
		memcpy(name, arg, n);
		name[n] = '\0';
		if (valid_machine_name(name)) {
			ep->machine = name;
			arg = colon + 1;
		}
	}
	if (!*arg)
		arg = ".";
	if (strlen(arg) >= sizeof ep->path)
		return pool_err_usage(e, "cp: %s: the path is too long", arg);
	snprintf(ep->path, sizeof ep->path, "%s", arg);
	/* "a/b/" is "a/b"; "/" stays */
	for (size_t l = strlen(ep->path); l > 1 && ep->path[l - 1] == '/'; l--)
		ep->path[l - 1] = '\0';
	return 0;
}

/* The last name of a path ("." and ".." are not names to copy to). */
static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static bool plain_name(const char *s)
{
	return *s && strcmp(s, ".") && strcmp(s, "..") && !strchr(s, '/') && strlen(s) <= NAME_MAX;
}

/* ---- the child, as the user ---- */

/* What the child tells the parent on its status pipe: "O" once it is
 * ready (nothing refused), then "D" when all went well or "E" and why. */
__attribute__((noreturn, format(printf, 2, 3))) static void child_fail(int st, const char *fmt, ...)
{
	char msg[sizeof ((struct pool_err *)0)->msg + 1];
	va_list ap;

	msg[0] = 'E';
	va_start(ap, fmt);
	vsnprintf(msg + 1, sizeof msg - 1, fmt, ap);
	va_end(ap);
	(void)!write(st, msg, strlen(msg));
	_exit(1);
}

struct packer {
	int out, st;
	uint8_t hdr[TAR_HEADER_MAX];
	uint8_t buf[65536];
};

static void pack_write(struct packer *k, const void *p, size_t n)
{
	if (write_all(k->out, p, n) < 0)
		child_fail(k->st, "the machine stopped taking the copy (%s)", strerror(errno));
}

static void pack_header(struct packer *k, struct tar_entry *en)
{
	long n = tar_header_encode(k->hdr, sizeof k->hdr, en);

	if (n < 0)
		child_fail(k->st, "%s: cannot be put in the archive (a name past %u bytes?)", en->name,
			   TAR_NAME_MAX - 1);
	pack_write(k, k->hdr, (size_t)n);
}

/* One host file, folder or link (fd: it, opened; for a link, -1 and its
 * folder dfd and name), as arch in the archive, folders recursively. */
static void pack(struct packer *k, int fd, int dfd, const char *name, const char *arch, int depth)
{
	struct tar_entry en = { 0 };
	struct stat st;

	if ((fd >= 0 ? fstat(fd, &st) : fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW)) < 0)
		child_fail(k->st, "%s: %s", arch, strerror(errno));
	if ((size_t)snprintf(en.name, sizeof en.name, "%s", arch) >= sizeof en.name)
		child_fail(k->st, "%s: the name is too long for the archive", arch);
	en.mode = (uint32_t)(st.st_mode & 0777);	/* no set-id bit goes over */
	en.mtime = st.st_mtime > 0 ? (int64_t)st.st_mtime : 0;
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlinkat(dfd, name, en.link, sizeof en.link - 1);

		if (n <= 0)
			child_fail(k->st, "%s: %s", arch, n < 0 ? strerror(errno) : "an empty link");
		en.link[n] = '\0';
		en.kind = TAR_SYMLINK;
		pack_header(k, &en);
	} else if (S_ISREG(st.st_mode)) {
		uint64_t left = (uint64_t)st.st_size;

		en.kind = TAR_FILE;
		en.size = left;
		pack_header(k, &en);
		while (left > 0) {
			ssize_t n = read(fd, k->buf, left < sizeof k->buf ? (size_t)left : sizeof k->buf);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				child_fail(k->st, "%s: %s", arch, strerror(errno));
			if (n == 0) {	/* it shrank while read: the size said stands */
				memset(k->buf, 0, sizeof k->buf);
				n = (ssize_t)(left < sizeof k->buf ? left : sizeof k->buf);
			}
			pack_write(k, k->buf, (size_t)n);
			left -= (uint64_t)n;
		}
		memset(k->buf, 0, tar_pad(en.size));
		pack_write(k, k->buf, tar_pad(en.size));
	} else if (S_ISDIR(st.st_mode)) {
		DIR *d;
		struct dirent *de;

		if (depth > CP_DEPTH_MAX)
			child_fail(k->st, "%s: folders deeper than %d", arch, CP_DEPTH_MAX);
		en.kind = TAR_DIR;
		en.mode = (uint32_t)(st.st_mode & 01777);
		pack_header(k, &en);
		d = fdopendir(dup(fd));
		if (!d)
			child_fail(k->st, "%s: %s", arch, strerror(errno));
		while ((errno = 0, de = readdir(d))) {
			char sub[TAR_NAME_MAX + NAME_MAX + 2];
			struct stat cs;
			int cfd;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			snprintf(sub, sizeof sub, "%s/%s", arch, de->d_name);
			if (fstatat(fd, de->d_name, &cs, AT_SYMLINK_NOFOLLOW) < 0)
				child_fail(k->st, "%s: %s", sub, strerror(errno));
			if (S_ISLNK(cs.st_mode)) {
				pack(k, -1, fd, de->d_name, sub, depth + 1);
				continue;
			}
			if (!S_ISREG(cs.st_mode) && !S_ISDIR(cs.st_mode)) {
				fprintf(stderr, "pool: cp: %s: not a file, folder or link; left out\n", sub);
				continue;
			}
			cfd = openat(fd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
							 (S_ISDIR(cs.st_mode) ? O_DIRECTORY : O_NONBLOCK));
			if (cfd < 0)
				child_fail(k->st, "%s: %s", sub, strerror(errno));
			pack(k, cfd, fd, de->d_name, sub, depth + 1);
			close(cfd);
		}
		if (errno)
			child_fail(k->st, "%s: %s", arch, strerror(errno));
		closedir(d);
	} else {
		child_fail(k->st, "%s: not a file, folder or link", arch);
	}
}

/* Host -> machine: SRC read as the user, the archive to out. */
static __attribute__((noreturn)) void packer_child(const char *src, const char *base, int out, int st)
{
	static struct packer k;
	struct stat sb;
	int fd;

	k.out = out;
	k.st = st;
	fd = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		child_fail(st, "%s: %s", src, strerror(errno));
	if (fstat(fd, &sb) < 0 || (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)))
		child_fail(st, "%s: not a file or a folder", src);
	fcntl(fd, F_SETFL, 0);
	if (write(st, "O", 1) != 1)
		_exit(1);
	pack(&k, fd, AT_FDCWD, src, base, 0);
	memset(k.buf, 0, TAR_END_LEN);
	pack_write(&k, k.buf, TAR_END_LEN);
	(void)!write(st, "D", 1);
	_exit(0);
}

struct unpacker {
	int root;		/* the folder written beneath, opened as the user */
	const char *top;	/* the name the machine sends (SRC's) */
	const char *rename;	/* what it becomes here (NULL: the same) */
	int st;
	int file;		/* the file being written, or -1 */
	uint64_t left;
	struct timespec times[2];
	char at[PATH_MAX];	/* its name here */
	size_t entries;
};

/* An archive name to one beneath root: top, or beneath it, renamed. */
static void map_name(struct unpacker *u, const char *name, char *out, size_t cap)
{
	char norm[PATH_MAX];
	const char *why;
	size_t tl = strlen(u->top);

	if (path_rel_check(name, norm, sizeof norm, &why) < 0)
		child_fail(u->st, "the machine sent \"%.100s\": %s", name, why);
	if (strncmp(norm, u->top, tl) != 0 || (norm[tl] != '\0' && norm[tl] != '/'))
		child_fail(u->st, "the machine sent \"%.100s\", which is not in %s", name, u->top);
	if ((size_t)snprintf(out, cap, "%s%s", u->rename ? u->rename : u->top, norm + tl) >= cap)
		child_fail(u->st, "%.100s: the name is too long here", name);
}

/* The folder of rel beneath root (never through a symlink) and rel's
 * last name. */
static int parent_of(struct unpacker *u, const char *rel, const char **last)
{
	const char *slash = strrchr(rel, '/'), *why = NULL;
	char dir[PATH_MAX];
	int fd;

	*last = slash ? slash + 1 : rel;
	if (!slash)
		return dup(u->root);
	snprintf(dir, sizeof dir, "%.*s", (int)(slash - rel), rel);
	fd = open_beneath(u->root, dir, O_PATH | O_DIRECTORY, 0, BENEATH_NO_SYMLINKS, &why);
	if (fd < 0)
		child_fail(u->st, "%s: %s", dir, why ? why : strerror(errno));
	return fd;
}

static void file_done(struct unpacker *u)
{
	if (u->file < 0)
		return;
	if (futimens(u->file, u->times) < 0 || close(u->file) < 0)
		child_fail(u->st, "%s: %s", u->at, strerror(errno));
	u->file = -1;
}

static int new_file(struct unpacker *u, int pfd, const char *last, mode_t mode)
{
	int fd = openat(pfd, last, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);

	if (fd < 0)
		child_fail(u->st, "%s: %s", u->at, strerror(errno));
	return fd;
}

static void unpack_entry(struct unpacker *u, const struct tar_entry *en)
{
	const char *last;
	struct stat st;
	int pfd;

	file_done(u);
	map_name(u, en->name, u->at, sizeof u->at);
	u->entries++;
	pfd = parent_of(u, u->at, &last);
	switch (en->kind) {
	case TAR_DIR:
		if (mkdirat(pfd, last, (en->mode & 01777) | 0700) < 0 &&
		    (errno != EEXIST || fstatat(pfd, last, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)))
			child_fail(u->st, "%s: %s", u->at, errno == EEXIST ? "exists and is not a folder" : strerror(errno));
		break;
	case TAR_FILE:
		u->file = new_file(u, pfd, last, en->mode & 0777);
		u->left = en->size;
		u->times[0].tv_nsec = UTIME_OMIT;
		u->times[1].tv_sec = (time_t)en->mtime;
		u->times[1].tv_nsec = 0;
		if (u->left == 0)
			file_done(u);
		break;
	case TAR_SYMLINK: {
		/* the link's folder beneath the copy's top, or NULL: the top */
		const char *rest = u->at + strlen(u->rename ? u->rename : u->top), *why = NULL;
		char dir[PATH_MAX];

		snprintf(dir, sizeof dir, "%s", rest[0] == '/' ? rest + 1 : rest);
		if (strrchr(dir, '/'))
			*strrchr(dir, '/') = '\0';
		else
			dir[0] = '\0';
		if (tar_link_within(rest[0] ? dir : NULL, en->link, &why) < 0)
			child_fail(u->st, "%s -> %.100s: %s (pool makes only links that stay in what it copies)",
				   u->at, en->link, why);
		if (symlinkat(en->link, pfd, last) < 0) {
			if (errno != EEXIST || fstatat(pfd, last, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode) ||
			    unlinkat(pfd, last, 0) < 0 || symlinkat(en->link, pfd, last) < 0)
				child_fail(u->st, "%s: %s", u->at, strerror(errno));
		}
		break;
	}
	case TAR_HARDLINK: {
		/* a copy of the earlier file it names (also sent, also here) */
		char target[PATH_MAX];
		const char *why = NULL;
		_cleanup_close_ int from = -1;
		int to;
		ssize_t n;
		static uint8_t buf[65536];

		map_name(u, en->link, target, sizeof target);
		from = open_beneath(u->root, target, O_RDONLY | O_NOFOLLOW, 0, BENEATH_NO_SYMLINKS | BENEATH_FILE, &why);
		if (from < 0)
			child_fail(u->st, "%s: its link %s: %s", u->at, target, why ? why : strerror(errno));
		to = new_file(u, pfd, last, 0600);
		if (fstat(from, &st) == 0)
			fchmod(to, st.st_mode & 0777);
		while ((n = read(from, buf, sizeof buf)) > 0)
			if (write_all(to, buf, (size_t)n) < 0)
				child_fail(u->st, "%s: %s", u->at, strerror(errno));
		if (n < 0 || close(to) < 0)
			child_fail(u->st, "%s: %s", u->at, strerror(errno));
		break;
	}
	case TAR_OTHER:
		fprintf(stderr, "pool: cp: %s: a device or fifo; left out\n", u->at);
		break;
	}
	close(pfd);
}

/* Machine -> host: the archive from in, written beneath DST as the user. */
#define TRAILER_MAX (1u << 20)	/* bytes after the archive's end blocks, at most */

static __attribute__((noreturn)) void unpacker_child(const char *dst, const char *top, int in, int st)
{
	static struct tar_reader r;
	static uint8_t buf[65536];
	struct unpacker u = { .top = top, .st = st, .file = -1 };
	char parent[PATH_MAX];
	const char *why;
	ssize_t n;
	uint64_t after_end = 0;
	bool ended = false;

	/* DST a folder: into it; else DST's folder, the copy named as DST */
	u.root = open(dst, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (u.root < 0) {
		const char *slash = strrchr(dst, '/');

		if (errno != ENOENT && errno != ENOTDIR)
			child_fail(st, "%s: %s", dst, strerror(errno));
		u.rename = base_of(dst);
		if (!plain_name(u.rename))
			child_fail(st, "%s: not a name to copy to", dst);
		snprintf(parent, sizeof parent, "%.*s", slash ? (slash == dst ? 1 : (int)(slash - dst)) : 1,
			 slash ? dst : ".");
		u.root = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (u.root < 0)
			child_fail(st, "%s: %s", parent, strerror(errno));
		dst = parent;
	}
	if (faccessat(u.root, ".", W_OK | X_OK, AT_EACCESS) < 0)
		child_fail(st, "%s: %s (it is written as uid %u)", dst, strerror(errno), (unsigned)getuid());
	if (write(st, "O", 1) != 1)
		_exit(1);
	tar_reader_init(&r);
	while ((n = read(in, buf, sizeof buf)) != 0) {
		const uint8_t *p = buf;
		size_t left = (size_t)n;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			child_fail(st, "reading the copy: %s", strerror(errno));
		/* After its end blocks a writer pads to its record (10 KiB for
		 * GNU tar); a machine that keeps sending is not padding. */
		if (ended && (after_end += left) > TRAILER_MAX)
			child_fail(st, "the machine's archive goes on past its end");
		while (left > 0) {
			size_t used, dl;
			const uint8_t *d;
			enum tar_event ev = tar_reader_step(&r, p, left, &used, &d, &dl, &why);

			p += used;
			left -= used;
			if (ev == TAR_ERROR)
				child_fail(st, "the machine's archive: %s", why);
			if (ev == TAR_END)
				ended = true;
			if (ev == TAR_ENTRY)
				unpack_entry(&u, &r.e);
			if (ev == TAR_DATA) {
				if (u.file < 0 || dl > u.left)
					child_fail(st, "the machine's archive: data outside a file");
				if (write_all(u.file, d, dl) < 0)
					child_fail(st, "%s: %s", u.at, strerror(errno));
				u.left -= dl;
				if (u.left == 0)
					file_done(&u);
			}
		}
	}
	file_done(&u);
	if (tar_reader_finish(&r, &why) < 0)
		child_fail(st, "the machine's archive: %s", why);
	if (u.entries == 0)
		child_fail(st, "nothing came from the machine");
	(void)!write(st, "D", 1);
	_exit(0);
}

/* ---- the parent: the machine's side ---- */

struct cp_client {
	const char *name;
	int data;		/* machine -> host: the unpacker's pipe; else -1 */
	char err[512];		/* the guest's last words on stderr, printable */
	size_t errlen;
};

static int cp_frame(struct attach *a, const struct frame_hdr *h, const uint8_t *p, struct pool_err *e)
{
	struct cp_client *c = a->ctx;
	const char *why;
	char text[256];

	switch (h->type) {
	case AGENT_STDOUT:
		if (h->sid != CP_SID || !h->len || c->data < 0)
			return 0;
		if (write_all(c->data, p, h->len) < 0) {
			a->result = 1;	/* the unpacker stopped: it says why */
			return 1;
		}
		return 0;
	case AGENT_STDERR:
		/* the guest's tar: shown, made printable */
		for (size_t i = 0; i < h->len; i++) {
			char ch = p[i] == '\n' || (p[i] >= 32 && p[i] < 127) ? (char)p[i] : '?';

			if (c->errlen + 1 < sizeof c->err)
				c->err[c->errlen++] = ch;
		}
		return 0;
	case AGENT_EXIT:
		if (agent_exit_decode(p, h->len, &a->result, &why) < 0)
			return pool_err_fail(e, "cp: bad EXIT: %s", why);
		return 1;
	case AGENT_ERROR:
		return pool_err_fail(e, "%s: %s", c->name, ctl_text(p, h->len, text, sizeof text));
	default:
		return pool_err_fail(e, "cp: unexpected %s frame", frame_type_name(h->type));
	}
}

static int cp_closed(struct attach *a, struct pool_err *e)
{
	struct cp_client *c = a->ctx;

	return pool_err_fail(e, "machine %s stopped before the copy was done", c->name);
}

static const struct attach_ops cp_ops = { .frame = cp_frame, .closed = cp_closed };

/* The child's word: 'O', 'D', or 'E' and why (in e). */
static int child_says(int st, char *what, struct pool_err *e)
{
	char msg[sizeof e->msg + 1];
	ssize_t n = read(st, msg, 1);

	if (n != 1) {
		*what = 0;
		return 0;
	}
	*what = msg[0];
	if (msg[0] == 'E') {
		n = read(st, msg, sizeof msg - 1);
		msg[n > 0 ? n : 0] = '\0';
		return pool_err_fail(e, "cp: %s", n > 0 ? msg : "failed");
	}
	return 0;
}

int cmd_cp(int argc, char **argv, struct pool_err *e)
{
	char n1[POOL_NAME_MAX + 2], n2[POOL_NAME_MAX + 2], what;
	struct endpoint src, dst;
	const struct endpoint *guest;
	const struct pool_user *u;
	static struct attach a;
	struct cp_client c = { .data = -1 };
	_cleanup_free_ uint8_t *buf = NULL;
	int st[2], data[2], fd, r, status;
	bool to_guest;
	const char *base;
	pid_t pid;
	long len;

	if (argc != 3)
		return cmd_usage_error(e, argv[0], NULL);
	if (endpoint(argv[1], &src, n1, sizeof n1, e) < 0 || endpoint(argv[2], &dst, n2, sizeof n2, e) < 0)
		return -1;
	if (!src.machine == !dst.machine)
		return cmd_usage_error(e, argv[0], src.machine ? "both paths are in machines: one is on this host"
							      : "neither path names a machine (NAME:PATH)");
	to_guest = dst.machine != NULL;
	guest = to_guest ? &dst : &src;
	c.name = guest->machine;
	base = base_of(src.path);
	if (!plain_name(base)) {
		char real[PATH_MAX];

		/* "." or ".." on this host: the folder's own name */
		static char own[NAME_MAX + 1];

		if (!to_guest || !realpath(src.path, real) || !strcmp(real, "/"))
			return pool_err_usage(e, "cp: %s: name a file or folder to copy", src.path);
		snprintf(own, sizeof own, "%s", strrchr(real, '/') + 1);
		base = own;
	}
	if (geteuid() != 0)
		return pool_err_usage(e, "pool cp needs root (it talks to the machine's supervisor): try sudo");
	if (pool_user_get(&u, e) < 0)
		return -1;
	user_say_root(u);
	buf = malloc(FRAME_PAYLOAD_MAX);
	if (!buf)
		return pool_err_sys(e, "cp");
	{
		const char *args[] = { "sh", "-c", to_guest ? to_guest_sh : from_guest_sh, "sh", guest->path, base };
		struct agent_exec x = { .flags = AGENT_EXEC_UNLOGGED, .cwd = "", .argv = args,
					.argc = to_guest ? 6 : 5 };

		len = agent_exec_encode(buf, FRAME_PAYLOAD_MAX, &x);
		if (len < 0)
			return pool_err_usage(e, "cp: %s: the path is too long", guest->path);
	}
	if (pipe2(st, O_CLOEXEC) < 0 || pipe2(data, O_CLOEXEC) < 0)
		return pool_err_sys(e, "pipe");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return pool_err_sys(e, "fork");
	if (pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		close(st[0]);
		if (user_become(u) < 0)
			child_fail(st[1], "becoming uid %u: %s", (unsigned)u->uid, strerror(errno));
		if (to_guest) {
			close(data[0]);
			packer_child(src.path, base, data[1], st[1]);
		}
		close(data[1]);
		unpacker_child(dst.path, base, data[0], st[1]);
	}
	close(st[1]);
	if (to_guest) {
		close(data[1]);
		fd = data[0];	/* the archive: our input, to the machine */
	} else {
		close(data[0]);
		c.data = data[1];
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);	/* no input */
	}
	/* Refused on this host: nothing was sent, nothing written. */
	if (child_says(st[0], &what, e) < 0 || what != 'O') {
		waitpid(pid, NULL, 0);
		return what == 'E' ? -1 : pool_err_fail(e, "cp: the copy on this host did not start");
	}
	if (fd < 0 || dup2(fd, 0) < 0)
		return pool_err_sys(e, "cp");
	close(fd);
	signal(SIGPIPE, SIG_IGN);
	fd = ctl_connect(state_root(), c.name, e);
	if (fd < 0 || ctl_send(fd, AGENT_EXEC, CP_SID, buf, (size_t)len, e) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	a = (struct attach){ .fd = fd, .in_type = AGENT_STDIN, .sid = CP_SID, .eof_frame = true,
			     .in_open = true, .ops = &cp_ops, .ctx = &c };
	r = attach_run(&a, e);
	close(fd);
	close(0);
	if (c.data >= 0)
		close(c.data);
	if (r != 0 && r != -1 && !to_guest)
		kill(pid, SIGKILL);	/* the machine's side failed: what it sent so far stays */
	waitpid(pid, &status, 0);
	if (r < 0)
		return -1;
	c.err[c.errlen] = '\0';
	if (child_says(st[0], &what, e) < 0)
		return -1;
	if (r != 0)
		return pool_err_fail(e, "cp: the machine's side ended with status %d%s%s", r, c.errlen ? ": " : "",
				     c.err);
	if (what != 'D' || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return pool_err_fail(e, "cp: the copy on this host did not finish");
	if (c.errlen)
		fprintf(stderr, "%s", c.err);
	return 0;
}
