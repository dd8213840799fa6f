/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Who owns the other end of a local TCP connection (SPEC 4.2: the dashboard
 * must belong to the Ray user). The kernel lists every TCP socket of the
 * network namespace in /proc/net/tcp and /proc/net/tcp6 with the uid of the
 * process that created it (for an accepted socket: of the accepting process;
 * before accept(), and for a half-open request: of the listener). The text
 * is the kernel's but read by a program that starts as root, so it is
 * parsed strictly, line by line, in bounded space and time. */

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
        unsigned state;       /* the kernel's TCP_* number (1 ESTABLISHED ... 10 LISTEN, 12 NEW_SYN_RECV) */
        uid_t uid;
} ProcNetTcpEntry;

/* One line of /proc/net/tcp (family AF_INET) or tcp6 (AF_INET6), without
 * its newline: "  sl: LOCAL:PORT REMOTE:PORT ST ... UID ...". 0 and *ret, or
 * -EBADMSG (the header line included). */
int proc_net_tcp_parse_line(const char *line, size_t len, int family, ProcNetTcpEntry *ret);

/* Scans one such file for the socket whose local end is `local` and remote
 * end `remote`. 1 and *ret_uid when found, 0 when not, -EBADMSG for a line
 * that does not parse or a line longer than 4096 bytes, -E2BIG past
 * PROC_NET_TCP_MAX_LINES, -errno for a read error. */
int proc_net_tcp_find(FILE *f, int family, const TcpEndpoint *local, const TcpEndpoint *remote, uid_t *ret_uid);

/* The owner of the peer socket of our connection ours -> theirs (as
 * getsockname()/getpeername() give them): the socket whose local end is
 * theirs and whose remote end is ours, looked up in <proc_net>/tcp and, for
 * IPv4 (a dual-stack listener's sockets are listed there, v4-mapped), in
 * <proc_net>/tcp6. proc_net is normally "/proc/net". 0 and *ret_uid;
 * -ESRCH when no such socket is listed (not a local peer); other errors as
 * proc_net_tcp_find() and fopen(). */
int tcp_peer_owner(const char *proc_net, const TcpEndpoint *ours, const TcpEndpoint *theirs, uid_t *ret_uid);

/* "127.0.0.1"/"::1" and a port to *ret: 0, or -EINVAL. */
int tcp_endpoint_from_string(const char *ip, int port, TcpEndpoint *ret);
