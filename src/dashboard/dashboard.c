/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "dashboard/dashboard.h"
#include "http/http.h"
#include "shared/fileio.h"
#include "shared/strv.h"
#include "shared/time-util.h"

#define TOKEN_MAX_SIZE 4096U

struct DashboardClient {
        char *base_url;         /* without trailing slash */
        char *token;
        char *authorization;    /* "Authorization: Bearer <token>" once the head asked for it */
        uid_t owner;            /* whose dashboard socket may be asked (root's always) */
        uint64_t deadline_usec; /* CLOCK_MONOTONIC end of the phase */
        bool auth_checked;
        bool refused;
        bool foreign;           /* the socket belongs to another user: nothing more is asked */
        char **failed_calls;
};

const char *dashboard_default_url(void) {
        return "http://127.0.0.1:8265";
}

static char *strip(char *s) {
        char *end;

        s += strspn(s, " \t\r\n\v\f");
        end = s + strlen(s);
        while (end > s && strchr(" \t\r\n\v\f", end[-1]))
                end--;
        *end = 0;
        return s;
}

static int token_from(const char *raw, char **ret) {
        _cleanup_free_ char *copy = strdup(raw);
        char *t;

        if (!copy)
                return -ENOMEM;
        t = strip(copy);
        for (const char *p = t; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        return -EBADMSG; /* would allow header injection */
        if (!*t) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(t);
        return *ret ? 0 : -ENOMEM;
}

static int token_from_file(const char *path, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size;
        int r;

        r = read_file_at(AT_FDCWD, path, TOKEN_MAX_SIZE, READ_REGULAR, 0, &buf, &size);
        if (r == -ENOENT) {
                *ret = NULL;
                return 0;
        }
        if (r < 0)
                return r;
        if (strlen(buf) != size)
                return -EBADMSG;
        return token_from(buf, ret);
}

int dashboard_load_token(bool use_env, const char *home, char **ret) {
        _cleanup_free_ char *path = NULL;
        const char *e;

        assert(ret);

        /* Ray's order: the variable, the file it names, the default file. */
        e = use_env ? getenv("RAY_AUTH_TOKEN") : NULL;
        if (!isempty(e))
                return token_from(e, ret);
        e = use_env ? getenv("RAY_AUTH_TOKEN_PATH") : NULL;
        if (!isempty(e))
                return token_from_file(e, ret);
        if (isempty(home)) {
                *ret = NULL;
                return 0;
        }
        if (asprintf(&path, "%s/.ray/auth_token", home) < 0)
                return -ENOMEM;
        return token_from_file(path, ret);
}

int dashboard_client_new(const char *base_url, const char *token, uid_t owner, DashboardClient **ret) {
        _cleanup_dashboard_client_ DashboardClient *c = NULL;
        size_t n;

        assert(base_url);
        assert(ret);

        if (!startswith(base_url, "http://") && !startswith(base_url, "https://"))
                return -EINVAL;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->deadline_usec = now(CLOCK_MONOTONIC) + DASHBOARD_PHASE_TIMEOUT_MS * USEC_PER_MSEC;
        c->owner = owner;

        c->base_url = strdup(base_url);
        if (!c->base_url)
                return -ENOMEM;
        n = strlen(c->base_url);
        while (n > 0 && c->base_url[n - 1] == '/')
                c->base_url[--n] = 0;

        if (token) {
                c->token = strdup(token);
                if (!c->token)
                        return -ENOMEM;
        }

        *ret = TAKE_PTR(c);
        return 0;
}

DashboardClient *dashboard_client_free(DashboardClient *c) {
        if (!c)
                return NULL;
        free(c->base_url);
        if (c->token)
                explicit_bzero(c->token, strlen(c->token));
        free(c->token);
        if (c->authorization)
                explicit_bzero(c->authorization, strlen(c->authorization));
        free(c->authorization);
        strv_free(c->failed_calls);
        free(c);
        return NULL;
}

static int add_failure(DashboardClient *c, const char *path, const char *reason) {
        char *s;
        int r;

        if (asprintf(&s, "GET %s: %s", path, reason) < 0)
                return -ENOMEM;
        r = strv_push(&c->failed_calls, s);
        if (r < 0)
                free(s);
        return r;
}

static const char *parse_error_reason(int r) {
        switch (r) {
        case -EBADMSG:
                return "the response is not valid JSON";
        case -EREMOTEIO:
                return "the dashboard answered \"result\": false";
        case -E2BIG:
                return "the response would take too much memory to parse";
        default:
                return "the response has an unexpected structure or types";
        }
}

/* One GET within the phase's budget. Returns 0 with an HTTP answer in *resp
 * (any status), -ENOMEM, or another negative errno with the reason written
 * to reason (the call did not happen or no answer arrived). */
static int get(DashboardClient *c, const char *path, size_t max_response, HttpResponse *resp, char *reason,
               size_t reason_size) {
        _cleanup_free_ char *url = NULL;
        const char *headers[3] = { "Accept: application/json" };
        usec_t t;
        long timeout_ms;
        int r;

        *resp = (HttpResponse) {};

        /* A refused connection means no dashboard at all: waiting on the
         * other routes would only add connection attempts. */
        if (c->refused) {
                snprintf(reason, reason_size, "skipped: the dashboard refused the connection");
                return -ECONNREFUSED;
        }
        if (c->foreign) {
                snprintf(reason, reason_size, "skipped: the dashboard port belongs to another user");
                return -EPERM;
        }
        t = now(CLOCK_MONOTONIC);
        if (t >= c->deadline_usec) {
                snprintf(reason, reason_size, "skipped: the %ld s dashboard time budget is used up",
                         DASHBOARD_PHASE_TIMEOUT_MS / 1000);
                return -ETIMEDOUT;
        }
        timeout_ms = (long) ((c->deadline_usec - t + USEC_PER_MSEC - 1) / USEC_PER_MSEC);
        if (timeout_ms > DASHBOARD_REQUEST_TIMEOUT_MS)
                timeout_ms = DASHBOARD_REQUEST_TIMEOUT_MS;

        if (asprintf(&url, "%s%s", c->base_url, path) < 0)
                return -ENOMEM;
        headers[1] = c->authorization;

        r = http_request(&(HttpRequest) {
                                 .method = "GET",
                                 .url = url,
                                 .headers = headers,
                                 .timeout_ms = timeout_ms,
                                 .max_response = max_response,
                                 .use_proxy = false,
                                 .check_peer_owner = true,
                                 .peer_owner = c->owner,
                         },
                         resp);
        if (r < 0) {
                if (r == -ECONNREFUSED)
                        c->refused = true;
                if (r == -EPERM)
                        c->foreign = true;
                snprintf(reason, reason_size, "%s", resp->error ?: strerror(-r));
                http_response_done(resp);
        }
        return r;
}

static void status_reason(long status, char *reason, size_t reason_size) {
        if (status == 401)
                snprintf(reason, reason_size,
                         "HTTP 401: the dashboard needs a token (RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH "
                         "or ~/.ray/auth_token of the Ray user)");
        else if (status == 403)
                snprintf(reason, reason_size, "HTTP 403: the dashboard rejected the token");
        else
                snprintf(reason, reason_size, "HTTP %ld", status);
}

typedef int (*Parser)(const char *body, size_t size, void *userdata);

/* GETs path and hands a 200 answer to parser. Returns 1 when parsed, 0 when
 * the call failed (recorded in failed_calls unless quiet_404 applies), or
 * -ENOMEM. */
static int call(DashboardClient *c, const char *path, const char *display, bool accept_500, bool quiet_404,
                size_t max_response, Parser parser, void *userdata) {
        HttpResponse resp;
        char reason[512];
        int r;

        r = get(c, path, max_response, &resp, reason, sizeof reason);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return add_failure(c, display, reason);

        if (resp.status == 404 && quiet_404) {
                http_response_done(&resp);
                return 0;
        }
        if (resp.status != 200 && !(accept_500 && resp.status == 500)) {
                status_reason(resp.status, reason, sizeof reason);
                http_response_done(&resp);
                return add_failure(c, display, reason);
        }

        r = parser(resp.body, resp.size, userdata);
        http_response_done(&resp);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return add_failure(c, display, parse_error_reason(r));
        return 1;
}

static int parse_auth_mode(const char *body, size_t size, void *userdata) {
        return dashboard_parse_auth_mode(body, size, userdata);
}

/* Asks once whether the head wants the token. A Ray before 2.52 has no such
 * route (404): no token auth there, and nothing worth reporting. */
static int check_auth_mode(DashboardClient *c) {
        bool token = false;
        int r;

        if (c->auth_checked)
                return 0;
        c->auth_checked = true;

        r = call(c, "/api/authentication_mode", "/api/authentication_mode", false, true,
                 DASHBOARD_MAX_SMALL_RESPONSE, parse_auth_mode, &token);
        if (r <= 0)
                return r;
        if (token && c->token && asprintf(&c->authorization, "Authorization: Bearer %s", c->token) < 0) {
                c->authorization = NULL;
                return -ENOMEM;
        }
        return 0;
}

static int parse_usage_stats_enabled(const char *body, size_t size, void *userdata) {
        return dashboard_parse_usage_stats_enabled(body, size, userdata);
}

int dashboard_cluster_opted_out(DashboardClient *c) {
        bool enabled = true;
        int r;

        assert(c);

        r = check_auth_mode(c);
        if (r < 0)
                return r;
        /* 404 is an older Ray without the route; it does not opt out. */
        r = call(c, "/usage_stats_enabled", "/usage_stats_enabled", false, true,
                 DASHBOARD_MAX_SMALL_RESPONSE, parse_usage_stats_enabled, &enabled);
        if (r < 0)
                return r;
        return r > 0 && !enabled;
}

static int parse_version(const char *body, size_t size, void *userdata) {
        return dashboard_parse_version(body, size, userdata);
}

static int parse_cluster_id(const char *body, size_t size, void *userdata) {
        return dashboard_parse_cluster_id(body, size, userdata);
}

static int parse_cluster_metadata(const char *body, size_t size, void *userdata) {
        return dashboard_parse_cluster_metadata(body, size, userdata);
}

static int parse_nodes(const char *body, size_t size, void *userdata) {
        return dashboard_parse_nodes(body, size, userdata);
}

static int parse_jobs(const char *body, size_t size, void *userdata) {
        return dashboard_parse_jobs(body, size, userdata);
}

static int parse_state_total(const char *body, size_t size, void *userdata) {
        return dashboard_parse_state_total(body, size, userdata);
}

static int parse_grafana_health(const char *body, size_t size, void *userdata) {
        return dashboard_parse_grafana_health(body, size, userdata);
}

static int parse_prometheus_health(const char *body, size_t size, void *userdata) {
        return dashboard_parse_prometheus_health(body, size, userdata);
}

void dashboard_figures_init(DashboardFigures *f) {
        assert(f);

        *f = (DashboardFigures) {
                .total_num_nodes = -1,
                .total_num_cpus = NAN,
                .total_num_gpus = NAN,
                .total_memory_bytes = NAN,
                .total_object_store_memory_bytes = NAN,
                .total_num_running_jobs = -1,
                .actors_created = -1,
                .pgs_created = -1,
        };
}

void dashboard_figures_done(DashboardFigures *f) {
        if (!f)
                return;
        free(f->ray_version);
        free(f->git_commit);
        free(f->cluster_id);
        free(f->python_version);
        strv_free(f->accelerator_types);
        strv_free(f->failed_calls);
        dashboard_figures_init(f);
}

int dashboard_collect(DashboardClient *c, DashboardFigures *ret) {
        DashboardFigures f;
        bool grafana = false, prometheus = false;
        int r;

        assert(c);
        assert(ret);

        dashboard_figures_init(&f);

        r = check_auth_mode(c);
        if (r < 0)
                goto fail;

        /* The python_version of Ray's report comes from the cluster metadata
         * that the head stores in the GCS when it starts; the dashboard
         * serves exactly that record at /api/v0/cluster_metadata. */
        struct {
                const char *path;
                const char *display;
                bool accept_500;
                Parser parser;
                void *userdata;
        } calls[] = {
                { "/api/version", "/api/version", false, parse_version, &f },
                { "/cluster_id", "/cluster_id", false, parse_cluster_id, &f },
                { "/api/v0/cluster_metadata", "/api/v0/cluster_metadata", false, parse_cluster_metadata,
                  &f },
                { "/api/v0/nodes?limit=10000&filter_keys=state&filter_predicates=%3D&filter_values=ALIVE",
                  "/api/v0/nodes", false, parse_nodes, &f },
                { "/api/jobs/", "/api/jobs/", false, parse_jobs, &f },
                { "/api/v0/actors?limit=1", "/api/v0/actors", false, parse_state_total, &f.actors_created },
                { "/api/v0/placement_groups?limit=1", "/api/v0/placement_groups", false, parse_state_total,
                  &f.pgs_created },
                /* An unhealthy Grafana or Prometheus is a 500 with "result": false. */
                { "/api/grafana_health", "/api/grafana_health", true, parse_grafana_health, &grafana },
                { "/api/prometheus_health", "/api/prometheus_health", true, parse_prometheus_health,
                  &prometheus },
        };

        for (size_t i = 0; i < ELEMENTSOF(calls); i++) {
                /* Only the two listings grow with the cluster. */
                r = call(c, calls[i].path, calls[i].display, calls[i].accept_500, false,
                         calls[i].parser == parse_nodes || calls[i].parser == parse_jobs ?
                                 DASHBOARD_MAX_RESPONSE : DASHBOARD_MAX_SMALL_RESPONSE,
                         calls[i].parser, calls[i].userdata);
                if (r < 0)
                        goto fail;
        }
        f.grafana_enabled = grafana;
        f.prometheus_enabled = prometheus;

        f.failed_calls = TAKE_PTR(c->failed_calls);
        *ret = f;
        return 0;

fail:
        dashboard_figures_done(&f);
        return r;
}
