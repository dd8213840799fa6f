/* SPDX-License-Identifier: MIT */
/* walk: the least a discovery pass over /proc can cost, for
 * bench/discovery.sh to measure beside the product: one readdir() of /proc
 * and, for each pid, openat() + read() + close() of its comm. Prints how
 * many processes are named gcs_server. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
        struct dirent *de;
        unsigned found = 0;
        DIR *d = opendir("/proc");

        if (!d)
                return 1;
        while ((de = readdir(d))) {
                char path[300], comm[32];
                ssize_t n;
                int fd;

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof path, "%s/comm", de->d_name);
                fd = openat(dirfd(d), path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                n = read(fd, comm, sizeof comm);
                close(fd);
                if (n == (ssize_t) strlen("gcs_server\n") && memcmp(comm, "gcs_server\n", n) == 0)
                        found++;
        }
        closedir(d);
        printf("%u\n", found);
        return 0;
}
