/* SPDX-License-Identifier: MIT */
/* Runs argv[1..] once and prints "wall_us cpu_us maxrss_kib exit" on stdout.
 * measure.py uses this small launcher because a child forked from Python
 * starts with Python's resident set, which getrusage() would then report
 * as the measured command's peak RSS. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
        struct timespec a, b;
        struct rusage ru;
        int status;
        pid_t pid;

        if (argc < 2)
                return 2;
        clock_gettime(CLOCK_MONOTONIC, &a);
        pid = fork();
        if (pid < 0)
                return 2;
        if (pid == 0) {
                execvp(argv[1], argv + 1);
                _exit(127);
        }
        if (wait4(pid, &status, 0, &ru) < 0)
                return 2;
        clock_gettime(CLOCK_MONOTONIC, &b);
        printf("%lld %lld %ld %d\n",
               (long long) ((b.tv_sec - a.tv_sec) * 1000000LL + (b.tv_nsec - a.tv_nsec) / 1000),
               (long long) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec,
               ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return 0;
}
