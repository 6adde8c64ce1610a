/* test_priv_msg.c - the channel between a supervisor's two processes: each
 * message is checked for its direction, size, fds and fields. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/supervise/priv_msg.h"
#include "tests/unit/main.h"

static int check(const struct priv_msg *m, size_t nfds, bool to_priv)
{
	struct priv_msg out;
	const char *why = NULL;
	int r = priv_msg_check(m, sizeof *m, nfds, to_priv, &out, &why);

	if (r < 0)
		assert_non_null(why);
	else
		assert_memory_equal(&out, m, sizeof *m);
	return r;
}

static void test_direction(void **state)
{
	struct priv_msg m = { .type = PRIV_KILL_VM };

	(void)state;
	assert_int_equal(check(&m, 0, true), 0);
	assert_int_equal(check(&m, 0, false), -1);	/* a request is no event */
	m.type = PRIV_VM_EXITED;
	assert_int_equal(check(&m, 0, false), 0);
	assert_int_equal(check(&m, 0, true), -1);	/* nor the other way */
	m.type = 0;
	assert_int_equal(check(&m, 0, true), -1);
	m.type = 999;
	assert_int_equal(check(&m, 0, false), -1);
}

static void test_fds_and_fields(void **state)
{
	struct priv_msg m = { .type = PRIV_VM_STARTED, .a = 4242, .npids = 2, .pids = { 10, 11 } };
	const char *why;
	struct priv_msg out;

	(void)state;
	assert_int_equal(check(&m, 3, false), 0);
	assert_int_equal(check(&m, 2, false), -1);	/* its three fds, no fewer */
	m.npids = CTL_FS_MAX + 1;
	assert_int_equal(check(&m, 3, false), -1);
	m.npids = 0;
	m.a = 1;	/* init is no hypervisor */
	assert_int_equal(check(&m, 3, false), -1);
	m = (struct priv_msg){ .type = PRIV_KILL_VM, .npids = 1 };
	assert_int_equal(check(&m, 0, true), -1);	/* pids only where they belong */
	m = (struct priv_msg){ .type = PRIV_KILL_VM };
	assert_int_equal(check(&m, 1, true), -1);	/* an fd it should not carry */
	m = (struct priv_msg){ .type = PRIV_DONE, .a = 256 };
	assert_int_equal(check(&m, 0, true), -1);
	m.a = -1;
	m.b = 2;
	snprintf(m.text, sizeof m.text, "machine x stopped");
	assert_int_equal(check(&m, 0, true), 0);
	memset(m.text, 'x', sizeof m.text);	/* no end */
	assert_int_equal(check(&m, 0, true), -1);
	m = (struct priv_msg){ .type = PRIV_SIGNAL, .a = 0 };
	assert_int_equal(check(&m, 0, false), -1);
	m.a = SIGTERM;
	assert_int_equal(check(&m, 0, false), 0);
	m = (struct priv_msg){ .type = PRIV_KILL_VM };
	assert_int_equal(priv_msg_check(&m, sizeof m - 1, 0, true, &out, &why), -1);
	/* elements: only on PRIV_ALLOW, at least one, at most EGRESS_ADD_MAX */
	m = (struct priv_msg){ .type = PRIV_ALLOW, .nel = 1, .el = { { .addr = 0x5db8d822, .port = 443, .proto = 6, .timeout = 60 } } };
	assert_int_equal(check(&m, 0, true), 0);
	m.nel = 0;
	assert_int_equal(check(&m, 0, true), -1);
	m.nel = EGRESS_ADD_MAX + 1;
	assert_int_equal(check(&m, 0, true), -1);
	m = (struct priv_msg){ .type = PRIV_KILL_VM, .nel = 1 };
	assert_int_equal(check(&m, 0, true), -1);
	/* the state for pool egress comes as one fd */
	m = (struct priv_msg){ .type = PRIV_EGRESS_STATE };
	assert_int_equal(check(&m, 1, true), 0);
	assert_int_equal(check(&m, 0, true), -1);
	/* the mesh: READY asks with no fd, the files come back as one,
	 * each only its own way */
	m = (struct priv_msg){ .type = PRIV_MESH_READY };
	assert_int_equal(check(&m, 0, true), 0);
	assert_int_equal(check(&m, 1, true), -1);
	assert_int_equal(check(&m, 0, false), -1);
	m = (struct priv_msg){ .type = PRIV_MESH_FILES };
	assert_int_equal(check(&m, 1, false), 0);
	assert_int_equal(check(&m, 0, false), -1);
	assert_int_equal(check(&m, 1, true), -1);
}

/* Through a real socket pair: fds travel, a short packet is refused and
 * its fds closed. */
static void test_send_recv(void **state)
{
	int sv[2], fds[PRIV_FDS_MAX], p[2];
	struct priv_msg m = { .type = PRIV_LOG }, got;
	const char *why = NULL;
	char c = 0;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(priv_send(sv[0], &m, &p[1], 1), 0);
	assert_int_equal(priv_recv(sv[1], false, &got, fds, &why), 1);
	assert_int_equal(got.type, PRIV_LOG);
	assert_int_equal(write(fds[0], "z", 1), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'z');
	close(fds[0]);
	/* nothing more: EAGAIN */
	assert_int_equal(priv_recv(sv[1], false, &got, fds, &why), -1);
	assert_int_equal(errno, EAGAIN);
	/* a packet that is not one message */
	assert_int_equal(send(sv[0], "short", 5, 0), 5);
	assert_int_equal(priv_recv(sv[1], true, &got, fds, &why), -1);
	assert_int_equal(errno, EPROTO);
	assert_non_null(why);
	/* the right size, the wrong direction, with an fd: refused, fd closed */
	m.type = PRIV_LOG;
	assert_int_equal(priv_send(sv[0], &m, &p[1], 1), 0);
	assert_int_equal(priv_recv(sv[1], true, &got, fds, &why), -1);
	assert_int_equal(errno, EPROTO);
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 0);	/* no copy of the write end left */
	close(sv[0]);
	assert_int_equal(priv_recv(sv[1], true, &got, fds, &why), 0);	/* the end */
	close(sv[1]);
	close(p[0]);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_direction),
	cmocka_unit_test(test_fds_and_fields),
	cmocka_unit_test(test_send_recv))
