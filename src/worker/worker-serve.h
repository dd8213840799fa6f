/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>

#include "worker/worker.h"

/* The worker's side of the protocol (worker-serve.c): the ops, and the
 * dispatch that answers them as the Ray user. The parent's client
 * (worker.c) uses the op names from here and nothing else. */

typedef enum WorkerOp {
        WORKER_OP_DECIDE,
        WORKER_OP_OPEN,
        WORKER_OP_COLLECT,
        WORKER_OP_FINISH,
        WORKER_OP_RECORD_LIBRARY,
        _WORKER_OP_MAX,
        _WORKER_OP_INVALID = -EINVAL,
} WorkerOp;

/* The op's name on the wire, from the dispatch table. */
const char *worker_op_to_string(WorkerOp op);
/* -EINVAL for a name that is no op. */
WorkerOp worker_op_from_string(const char *s);

typedef struct WorkerState WorkerState;

/* The handlers' state for in (copied; what it points to must outlive it).
 * NULL when out of memory. */
WorkerState *worker_state_new(const WorkerInput *in);
WorkerState *worker_state_free(WorkerState *s);

/* The reply to one request: {"error": 0, ...} or {"error": -errno}. An op
 * not allowed in the state the earlier ops left is refused with -EPROTO,
 * an unknown op with -EOPNOTSUPP, a malformed request with -EBADMSG. NULL
 * when out of memory. */
json_object *worker_handle(WorkerState *s, json_object *request);

/* Answers requests on fd until the parent closes it; returns 0, or
 * a negative errno it has logged. */
int worker_serve(const WorkerInput *in, int fd);
