/* SPDX-License-Identifier: MIT */
/* An LD_PRELOAD shim for tests/crash-safety.sh: makes one kind of file
 * operation fail on the files a test names, as a full disk or a failing
 * device would.
 *
 *     RUS_FAULT=OP:ERRNO[:NTH]    OP: write, fsync, rename, create or malloc
 *                                 ERRNO: ENOSPC, EIO, EDQUOT, EROFS, EACCES or ENOMEM
 *                                 NTH: fail only the NTH matching call (1-based);
 *                                      default: every matching call
 *     RUS_FAULT_PATH=GLOB         fnmatch(3) pattern for the file's path
 *
 * write and fsync match the path of the descriptor's file, rename the new
 * name, create an open with O_CREAT. Only regular files are matched, so that
 * pipes, sockets and the terminal are never affected. Each injected failure
 * is counted in the file $RUS_FAULT_LOG (one line each) when set.
 *
 * malloc (tests/alloc-failure.sh) makes the NTH call of malloc, calloc or
 * realloc in the process that loaded the shim fail (not in a forked child:
 * one fault per run); RUS_FAULT_PATH is not used. At exit, that process
 * appends "allocations N" to $RUS_FAULT_LOG, so that a test knows the range
 * of NTH to try. RUS_FAULT_SPARE=TEXT spares (neither counts nor fails) the
 * allocations made from a library whose path contains TEXT: json-c's parser
 * crashes on a failed strdup() of a key (json_tokener, up to 0.16 at least),
 * which no caller can prevent.
 *
 * Build: cc -shared -fPIC -o faultinject.so faultinject.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REAL(name) ((__typeof__(&name)) dlsym(RTLD_NEXT, #name))

enum { OP_NONE, OP_WRITE, OP_FSYNC, OP_RENAME, OP_CREATE, OP_MALLOC };

static int fault_op = -1, fault_errno;
static long fault_nth, seen;
static pid_t fault_pid;

static void setup(void) {
        const char *spec = getenv("RUS_FAULT");
        char op[16] = "", err[16] = "";
        static const struct {
                const char *name;
                int value;
        } errnos[] = {
                { "ENOSPC", ENOSPC }, { "EIO", EIO }, { "EDQUOT", EDQUOT }, { "EROFS", EROFS }, { "EACCES", EACCES },
                { "ENOMEM", ENOMEM },
        };

        if (fault_op >= 0)
                return;
        fault_op = OP_NONE;
        if (!spec || sscanf(spec, "%15[a-z]:%15[A-Z]:%ld", op, err, &fault_nth) < 2)
                return;
        for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++)
                if (strcmp(err, errnos[i].name) == 0)
                        fault_errno = errnos[i].value;
        if (!fault_errno)
                return;
        fault_op = strcmp(op, "write") == 0  ? OP_WRITE
                   : strcmp(op, "fsync") == 0 ? OP_FSYNC
                   : strcmp(op, "rename") == 0 ? OP_RENAME
                   : strcmp(op, "create") == 0 ? OP_CREATE
                   : strcmp(op, "malloc") == 0 ? OP_MALLOC
                                               : OP_NONE;
        fault_pid = getpid();
}

static void note(const char *path) {
        const char *log = getenv("RUS_FAULT_LOG");
        int fd;

        if (!log)
                return;
        fd = REAL(open)(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
                return;
        dprintf(fd, "%s %s\n", getenv("RUS_FAULT"), path);
        close(fd);
}

/* Whether this call, of op on path, is the one to fail. */
static int should_fail(int op, const char *path) {
        const char *glob = getenv("RUS_FAULT_PATH");

        setup();
        if (op != fault_op || !path || !glob || fnmatch(glob, path, 0) != 0)
                return 0;
        seen++;
        if (fault_nth > 0 && seen != fault_nth)
                return 0;
        note(path);
        return 1;
}

static int fd_path(int fd, char *buf, size_t size) {
        char link[64];
        struct stat st;
        ssize_t n;

        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return -1;
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        n = readlink(link, buf, size - 1);
        if (n < 0)
                return -1;
        buf[n] = 0;
        return 0;
}

/* dirfd/name as an absolute path, as far as it can be told. */
static void at_path(int dirfd, const char *name, char *buf, size_t size) {
        char dir[PATH_MAX];
        char link[64];
        ssize_t n;

        if (name[0] == '/' || dirfd == AT_FDCWD) {
                snprintf(buf, size, "%s", name);
                return;
        }
        snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
        n = readlink(link, dir, sizeof dir - 1);
        if (n < 0)
                n = 0;
        dir[n] = 0;
        snprintf(buf, size, "%s/%s", dir, name);
}

ssize_t write(int fd, const void *buf, size_t count) {
        char path[PATH_MAX];

        if (fault_op != OP_NONE && fd > 2 && fd_path(fd, path, sizeof path) == 0 && should_fail(OP_WRITE, path)) {
                errno = fault_errno;
                return -1;
        }
        return REAL(write)(fd, buf, count);
}

int fsync(int fd) {
        char path[PATH_MAX];

        if (fault_op != OP_NONE && fd_path(fd, path, sizeof path) == 0 && should_fail(OP_FSYNC, path)) {
                errno = fault_errno;
                return -1;
        }
        return REAL(fsync)(fd);
}

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
        char path[PATH_MAX];

        if (fault_op != OP_NONE) {
                at_path(newdirfd, newpath, path, sizeof path);
                if (should_fail(OP_RENAME, path)) {
                        errno = fault_errno;
                        return -1;
                }
        }
        return REAL(renameat)(olddirfd, oldpath, newdirfd, newpath);
}

int rename(const char *oldpath, const char *newpath) {
        return renameat(AT_FDCWD, oldpath, AT_FDCWD, newpath);
}

static int open_common(int dirfd, const char *pathname, int flags, mode_t mode, int at) {
        char path[PATH_MAX];

        if (fault_op != OP_NONE && (flags & O_CREAT)) {
                at_path(dirfd, pathname, path, sizeof path);
                if (should_fail(OP_CREATE, path)) {
                        errno = fault_errno;
                        return -1;
                }
        }
        return at ? REAL(openat)(dirfd, pathname, flags, mode) : REAL(open)(pathname, flags, mode);
}

int openat(int dirfd, const char *pathname, int flags, ...) {
        mode_t mode = 0;

        if (flags & (O_CREAT | O_TMPFILE)) {
                va_list ap;

                va_start(ap, flags);
                mode = va_arg(ap, mode_t);
                va_end(ap);
        }
        setup();
        return open_common(dirfd, pathname, flags, mode, 1);
}

int openat64(int dirfd, const char *pathname, int flags, ...) __attribute__((alias("openat")));

int open(const char *pathname, int flags, ...) {
        mode_t mode = 0;

        if (flags & (O_CREAT | O_TMPFILE)) {
                va_list ap;

                va_start(ap, flags);
                mode = va_arg(ap, mode_t);
                va_end(ap);
        }
        setup();
        return open_common(AT_FDCWD, pathname, flags, mode, 0);
}

int open64(const char *pathname, int flags, ...) __attribute__((alias("open")));

#ifdef RUS_FAULT_MALLOC
/* Allocations, only in a shim built with -DRUS_FAULT_MALLOC (alloc-failure.sh):
 * a preloaded malloc breaks a sanitizer's runtime, which owns malloc, and the
 * other faults are injected into sanitizer builds too (crash-safety.sh).
 * glibc's own entry points underneath, so that no dlsym() (which allocates)
 * is needed. */
static int in_shim;
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);

/* Whether the allocation being made comes from the library RUS_FAULT_SPARE names. */
static int spared(void) {
        const char *spare = getenv("RUS_FAULT_SPARE");
        void *frames[6];
        int n;

        if (!spare || !*spare)
                return 0;
        n = backtrace(frames, 6);
        for (int i = 1; i < n; i++) {
                Dl_info info;

                if (dladdr(frames[i], &info) && info.dli_fname && strstr(info.dli_fname, spare))
                        return 1;
        }
        return 0;
}

static int should_fail_allocation(void) {
        int spare;

        if (in_shim)
                return 0;
        in_shim = 1;
        setup();
        spare = fault_op == OP_MALLOC && getpid() == fault_pid && spared();
        in_shim = 0;
        if (fault_op != OP_MALLOC || getpid() != fault_pid || spare)
                return 0;
        seen++;
        if (fault_nth > 0 && seen != fault_nth)
                return 0;
        in_shim = 1;
        note("allocation");
        in_shim = 0;
        return 1;
}

__attribute__((destructor)) static void count_allocations(void) {
        const char *log = getenv("RUS_FAULT_LOG");
        int fd;

        if (fault_op != OP_MALLOC || getpid() != fault_pid || !log)
                return;
        in_shim = 1;
        fd = REAL(open)(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) {
                dprintf(fd, "allocations %ld\n", seen);
                close(fd);
        }
        in_shim = 0;
}

void *malloc(size_t size) {
        if (should_fail_allocation()) {
                errno = fault_errno;
                return NULL;
        }
        return __libc_malloc(size);
}

void *calloc(size_t n, size_t size) {
        if (should_fail_allocation()) {
                errno = fault_errno;
                return NULL;
        }
        return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size) {
        if (should_fail_allocation()) {
                errno = fault_errno;
                return NULL;
        }
        return __libc_realloc(p, size);
}
#endif
