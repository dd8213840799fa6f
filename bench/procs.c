/* SPDX-License-Identifier: MIT */
/* procs N: makes N idle processes and holds them until SIGTERM, SIGINT or
 * SIGHUP, then ends each by its pid (SIGKILL) and reaps it. Prints "ready N"
 * once all N run. bench/discovery.sh uses it to give discovery a machine's
 * worth of processes to walk. A child that loses this parent, however it
 * ends, is killed by the kernel (PR_SET_PDEATHSIG), so none outlives it.
 * The children are forks of this small program: a few pages each. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
        (void) sig;
        stop = 1;
}

static void end_all(const pid_t *pids, long n) {
        for (long i = 0; i < n; i++)
                (void) kill(pids[i], SIGKILL);
        for (long i = 0; i < n; i++)
                while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
                        ;
}

int main(int argc, char *argv[]) {
        struct sigaction sa = { .sa_handler = on_signal };
        sigset_t block, old;
        pid_t parent = getpid(), *pids;
        char *end;
        long n, made;

        if (argc != 2 || (n = strtol(argv[1], &end, 10)) <= 0 || *end || n > 1000000) {
                fprintf(stderr, "usage: procs N (1 to 1000000)\n");
                return 2;
        }
        pids = calloc(n, sizeof(pid_t));
        if (!pids) {
                fprintf(stderr, "procs: out of memory\n");
                return 1;
        }

        /* The stop signals wait until every child exists: no child is left
         * out of end_all(). */
        sigemptyset(&block);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGHUP);
        sigprocmask(SIG_BLOCK, &block, &old);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);

        for (made = 0; made < n; made++) {
                pid_t pid = fork();
                if (pid < 0) {
                        fprintf(stderr, "procs: fork failed after %ld processes: %s\n", made, strerror(errno));
                        end_all(pids, made);
                        return 1;
                }
                if (pid == 0) {
                        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                                _exit(0);
                        for (;;)
                                pause();
                }
                pids[made] = pid;
        }
        printf("ready %ld\n", n);
        fflush(stdout);

        while (!stop)
                sigsuspend(&old);
        end_all(pids, n);
        free(pids);
        return 0;
}
