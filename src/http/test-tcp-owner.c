/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include "http/tcp-owner.h"
#include "shared/fileio.h"
#include "shared/macro.h"
#include "shared/tests.h"

#define HEADER4 "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
#define HEADER6 "  sl  local_address                         remote_address                        st tx_queue " \
                "rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
/* 127.0.0.1:8265 <- 127.0.0.1:40000, as a little-endian kernel prints it. */
#define LINE4 "   3: 0100007F:2049 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1001        0 " \
              "55123 1 0000000000000000 20 4 30 10 -1"
#define LISTEN4 "   0: 00000000:2049 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 " \
                "1678 1 000000000108afe9 100 0 0 10 0"
/* [::ffff:127.0.0.1]:8265 <- [::ffff:127.0.0.1]:40001 */
#define LINE6 "   1: 0000000000000000FFFF00000100007F:2049 0000000000000000FFFF00000100007F:9C41 01 " \
              "00000000:00000000 00:00000000 00000000  1002        0 66 1 0000000000000000 20 4 30 10 -1"

static TcpEndpoint v4(const char *ip, uint16_t port) {
        TcpEndpoint e;

        assert_int_equal(tcp_endpoint_from_string(ip, port, &e), 0);
        return e;
}

static void test_parse_line(void **state) {
        ProcNetTcpEntry e;
        TcpEndpoint lo = v4("127.0.0.1", 8265);

        assert_int_equal(proc_net_tcp_parse_line(LINE4, strlen(LINE4), AF_INET, &e), 0);
        assert_memory_equal(e.local.addr, lo.addr, 4);
        assert_int_equal(e.local.port, 8265);
        assert_int_equal(e.remote.port, 40000);
        assert_int_equal(e.state, 1);
        assert_int_equal(e.uid, 1001);

        assert_int_equal(proc_net_tcp_parse_line(LISTEN4, strlen(LISTEN4), AF_INET, &e), 0);
        assert_int_equal(e.state, 0x0a);
        assert_int_equal(e.uid, 0);

        assert_int_equal(proc_net_tcp_parse_line(LINE6, strlen(LINE6), AF_INET6, &e), 0);
        assert_int_equal(e.local.family, AF_INET6);
        assert_int_equal(e.local.addr[10], 0xff);
        assert_memory_equal(e.local.addr + 12, lo.addr, 4);
        assert_int_equal(e.uid, 1002);
}

static void test_parse_line_refuses(void **state) {
        static const char *const bad[] = {
                HEADER4,
                "",
                "   3: 0100007F:2049 0100007F:9C40 01",                                      /* cut short */
                "   3: 0100007G:2049 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1001",
                "   3: 100007F:2049 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1001",
                "   3 0100007F:2049 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1001",
                "   3: 0100007F:2049 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  ",   /* no uid */
                "   3: 0100007F:2049 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  -1",
                "   3: 0100007F:2049 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  4294967295",
                "   3: 0100007F:2049 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  99999999999999",
                "   3: 0100007F:2049 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  12x",
        };
        ProcNetTcpEntry e;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (proc_net_tcp_parse_line(bad[i], strlen(bad[i]), AF_INET, &e) != -EBADMSG)
                        fail_msg("accepted: \"%s\"", bad[i]);
        /* An IPv4 line is not an IPv6 one. */
        assert_int_equal(proc_net_tcp_parse_line(LINE4, strlen(LINE4), AF_INET6, &e), -EBADMSG);
}

static int find_text(const char *text, int family, const TcpEndpoint *local, const TcpEndpoint *remote,
                     uid_t *uid) {
        FILE *f = fmemopen((void *) text, strlen(text), "r");
        ProcNetTcpEntry e;
        int r;

        assert_non_null(f);
        r = proc_net_tcp_find(f, family, local, remote, &e);
        fclose(f);
        if (r > 0)
                *uid = e.uid;
        return r;
}

static void test_find(void **state) {
        TcpEndpoint dash = v4("127.0.0.1", 8265), us = v4("127.0.0.1", 40000), other = v4("127.0.0.1", 40002);
        _cleanup_free_ char *long_line = NULL;
        uid_t uid = 7;

        assert_int_equal(find_text(HEADER4 LISTEN4 "\n" LINE4 "\n", AF_INET, &dash, &us, &uid), 1);
        assert_int_equal(uid, 1001);
        /* The listener is not the connection; the other direction is not the peer. */
        assert_int_equal(find_text(HEADER4 LISTEN4 "\n" LINE4 "\n", AF_INET, &dash, &other, &uid), 0);
        assert_int_equal(find_text(HEADER4 LISTEN4 "\n" LINE4 "\n", AF_INET, &us, &dash, &uid), 0);
        /* The last line without its newline still counts. */
        assert_int_equal(find_text(HEADER4 LINE4, AF_INET, &dash, &us, &uid), 1);
        assert_int_equal(find_text(HEADER4, AF_INET, &dash, &us, &uid), 0);
        assert_int_equal(find_text("", AF_INET, &dash, &us, &uid), 0);
        /* A line that is not the kernel's stops the scan. */
        assert_int_equal(find_text(HEADER4 "garbage\n" LINE4 "\n", AF_INET, &dash, &us, &uid), -EBADMSG);

        long_line = malloc(10000);
        assert_non_null(long_line);
        snprintf(long_line, 10000, HEADER4 "%s%05000d\n", LINE4, 0);
        assert_int_equal(find_text(long_line, AF_INET, &dash, &us, &uid), -EBADMSG);
}

/* A dual-stack listener's connections from 127.0.0.1 are in tcp6, v4-mapped. */
static void test_peer_owner_mapped(void **state) {
        _cleanup_rm_rf_ char *dir = test_tmpdir("rus-proc-net");
        char path[64];
        TcpEndpoint dash = v4("127.0.0.1", 8265), us = v4("127.0.0.1", 40001), us4 = v4("127.0.0.1", 40000),
                    listener = v4("0.0.0.0", 8265), nobody = v4("0.0.0.0", 0);
        TcpPeer peer;

        snprintf(path, sizeof path, "%s/tcp", dir);
        assert_int_equal(write_file_atomic(path, HEADER4 LISTEN4 "\n" LINE4 "\n",
                                           strlen(HEADER4 LISTEN4 "\n" LINE4 "\n"), 0644),
                         0);
        snprintf(path, sizeof path, "%s/tcp6", dir);
        assert_int_equal(write_file_atomic(path, HEADER6 LINE6 "\n", strlen(HEADER6 LINE6 "\n"), 0644), 0);

        assert_int_equal(tcp_peer_from_proc(dir, &us, &dash, &peer), 0);
        assert_int_equal(peer.uid, 1002);
        assert_int_equal(peer.state, TCP_STATE_ESTABLISHED);
        assert_int_equal(tcp_peer_from_proc(dir, &us4, &dash, &peer), 0);
        assert_int_equal(peer.uid, 1001);
        assert_int_equal(tcp_peer_from_proc(dir, &dash, &us, &peer), -ESRCH);
        /* Only an established end has an owner that counts: the listener's line says uid 0. */
        assert_int_equal(tcp_peer_from_proc(dir, &nobody, &listener, &peer), 0);
        assert_int_equal(peer.state, 0x0a);
        assert_int_equal(peer.uid, 0);
}

static TcpEndpoint endpoint_of(const struct sockaddr_storage *ss) {
        TcpEndpoint e = { .family = ss->ss_family };

        if (ss->ss_family == AF_INET6) {
                const struct sockaddr_in6 *a = (const struct sockaddr_in6 *) ss;

                memcpy(e.addr, &a->sin6_addr, 16);
                e.port = ntohs(a->sin6_port);
        } else {
                const struct sockaddr_in *a = (const struct sockaddr_in *) ss;

                memcpy(e.addr, &a->sin_addr, 4);
                e.port = ntohs(a->sin_port);
        }
        return e;
}

/* Both ways of asking the kernel agree (netlink may be missing here, then only /proc). */
static void check_peer(const TcpEndpoint *ours, const TcpEndpoint *theirs, uid_t uid) {
        TcpPeer p = {};
        int r;

        assert_int_equal(tcp_peer_from_proc("/proc/net", ours, theirs, &p), 0);
        assert_int_equal(p.state, TCP_STATE_ESTABLISHED);
        assert_int_equal(p.uid, uid);
        p = (TcpPeer) {};
        r = tcp_peer_from_netlink(ours, theirs, &p);
        if (r == -EAFNOSUPPORT || r == -EPROTONOSUPPORT || r == -EPERM)
                return;
        assert_int_equal(r, 0);
        assert_int_equal(p.state, TCP_STATE_ESTABLISHED);
        assert_int_equal(p.uid, uid);
        assert_int_equal(tcp_peer(ours, theirs, &p), 0);
        assert_int_equal(p.uid, uid);
}

/* The real thing: a connection to a listener of ours is ours, before and
 * after accept(); the listener alone is no peer. */
static void test_peer_owner_real(void **state) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        struct sockaddr_storage mine, theirs;
        socklen_t len = sizeof sa;
        _cleanup_close_ int l = -1, c = -1, a = -1;
        TcpEndpoint ours, peer;
        TcpPeer p;

        l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(l >= 0);
        assert_int_equal(bind(l, (struct sockaddr *) &sa, sizeof sa), 0);
        assert_int_equal(listen(l, 1), 0);
        assert_int_equal(getsockname(l, (struct sockaddr *) &sa, &len), 0);
        c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(c >= 0);
        assert_int_equal(connect(c, (struct sockaddr *) &sa, sizeof sa), 0);

        len = sizeof mine;
        assert_int_equal(getsockname(c, (struct sockaddr *) &mine, &len), 0);
        len = sizeof theirs;
        assert_int_equal(getpeername(c, (struct sockaddr *) &theirs, &len), 0);
        ours = endpoint_of(&mine);
        peer = endpoint_of(&theirs);

        check_peer(&ours, &peer, geteuid());
        a = accept(l, NULL, NULL);
        assert_true(a >= 0);
        check_peer(&ours, &peer, geteuid());

        /* Nothing is connected from the listener's own address. */
        assert_int_equal(tcp_peer_from_proc("/proc/net", &peer, &peer, &p), -ESRCH);
        assert_int_equal(tcp_peer(&peer, &peer, &p), -ESRCH);
}

static void test_endpoint_from_string(void **state) {
        TcpEndpoint e;

        assert_int_equal(tcp_endpoint_from_string("::1", 80, &e), 0);
        assert_int_equal(e.family, AF_INET6);
        assert_int_equal(e.addr[15], 1);
        assert_int_equal(tcp_endpoint_from_string("localhost", 80, &e), -EINVAL);
        assert_int_equal(tcp_endpoint_from_string("127.0.0.1", 65536, &e), -EINVAL);
        assert_int_equal(tcp_endpoint_from_string("127.0.0.1", -1, &e), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_line),
                cmocka_unit_test(test_parse_line_refuses),
                cmocka_unit_test(test_find),
                cmocka_unit_test(test_peer_owner_mapped),
                cmocka_unit_test(test_peer_owner_real),
                cmocka_unit_test(test_endpoint_from_string),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
