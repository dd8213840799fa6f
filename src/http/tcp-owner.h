/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Who owns the other end of a local TCP connection (docs/design.md §4.2: the dashboard
 * must belong to the Ray user). The kernel knows every TCP socket of the
 * network namespace with the uid of the process that created it (for an
 * accepted socket: of the accepting process; before accept(): of the
 * listener). It answers for exactly one connection over sock_diag netlink,
 * in microseconds; /proc/net/tcp and tcp6 list them all, which costs the
 * kernel a walk of its whole socket table (50 ms of CPU with 13,000 sockets)
 * and is only the fallback when netlink is not available. That text is the
 * kernel's but read by a program that starts as root, so it is parsed
 * strictly, line by line, in bounded space and time. */

#define TCP_STATE_ESTABLISHED 1U
#define TCP_STATE_SYN_RECV 3U

/* More sockets than this in one file: give up rather than spend the whole
 * dashboard phase reading (about 150 bytes a line). */
#define PROC_NET_TCP_MAX_LINES (1U << 20)

typedef struct TcpEndpoint {
        int family;           /* AF_INET or AF_INET6 */
        uint8_t addr[16];     /* network order; the first 4 bytes for AF_INET */
        uint16_t port;        /* host order */
} TcpEndpoint;

typedef struct ProcNetTcpEntry {
        TcpEndpoint local, remote;
        unsigned state;       /* the kernel's TCP_* (1 ESTABLISHED, 3 SYN_RECV, 6 TIME_WAIT, 10 LISTEN) */
        uid_t uid;
} ProcNetTcpEntry;

/* The other end of a connection, as the kernel describes it. */
typedef struct TcpPeer {
        unsigned state;       /* TCP_* as above */
        uid_t uid;            /* meaningful for TCP_ESTABLISHED only: a half-open or closed end reports 0 */
} TcpPeer;

/* One line of /proc/net/tcp (family AF_INET) or tcp6 (AF_INET6), without
 * its newline: "  sl: LOCAL:PORT REMOTE:PORT ST ... UID ...". 0 and *ret, or
 * -EBADMSG (the header line included). */
int proc_net_tcp_parse_line(const char *line, size_t len, int family, ProcNetTcpEntry *ret);

/* Scans one such file for the socket whose local end is `local` and remote
 * end `remote`. 1 and *ret when found, 0 when not, -EBADMSG for a line that
 * does not parse or a line longer than 4096 bytes, -E2BIG past
 * PROC_NET_TCP_MAX_LINES, -errno for a read error. */
int proc_net_tcp_find(FILE *f, int family, const TcpEndpoint *local, const TcpEndpoint *remote,
                      ProcNetTcpEntry *ret);

/* The peer socket of our connection ours -> theirs (as getsockname() and
 * getpeername() give them): the socket whose local end is theirs and whose
 * remote end is ours, looked up in <proc_net>/tcp and, for IPv4 (a
 * dual-stack listener's sockets are listed there, v4-mapped), in
 * <proc_net>/tcp6. proc_net is normally "/proc/net". 0 and *ret; -ESRCH
 * when no such socket is listed (not a local peer); other errors as
 * proc_net_tcp_find() and fopen(). */
int tcp_peer_from_proc(const char *proc_net, const TcpEndpoint *ours, const TcpEndpoint *theirs,
                       TcpPeer *ret);

/* The same from sock_diag netlink: -ESRCH when the kernel knows no such
 * socket, -EAFNOSUPPORT/-EPROTONOSUPPORT/-EPERM... when netlink or the
 * tcp_diag module is not there (the caller falls back to /proc), -EBADMSG
 * for an answer that is not netlink's. */
int tcp_peer_from_netlink(const TcpEndpoint *ours, const TcpEndpoint *theirs, TcpPeer *ret);

/* netlink first, /proc/net when netlink is unavailable. */
int tcp_peer(const TcpEndpoint *ours, const TcpEndpoint *theirs, TcpPeer *ret);

/* "127.0.0.1"/"::1" and a port to *ret: 0, or -EINVAL. */
int tcp_endpoint_from_string(const char *ip, int port, TcpEndpoint *ret);
