/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include "http/tcp-owner.h"
#include "shared/macro.h"

#define LINE_MAX_BYTES 4096

/* Exactly n hex digits (the kernel's %0nX) at *p: the value, *p moved on. */
static int hex_field(const char **p, const char *end, size_t n, uint32_t *ret) {
        uint32_t v = 0;

        if ((size_t) (end - *p) < n)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                char c = (*p)[i];
                unsigned d;

                if (c >= '0' && c <= '9')
                        d = c - '0';
                else if (c >= 'A' && c <= 'F')
                        d = c - 'A' + 10;
                else if (c >= 'a' && c <= 'f')
                        d = c - 'a' + 10;
                else
                        return -EBADMSG;
                v = v << 4 | d;
        }
        *p += n;
        *ret = v;
        return 0;
}

static int expect(const char **p, const char *end, char c) {
        if (*p >= end || **p != c)
                return -EBADMSG;
        (*p)++;
        return 0;
}

static void skip_spaces(const char **p, const char *end) {
        while (*p < end && **p == ' ')
                (*p)++;
}

/* ADDR:PORT, the address as the kernel prints it: each 32-bit word of the
 * network-order address as a native-endian integer in %08X. */
static int endpoint_field(const char **p, const char *end, int family, TcpEndpoint *ret) {
        size_t words = family == AF_INET6 ? 4 : 1;
        uint32_t v;

        *ret = (TcpEndpoint) { .family = family };
        for (size_t i = 0; i < words; i++) {
                if (hex_field(p, end, 8, &v) < 0)
                        return -EBADMSG;
                memcpy(ret->addr + 4 * i, &v, sizeof v);
        }
        if (expect(p, end, ':') < 0 || hex_field(p, end, 4, &v) < 0)
                return -EBADMSG;
        ret->port = (uint16_t) v;
        return 0;
}

int proc_net_tcp_parse_line(const char *line, size_t len, int family, ProcNetTcpEntry *ret) {
        const char *p = line, *end = line + len, *digits;
        ProcNetTcpEntry e = {};
        uint32_t v;
        uint64_t uid = 0;

        assert(line || len == 0);
        assert(family == AF_INET || family == AF_INET6);
        assert(ret);

        /* "%4d: " */
        skip_spaces(&p, end);
        digits = p;
        while (p < end && *p >= '0' && *p <= '9' && p - digits < 10)
                p++;
        if (p == digits || expect(&p, end, ':') < 0 || expect(&p, end, ' ') < 0)
                return -EBADMSG;

        if (endpoint_field(&p, end, family, &e.local) < 0 || expect(&p, end, ' ') < 0 ||
            endpoint_field(&p, end, family, &e.remote) < 0 || expect(&p, end, ' ') < 0 ||
            hex_field(&p, end, 2, &v) < 0 || expect(&p, end, ' ') < 0)
                return -EBADMSG;
        e.state = v;

        /* tx_queue:rx_queue tr:tm->when retrnsmt */
        if (hex_field(&p, end, 8, &v) < 0 || expect(&p, end, ':') < 0 || hex_field(&p, end, 8, &v) < 0 ||
            expect(&p, end, ' ') < 0 || hex_field(&p, end, 2, &v) < 0 || expect(&p, end, ':') < 0 ||
            hex_field(&p, end, 8, &v) < 0 || expect(&p, end, ' ') < 0 || hex_field(&p, end, 8, &v) < 0)
                return -EBADMSG;

        /* "%5u" of the uid as seen from our user namespace (65534 when unmapped). */
        skip_spaces(&p, end);
        digits = p;
        while (p < end && *p >= '0' && *p <= '9') {
                uid = uid * 10 + (uint64_t) (*p - '0');
                if (uid > UINT32_MAX - 1) /* (uid_t) -1 is no uid */
                        return -EBADMSG;
                p++;
        }
        if (p == digits || (p < end && *p != ' '))
                return -EBADMSG;
        e.uid = (uid_t) uid;

        *ret = e;
        return 0;
}

static bool endpoint_equal(const TcpEndpoint *a, const TcpEndpoint *b) {
        return a->family == b->family && a->port == b->port &&
               memcmp(a->addr, b->addr, a->family == AF_INET6 ? 16 : 4) == 0;
}

int proc_net_tcp_find(FILE *f, int family, const TcpEndpoint *local, const TcpEndpoint *remote,
                      ProcNetTcpEntry *ret) {
        char line[LINE_MAX_BYTES + 2];
        size_t lines = 0;

        assert(f);
        assert(local);
        assert(remote);
        assert(ret);

        while (fgets(line, sizeof line, f)) {
                size_t len = strlen(line);
                ProcNetTcpEntry e;

                if (++lines > PROC_NET_TCP_MAX_LINES)
                        return -E2BIG;
                if (len > 0 && line[len - 1] == '\n')
                        line[--len] = 0;
                else if (!feof(f))
                        return -EBADMSG; /* longer than any line the kernel writes */
                if (lines == 1)
                        continue; /* the column titles */
                if (proc_net_tcp_parse_line(line, len, family, &e) < 0)
                        return -EBADMSG;
                if (endpoint_equal(&e.local, local) && endpoint_equal(&e.remote, remote)) {
                        *ret = e;
                        return 1;
                }
        }
        return ferror(f) ? -EIO : 0;
}

static int find_in(const char *proc_net, const char *name, int family, const TcpEndpoint *local,
                   const TcpEndpoint *remote, ProcNetTcpEntry *ret) {
        _cleanup_fclose_ FILE *f = NULL;
        char path[512];

        snprintf(path, sizeof path, "%s/%s", proc_net, name);
        f = fopen(path, "re");
        if (!f)
                return negative_errno();
        return proc_net_tcp_find(f, family, local, remote, ret);
}

static TcpEndpoint v4_mapped(const TcpEndpoint *e) {
        TcpEndpoint m = { .family = AF_INET6, .port = e->port };

        m.addr[10] = m.addr[11] = 0xff;
        memcpy(m.addr + 12, e->addr, 4);
        return m;
}

int tcp_peer_from_proc(const char *proc_net, const TcpEndpoint *ours, const TcpEndpoint *theirs,
                       TcpPeer *ret) {
        ProcNetTcpEntry e;
        int r;

        assert(proc_net);
        assert(ours);
        assert(theirs);
        assert(ret);

        if (ours->family != theirs->family)
                return -EINVAL;
        if (ours->family == AF_INET6)
                r = find_in(proc_net, "tcp6", AF_INET6, theirs, ours, &e);
        else {
                TcpEndpoint mapped_ours = v4_mapped(ours), mapped_theirs = v4_mapped(theirs);

                r = find_in(proc_net, "tcp", AF_INET, theirs, ours, &e);
                /* A kernel without IPv6 has no tcp6: nothing more to look at. */
                if (r == 0)
                        r = find_in(proc_net, "tcp6", AF_INET6, &mapped_theirs, &mapped_ours, &e);
                if (r == -ENOENT)
                        r = 0;
        }
        if (r < 0)
                return r;
        if (r == 0)
                return -ESRCH;
        /* /proc lists a half-open connection with its listener's uid, a closed
         * one with 0: only an established end's uid is its process's. */
        *ret = (TcpPeer) { .state = e.state, .uid = e.state == TCP_STATE_ESTABLISHED ? e.uid : 0 };
        return 0;
}

int tcp_peer_from_netlink(const TcpEndpoint *ours, const TcpEndpoint *theirs, TcpPeer *ret) {
        struct {
                struct nlmsghdr nlh;
                struct inet_diag_req_v2 r;
        } req = {
                .nlh = {
                        .nlmsg_len = sizeof req,
                        .nlmsg_type = SOCK_DIAG_BY_FAMILY,
                        .nlmsg_flags = NLM_F_REQUEST,
                        .nlmsg_seq = 1,
                },
                .r = {
                        .sdiag_family = (uint8_t) theirs->family,
                        .sdiag_protocol = IPPROTO_TCP,
                        .idiag_states = ~0U,
                        .id = {
                                .idiag_sport = htons(theirs->port),
                                .idiag_dport = htons(ours->port),
                                .idiag_cookie = { INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE },
                        },
                },
        };
        union {
                struct nlmsghdr nlh;
                uint8_t bytes[4096];
        } answer;
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
        size_t addr_len = theirs->family == AF_INET6 ? 16 : 4;
        _cleanup_close_ int fd = -1;
        const struct inet_diag_msg *m;
        ssize_t n;

        assert(ours);
        assert(theirs);
        assert(ret);

        if (ours->family != theirs->family)
                return -EINVAL;
        memcpy(req.r.id.idiag_src, theirs->addr, addr_len);
        memcpy(req.r.id.idiag_dst, ours->addr, addr_len);

        fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        if (fd < 0)
                return negative_errno();
        if (sendto(fd, &req, sizeof req, 0, (struct sockaddr *) &kernel, sizeof kernel) < 0)
                return negative_errno();
        do
                n = recv(fd, &answer, sizeof answer, 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();

        if ((size_t) n < sizeof(struct nlmsghdr) || answer.nlh.nlmsg_len > (size_t) n ||
            answer.nlh.nlmsg_len < sizeof(struct nlmsghdr))
                return -EBADMSG;
        if (answer.nlh.nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(&answer.nlh);

                if (answer.nlh.nlmsg_len < NLMSG_LENGTH(sizeof *e) || e->error >= 0)
                        return -EBADMSG;
                /* No such socket; or no tcp_diag in this kernel, for the fallback. */
                return e->error == -ENOENT ? -ESRCH : e->error;
        }
        if (answer.nlh.nlmsg_type != SOCK_DIAG_BY_FAMILY || answer.nlh.nlmsg_len < NLMSG_LENGTH(sizeof *m))
                return -EBADMSG;
        m = NLMSG_DATA(&answer.nlh);
        /* Without an exact match the kernel answers with the listener on that
         * port: not the connection's other end. */
        if (m->id.idiag_sport != req.r.id.idiag_sport || m->id.idiag_dport != req.r.id.idiag_dport ||
            memcmp(m->id.idiag_src, theirs->addr, addr_len) != 0 ||
            memcmp(m->id.idiag_dst, ours->addr, addr_len) != 0)
                return -ESRCH;
        /* A request socket (SYN_RECV) or a time-wait one reports uid 0. */
        *ret = (TcpPeer) {
                .state = m->idiag_state,
                .uid = m->idiag_state == TCP_STATE_ESTABLISHED ? m->idiag_uid : 0,
        };
        return 0;
}

int tcp_peer(const TcpEndpoint *ours, const TcpEndpoint *theirs, TcpPeer *ret) {
        int r;

        r = tcp_peer_from_netlink(ours, theirs, ret);
        if (r >= 0 || r == -ESRCH || r == -EBADMSG || r == -EINVAL)
                return r;
        return tcp_peer_from_proc("/proc/net", ours, theirs, ret);
}

int tcp_endpoint_from_string(const char *ip, int port, TcpEndpoint *ret) {
        TcpEndpoint e = {};

        assert(ip);
        assert(ret);

        if (port < 0 || port > 65535)
                return -EINVAL;
        if (inet_pton(AF_INET, ip, e.addr) == 1)
                e.family = AF_INET;
        else if (inet_pton(AF_INET6, ip, e.addr) == 1)
                e.family = AF_INET6;
        else
                return -EINVAL;
        e.port = (uint16_t) port;
        *ret = e;
        return 0;
}
