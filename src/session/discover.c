/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "session/discover.h"
#include "shared/alloc-util.h"
#include "shared/fileio.h"
#include "shared/log.h"

#define GCS_COMM "gcs_server"
#define LOG_DIR_ARG "--log_dir="
#define SESSION_NAME_ARG "--session-name="
/* Ray's GCS command line is a few kilobytes; the bound is the docs' (docs/design.md §4.1). */
#define CMDLINE_MAX (64U * 1024U)
#define STATUS_MAX (16U * 1024U)

/* The value of the one argument starting with prefix: NULL when missing,
 * -EINVAL (in *ret) when given twice. */
static int find_arg(const char *cmdline, size_t size, const char *prefix, const char **ret) {
        const char *found = NULL;

        for (const char *p = cmdline, *e = cmdline + size; p < e; p += strnlen(p, e - p) + 1) {
                const char *v = startswith(p, prefix);

                if (!v)
                        continue;
                if (found)
                        return -EINVAL;
                found = v;
        }
        *ret = found;
        return found ? 0 : -EINVAL;
}

int gcs_cmdline_session(const char *cmdline, size_t size, char **ret_dir, char **ret_name) {
        _cleanup_free_ char *dir = NULL, *name = NULL;
        const char *log_dir, *session_name, *last;
        int64_t start_ms;
        size_t l;

        assert(cmdline || size == 0);
        assert(ret_dir);
        assert(ret_name);

        /* /proc/PID/cmdline ends with a NUL; a process that rewrote its
         * arguments may leave none, so the last one is bounded by size. */
        if (size == 0 || cmdline[size - 1] != 0)
                return -EINVAL;
        if (find_arg(cmdline, size, LOG_DIR_ARG, &log_dir) < 0 ||
            find_arg(cmdline, size, SESSION_NAME_ARG, &session_name) < 0)
                return -EINVAL;
        if (session_start_time_ms(session_name, &start_ms) < 0)
                return -EINVAL;

        l = strlen(log_dir);
        if (log_dir[0] != '/' || l <= strlen("/logs") || !streq(log_dir + l - strlen("/logs"), "/logs") ||
            l - strlen("/logs") >= PATH_MAX)
                return -EINVAL;
        /* The path reaches the journal and terminals: a control character is no path Ray makes. */
        for (const char *c = log_dir; *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                        return -EINVAL;
        dir = strndup(log_dir, l - strlen("/logs"));
        if (!dir)
                return -ENOMEM;
        last = strrchr(dir, '/') + 1;
        if (!streq(last, session_name))
                return -EINVAL;

        name = strdup(session_name);
        if (!name)
                return -ENOMEM;
        *ret_dir = TAKE_PTR(dir);
        *ret_name = TAKE_PTR(name);
        return 0;
}

/* Whether pid's comm is the GCS's, without allocating: this runs for every
 * process on the machine. */
static bool is_gcs(int proc_fd, const char *pid) {
        _cleanup_close_ int fd = -1;
        char path[32], comm[sizeof(GCS_COMM) + 1];
        ssize_t n;

        if ((size_t) snprintf(path, sizeof path, "%s/comm", pid) >= sizeof path)
                return false;
        fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return false;
        n = read(fd, comm, sizeof comm);
        return n == (ssize_t) strlen(GCS_COMM "\n") && memcmp(comm, GCS_COMM "\n", n) == 0;
}

/* The real uid (first field of "Uid:") and how many pids "NSpid:" lists (1
 * when the kernel has no such line: no nested namespaces then). */
static int parse_status(const char *text, uid_t *ret_uid, unsigned *ret_nspids) {
        const char *uid = NULL, *nspid = NULL;
        unsigned n = 0;
        char *end;
        unsigned long v;

        for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
                if (!uid)
                        uid = startswith(line, "Uid:");
                if (!nspid)
                        nspid = startswith(line, "NSpid:");
        }
        if (!uid)
                return -EBADMSG;
        uid += strspn(uid, " \t");
        errno = 0;
        v = strtoul(uid, &end, 10);
        if (errno != 0 || end == uid || !strchr(" \t", *end) || v >= (unsigned long) (uid_t) -1)
                return -EBADMSG;

        for (const char *p = nspid; p && *p && *p != '\n';) {
                p += strspn(p, " \t");
                if (*p == 0 || *p == '\n')
                        break;
                n++;
                p += strcspn(p, " \t\n");
        }

        *ret_uid = (uid_t) v;
        *ret_nspids = nspid ? n : 1;
        return 0;
}

static int add_foreign(HeadScan *scan, pid_t pid, uid_t uid, uid_t dir_uid, const char *path) {
        char *p;

        if (GREEDY_REALLOC(scan->foreign, scan->n_foreign_allocated, scan->n_foreign + 1) < 0)
                return -ENOMEM;
        p = strdup(path);
        if (!p)
                return -ENOMEM;
        scan->foreign[scan->n_foreign++] = (ForeignHead) { .pid = pid, .uid = uid, .dir_uid = dir_uid, .path = p };
        return 0;
}

static int add_head(HeadScan *scan, Session *s) {
        /* The state is kept per (Ray user, session name): one head each. */
        for (size_t i = 0; i < scan->n_heads; i++)
                if (scan->heads[i]->uid == s->uid && streq(scan->heads[i]->name, s->name)) {
                        log_debug("GCS %d names session %s again, already found (GCS %d), ignoring it.",
                                  (int) s->pid, s->path, (int) scan->heads[i]->pid);
                        session_free(s);
                        return 0;
                }
        if (GREEDY_REALLOC(scan->heads, scan->n_heads_allocated, scan->n_heads + 1) < 0) {
                session_free(s);
                return -ENOMEM;
        }
        scan->heads[scan->n_heads++] = s;
        return 0;
}

/* A gcs_server that is not a head of this machine: not an error, the scan goes on. */
#define skip(...) (log_debug(__VA_ARGS__), 0)

/* One gcs_server process: a head, a foreign one, or nothing (0 either way). */
static int examine(int proc_fd, const char *pid_name, HeadScan *scan) {
        _cleanup_session_ Session *s = NULL;
        _cleanup_free_ char *cmdline = NULL, *status = NULL;
        _cleanup_close_ int pid_fd = -1;
        size_t size;
        unsigned nspids;
        struct stat st;
        uid_t uid;
        int r;

        /* Every read below goes through this fd: if the process ends, they
         * fail instead of reading a new process that got its pid. */
        pid_fd = openat(proc_fd, pid_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pid_fd < 0)
                return 0;
        r = read_file_at(pid_fd, "cmdline", CMDLINE_MAX, 0, 0, &cmdline, &size);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return skip("Skipping gcs_server %s: cannot read its command line: %s", pid_name, strerror(-r));
        r = read_file_at(pid_fd, "status", STATUS_MAX, 0, 0, &status, NULL);
        if (r == -ENOMEM)
                return r;
        if (r >= 0)
                r = parse_status(status, &uid, &nspids);
        if (r < 0)
                return skip("Skipping gcs_server %s: cannot read its status: %s", pid_name, strerror(-r));
        if (nspids > 1)
                return skip("Skipping gcs_server %s: it runs in a nested PID namespace (a container's head).",
                            pid_name);

        s = calloc(1, sizeof(Session));
        if (!s)
                return -ENOMEM;
        s->fd = -1;
        s->pid = (pid_t) strtol(pid_name, NULL, 10);
        r = gcs_cmdline_session(cmdline, size, &s->path, &s->name);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return skip("Skipping gcs_server %s: no Ray session in its arguments.", pid_name);

        /* The last component is not followed; the ones before may be links
         * (an administrator's /tmp/ray on another disk), which is harmless:
         * whatever they lead to, only a directory of the GCS's own user counts. */
        s->fd = open(s->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s->fd < 0)
                return skip("Skipping gcs_server %s: %s is not a real directory: %s", pid_name, s->path,
                            strerror(errno));
        if (fstat(s->fd, &st) < 0)
                return skip("Skipping gcs_server %s: %s: %s", pid_name, s->path, strerror(errno));
        if (st.st_uid != uid)
                return add_foreign(scan, s->pid, uid, st.st_uid, s->path);

        s->uid = uid;
        s->gid = st.st_gid;
        return add_head(scan, TAKE_PTR(s));
}

static int newest_first(const void *a, const void *b) {
        const Session *x = *(Session *const *) a, *y = *(Session *const *) b;
        int64_t tx = 0, ty = 0;

        (void) session_start_time_ms(x->name, &tx);
        (void) session_start_time_ms(y->name, &ty);
        if (tx != ty)
                return tx < ty ? 1 : -1;
        return x->pid < y->pid ? 1 : x->pid > y->pid ? -1 : 0;
}

int heads_discover(int proc_fd, HeadScan *ret) {
        _cleanup_(head_scan_done) HeadScan scan = {};
        DIR *d;
        int r;

        assert(ret);

        r = opendir_at(proc_fd, &d);
        if (r < 0)
                return r;

        for (;;) {
                struct dirent *de;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        r = -errno;
                        break;
                }
                if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
                    strspn(de->d_name, "0123456789") != strlen(de->d_name) || strlen(de->d_name) > 10)
                        continue;
                if (!is_gcs(dirfd(d), de->d_name))
                        continue;
                r = examine(dirfd(d), de->d_name, &scan);
                if (r < 0)
                        break;
        }
        (void) closedir(d);
        if (r < 0)
                return r;

        if (scan.n_heads > 1)
                qsort(scan.heads, scan.n_heads, sizeof(Session *), newest_first);
        *ret = scan;
        scan = (HeadScan) {};
        return 0;
}

void head_scan_done(HeadScan *s) {
        assert(s);

        for (size_t i = 0; i < s->n_heads; i++)
                session_free(s->heads[i]);
        free(s->heads);
        for (size_t i = 0; i < s->n_foreign; i++)
                free(s->foreign[i].path);
        free(s->foreign);
        *s = (HeadScan) {};
}
