#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A stand-in for journald's native socket, for tests on machines without
journald: receives what sd_journal_sendv() sends on --socket (datagrams, or a
memfd passed with SCM_RIGHTS for big entries) and appends each entry to --out
in journal export format, with the trusted fields journald would add
(__REALTIME_TIMESTAMP, _HOSTNAME, _MACHINE_ID, ...). `systemd-journal-remote
-o FILE.journal - < OUT` then makes a real journal file of it."""
import argparse
import array
import os
import socket
import time

p = argparse.ArgumentParser()
p.add_argument("--socket", required=True)
p.add_argument("--out", required=True)
p.add_argument("--hostname", default="rus-test-host")
p.add_argument("--machine-id", default="0123456789abcdef0123456789abcdef")
p.add_argument("--ready", required=True, help="file created once listening")
a = p.parse_args()

s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
try:
    os.unlink(a.socket)
except FileNotFoundError:
    pass
s.bind(a.socket)
os.chmod(a.socket, 0o666)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
open(a.ready, "w").close()

boot = "fedcba9876543210fedcba9876543210"
while True:
    fds = array.array("i")
    data, anc, _, _ = s.recvmsg(1 << 20, socket.CMSG_LEN(4 * fds.itemsize))
    for level, kind, blob in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(blob[: len(blob) - len(blob) % fds.itemsize])
    for fd in fds:
        with os.fdopen(fd, "rb") as f:
            data = f.read()
    if not data:
        continue
    if not data.endswith(b"\n"):
        data += b"\n"
    head = ("__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=%s\n_HOSTNAME=%s\n_MACHINE_ID=%s\n"
            % (time.time_ns() // 1000, time.monotonic_ns() // 1000, boot, a.hostname, a.machine_id))
    with open(a.out, "ab") as f:
        f.write(head.encode() + data + b"\n")
