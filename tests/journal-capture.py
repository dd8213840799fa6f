#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A stand-in for journald's native socket, for tests on machines without
journald: receives what sd_journal_sendv() sends on --socket (datagrams, or a
memfd passed with SCM_RIGHTS for big entries) and appends each entry to --out
in journal export format, with the trusted fields journald would add
(__REALTIME_TIMESTAMP, _HOSTNAME, _MACHINE_ID, and from the sender's
credentials _PID, _UID, _GID, _COMM, _EXE, _SYSTEMD_UNIT), dropping the
fields starting with "_" that the sender set itself, as journald does. `systemd-journal-remote
-o FILE.journal - < OUT` then makes a real journal file of it."""
import argparse
import array
import os
import socket
import struct
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
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
open(a.ready, "w").close()



def fields(data):
    """The native protocol's fields: NAME=value lines, or NAME, a 64-bit
    little-endian size, the value and a newline."""
    i = 0
    while i < len(data):
        nl = data.find(b"\n", i)
        if nl < 0:
            nl = len(data)
        line = data[i:nl]
        if b"=" in line:
            yield line.split(b"=", 1)[0], data[i : nl + 1]
            i = nl + 1
        elif line:
            (size,) = struct.unpack_from("<Q", data, nl + 1)
            end = nl + 9 + size + 1
            yield line, data[i:end]
            i = end
        else:
            i = nl + 1


def read_proc(pid, name):
    try:
        if name == "exe":
            return os.readlink("/proc/%d/exe" % pid)
        with open("/proc/%d/%s" % (pid, name)) as f:
            return f.read().rstrip("\n")
    except OSError:
        return None


def trusted(pid, uid, gid):
    """What journald takes from the kernel, never from the sender."""
    t = "_PID=%d\n_UID=%d\n_GID=%d\n" % (pid, uid, gid)
    for field, name in (("_COMM", "comm"), ("_EXE", "exe")):
        v = read_proc(pid, name)
        if v:
            t += "%s=%s\n" % (field, v)
    cgroup = read_proc(pid, "cgroup") or ""
    for part in cgroup.split("/"):
        if part.endswith(".service") or part.endswith(".scope"):
            t += "_SYSTEMD_UNIT=%s\n" % part
            break
    return t


boot = "fedcba9876543210fedcba9876543210"
while True:
    fds = array.array("i")
    creds = None
    data, anc, _, _ = s.recvmsg(1 << 20, socket.CMSG_LEN(4 * fds.itemsize) + socket.CMSG_SPACE(12))
    for level, kind, blob in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(blob[: len(blob) - len(blob) % fds.itemsize])
        elif level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            creds = struct.unpack("iII", blob[:12])
    for fd in fds:
        with os.fdopen(fd, "rb") as f:
            data = f.read()
    if not data:
        continue
    if not data.endswith(b"\n"):
        data += b"\n"
    data = b"".join(raw for name, raw in fields(data) if not name.startswith(b"_"))
    head = ("__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=%s\n_HOSTNAME=%s\n_MACHINE_ID=%s\n"
            % (time.time_ns() // 1000, time.monotonic_ns() // 1000, boot, a.hostname, a.machine_id))
    if creds:
        head += trusted(*creds)
    with open(a.out, "ab") as f:
        f.write(head.encode() + data + b"\n")
