#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 17, weaknesses 5 and 6: the worker, which runs as the Ray user.
#   5. The Ray user could hold root's commands: SIGSTOP to their worker after
#      its last answer, and worker_stop() waited in waitpid() for as long as
#      they liked. Every wait on the worker has a deadline, then SIGKILL.
#   6. A taken-over worker could type into root's shell: it kept root's
#      controlling terminal on fd 0 (TIOCSTI needs no more) and the whole
#      service environment, credentials in endpoint URLs included. The
#      worker now has no controlling terminal (setsid), stdin and stdout on
#      /dev/null, stderr only through the parent, and an environment of one
#      named list without endpoint URLs or credentials.
#
# The moment "after the worker's last answer" is made deterministic without
# a hook in the program: root's stderr is a full pipe, so that root's first
# message after the last answer (`check`'s decision, before it stops the
# worker) holds root there while the test looks at the worker and stops it.
# `check` runs as the unit runs it (INVOCATION_ID set): a person's `check`
# first says whose settings it uses, before any worker exists.
#
# Needs root (useradd, setpriv, script); runs in a private network namespace.

RUS_SCRIPT_ARGS=("$@")
. "$(dirname "$0")/netns-lib.sh"
rus_private_netns
. "$(dirname "$0")/report-lib.sh"
rus_need_root_users
command -v script >/dev/null || skip "needs script (util-linux) for a controlling terminal"

rus_two_users
RAYU_UID=$(id -u "$RAYU")

start_head main
ray_temp_root

# A pipe that is full: whoever writes to it waits until held_drain.
held_pipe() {
        HELD=$TEST_TMP/held.fifo
        rm -f "$HELD"
        mkfifo "$HELD"
        exec 7<>"$HELD"
        python3 -c '
import fcntl, os
flags = fcntl.fcntl(7, fcntl.F_GETFL)
fcntl.fcntl(7, fcntl.F_SETFL, flags | os.O_NONBLOCK)
try:
    while True:
        os.write(7, b"x" * 4096)
except BlockingIOError:
    pass
fcntl.fcntl(7, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)' || need "the pipe could be filled" false
}

held_drain() {
        cat <&7 >/dev/null &
        DRAIN_PID=$!
        exec 7>&-
}

# What a case started ends with the case, failed or not (a case is a
# subshell: at_exit would run only at the end of the script).
end_case() {
        local p
        for p in ${WORKER:-} ${PARENT:-} ${DRAIN_PID:-} ${CASE_PID:-}; do
                kill -KILL "$p" 2>/dev/null
        done
}

# The process of root's command (the parent) and its worker, once the parent
# waits in write(2, ...) on the full pipe: sets PARENT and WORKER.
wait_held() { # COMMAND-PID
        local i
        PARENT= WORKER=
        for i in $(seq 200); do
                PARENT=$(pgrep -u 0 -x ray-usage-stats -P "$1" 2>/dev/null | head -1)
                [ -n "$PARENT" ] || PARENT=$(pgrep -u 0 -x ray-usage-stats | head -1)
                if [ -n "$PARENT" ] && read -r nr fd _ <"/proc/$PARENT/syscall" 2>/dev/null &&
                        [ "$nr" = 1 ] && [ "$fd" = 0x2 ]; then
                        WORKER=$(pgrep -u "$RAYU" -x ray-usage-stats | head -1)
                        [ -n "$WORKER" ] && return 0
                fi
                sleep 0.05
        done
        need "root's command waits on its stderr after the worker's last answer" false
}

case_sigstop() {
        ray_session
        held_pipe
        local start end pid
        start=$(date +%s%N)
        INVOCATION_ID=0123456789abcdef0123456789abcdef \
                timeout -k 5 60 "$RUS_BINARY" check >"$T_OUT" 2>"$HELD" </dev/null &
        pid=$!
        CASE_PID=$pid
        trap end_case EXIT
        wait_held "$pid"
        # The Ray user stops their worker: it answered everything it was asked.
        as_user "$RAYU" kill -STOP "$WORKER" || need "the Ray user may signal their worker" false
        held_drain
        wait "$pid"
        RC=$?
        end=$(date +%s%N)
        T_MS=$(((end - start) / 1000000))
        need "check was not held (exit $RC; 124 is the test's own timeout)" [ "$RC" -eq 0 ]
        within "$LIMIT_RUN_MS" "check with a stopped worker"
        need "the stopped worker was killed and reaped, not left behind" [ ! -e "/proc/$WORKER" ]
}
t "a worker SIGSTOPped by the Ray user after its last answer cannot hold root's check" case_sigstop

case_no_terminal() {
        ray_session
        held_pipe
        # Root's environment holds credentials: in the report URL, in the proxy, as a token.
        local pid stat environ
        RAY_USAGE_STATS_REPORT_URL=http://user:report-secret@127.0.0.1:${HEAD_PORT[main]}/report \
                RAY_USAGE_STATS_ADDITIONAL_REPORT_URLS=http://127.0.0.1:9/additional-endpoint \
                https_proxy=http://proxy-user:proxy-secret@127.0.0.1:9 RAY_AUTH_TOKEN=token-secret \
                INVOCATION_ID=0123456789abcdef0123456789abcdef \
                script -qec "exec $RUS_BINARY check 2>$HELD" /dev/null >"$T_OUT" </dev/null &
        pid=$!
        CASE_PID=$pid
        trap end_case EXIT
        wait_held "$pid"
        need "root's command has a controlling terminal (the test's pty)" \
                [ "$(awk '{print $7}' "/proc/$PARENT/stat")" != 0 ]
        stat=$(cat "/proc/$WORKER/stat")
        environ=$(tr '\0' '\n' <"/proc/$WORKER/environ")
        need "the worker has no controlling terminal: TIOCSTI is impossible (tty_nr $(echo "$stat" | awk '{print $7}'))" \
                [ "$(echo "$stat" | awk '{print $7}')" = 0 ]
        need "the worker leads its own session" [ "$(echo "$stat" | awk '{print $6}')" = "$WORKER" ]
        need "its stdin is /dev/null" [ "$(readlink "/proc/$WORKER/fd/0")" = /dev/null ]
        need "its stdout is /dev/null" [ "$(readlink "/proc/$WORKER/fd/1")" = /dev/null ]
        need "its stderr goes to the parent, not to root's terminal or stderr" \
                [ "$(readlink "/proc/$WORKER/fd/2")" != "$(readlink "/proc/$PARENT/fd/2")" ] &&
                [[ "$(readlink "/proc/$WORKER/fd/2")" == pipe:* ]]
        need "no credential in its environment: $(echo "$environ" | grep -c secret) found" \
                [ "$(echo "$environ" | grep -c secret)" -eq 0 ]
        need "no report endpoint in its environment" \
                [ "$(echo "$environ" | grep -cE 'REPORT_URL|additional-endpoint|_proxy')" -eq 0 ]
        need "its environment is the named list only (no PATH, no HOME of root)" \
                [ "$(echo "$environ" | grep -cE '^(PATH|HOME|USER|SHELL|TERM)=')" -eq 0 ]
        need "the settings it needs are kept" echo "$environ" | grep -q '^RAY_USAGE_STATS_DASHBOARD_URL='
        held_drain
        wait "$pid"
        need "check exits 0" [ "$?" -eq 0 ]
}
t "a taken-over worker cannot type into root's terminal: no controlling tty, stdin /dev/null, no credentials" \
        case_no_terminal

t_end
