#!/bin/bash
# SPDX-License-Identifier: MIT
# A report endpoint that misbehaves (docs/design.md §6; policy reference 3 and item 25):
# unreachable, closing, hanging, 4xx, 5xx, a TLS certificate to reject, a
# private CA, a proxy. Each ends in a recorded failure (or success) in
# usage_stats.json and in the counters; never a crash, a hang or a retry.
. "$(dirname "$0")/report-lib.sh"

make_cert "$TEST_TMP/cert"
start_head dash
start_head close --post-mode close
start_head hang --post-mode hang
start_head s404 --post-status 404
start_head s400 --post-status 400
start_head s503 --post-status 503
start_head s202 --post-status 202
start_head tls --https --cert "$FAKE_CERT" --key "$FAKE_KEY"
start_head proxy
make_session "$RUS_RAY_DIR" >/dev/null

# report_to URL: one report, the dashboard being the "dash" head.
report_to() {
        use_head dash
        export RAY_USAGE_STATS_REPORT_URL=$1
        rus report
        need "exit 0 (an upload failure is recorded, not an exit failure)" [ "$RC" -eq 0 ]
        cp "$T_ERR" "$TEST_TMP/report.err"
}

# outcome SUCCESS ERROR-REGEX SEQ TOTAL_SUCCESS TOTAL_FAILED: the file and the
# counters after the last report (SUCCESS True/False; ERROR-REGEX "" for null).
outcome() {
        status_json "$TEST_TMP/status.json"
        pycheck "
eq(list(J0), ['usage_stats', 'success', 'error'], 'usage_stats.json keys')
eq(J0['success'], $1, 'success')
err = J0['error']
if '$2':
    check(isinstance(err, str) and re.search(r'''$2''', err, re.I), f'error matches /$2/: {err!r}')
else:
    eq(err, None, 'error')
eq(J0['usage_stats']['ray_version'], '2.52.0', 'the report was collected')
s = J[1]
eq((s['seq_number'], s['total_success'], s['total_failed']), ($3, $4, $5), '(seq, success, failed) after')
eq(s['last_report']['success'], $1, 'status last_report.success')
eq(s['last_report']['error'], err, 'status last_report.error')
" "$USAGE_FILE" "$TEST_TMP/status.json"
}

# Item 25.
case_unreachable() {
        fresh
        report_to "$RUS_CLOSED_URL/report"
        within "$LIMIT_UPLOAD_MS" "the run, its upload refused"
        need "stderr says the report failed" grep -qi "failed" "$TEST_TMP/report.err"
        outcome False "127\.0\.0\.1:$RUS_CLOSED_PORT.*(connect|refused)" 1 0 1
        pycheck 'eq((J0["usage_stats"]["seq_number"], J0["usage_stats"]["total_failed"]), (0, 0), "the body of the first")' \
                "$USAGE_FILE"
        report_to "$RUS_CLOSED_URL/report"
        outcome False "connect|refused" 2 0 2
        pycheck 'eq((J0["usage_stats"]["seq_number"], J0["usage_stats"]["total_failed"], J0["usage_stats"]["total_success"]),
   (1, 1, 0), "the second carries the first failure")' "$USAGE_FILE"
}
t "endpoint unreachable: success false, error names it, total_failed rises, total_success 0" case_unreachable

case_close() {
        fresh
        report_to "${HEAD_URL[close]}/report"
        use_head close
        need "one POST, no retry" [ "$(posts_count)" -eq 1 ]
        outcome False "empty reply|closed|reset|recv" 1 0 1
}
t "endpoint closes the connection: failure recorded, one attempt" case_close

case_hang() {
        fresh
        report_to "${HEAD_URL[hang]}/report"
        within "$LIMIT_UPLOAD_MS" "the run, its upload hanging"
        use_head hang
        need "one POST, no retry" [ "$(posts_count)" -eq 1 ]
        outcome False "time" 1 0 1
}
t "endpoint hangs: the run ends within 10 s + slack, failure recorded" case_hang

# status_case HEAD STATUS SUCCESS
status_case() {
        fresh
        report_to "${HEAD_URL[$1]}/report"
        use_head "$1"
        need "one POST, no retry" [ "$(posts_count)" -eq 1 ]
        if [ "$3" = True ]; then
                outcome True "" 1 1 0
        else
                outcome False "HTTP $2" 1 0 1
                need "stderr names HTTP $2" grep -q "HTTP $2" "$TEST_TMP/report.err"
        fi
}
t "endpoint answers 404: failure recorded naming HTTP 404" status_case s404 404 False
t "endpoint answers 400: failure recorded naming HTTP 400" status_case s400 400 False
t "endpoint answers 503: failure recorded naming HTTP 503" status_case s503 503 False
t "endpoint answers 202: any 2xx is success" status_case s202 202 True

case_tls_reject() {
        fresh
        unset RAY_USAGE_STATS_CA_BUNDLE
        report_to "${HEAD_URL[tls]}/report"
        use_head tls
        need "nothing reached the endpoint" [ "$(posts_count)" -eq 0 ]
        outcome False "certificate|SSL|TLS" 1 0 1
}
t "https endpoint with a self-signed certificate: rejected, failure recorded" case_tls_reject

case_tls_ca_bundle() {
        fresh
        export RAY_USAGE_STATS_CA_BUNDLE=$FAKE_CERT
        report_to "${HEAD_URL[tls]}/report"
        use_head tls
        need "one POST over TLS" [ "$(posts_count)" -eq 1 ]
        outcome True "" 1 1 0
        post_body -1 "$TEST_TMP/body.json"
        pycheck 'eq(J0["usage_stats"], J[1], "the file holds the body sent")' "$USAGE_FILE" "$TEST_TMP/body.json"
}
t "https endpoint with RAY_USAGE_STATS_CA_BUNDLE naming its CA: success" case_tls_ca_bundle

case_tls_wrong_bundle() {
        fresh
        make_cert "$TEST_TMP/other-cert"
        export RAY_USAGE_STATS_CA_BUNDLE=$TEST_TMP/other-cert/cert.pem
        report_to "${HEAD_URL[tls]}/report"
        outcome False "certificate|SSL|TLS" 1 0 1
}
t "https endpoint with a CA bundle that does not sign its certificate: rejected" case_tls_wrong_bundle

case_missing_bundle() {
        fresh
        export RAY_USAGE_STATS_CA_BUNDLE=$TEST_TMP/no-such-bundle.pem
        report_to "${HEAD_URL[tls]}/report"
        outcome False "." 1 0 1
}
t "RAY_USAGE_STATS_CA_BUNDLE naming a missing file: failure recorded, no crash" case_missing_bundle

# docs/design.md §6: the usual proxy variables are honoured for the upload; the dashboard
# and the probes never go through a proxy.
case_proxy() {
        fresh
        export http_proxy=${HEAD_URL[proxy]} HTTP_PROXY=${HEAD_URL[proxy]}
        unset no_proxy NO_PROXY
        report_to "$RUS_CLOSED_URL/report"
        use_head proxy
        need "the POST went through the proxy" [ "$(posts_count)" -eq 1 ]
        need "no dashboard call through the proxy" [ "$(requests_count GET)" -eq 0 ]
        use_head dash
        need "the dashboard was asked directly" [ "$(requests_count GET /api/version)" -eq 1 ]
        outcome True "" 1 1 0
}
t "http_proxy carries the upload, never the dashboard calls" case_proxy

case_bad_url() {
        fresh
        use_head dash
        export RAY_USAGE_STATS_REPORT_URL=ftp://127.0.0.1:$RUS_CLOSED_PORT/report
        rus report
        need "exit 255: an invalid setting" [ "$RC" -eq 255 ]
        need "the message names the variable" grep -q "Invalid RAY_USAGE_STATS_REPORT_URL=" "$T_ERR"
        need "no connection" [ "$(record_lines)" -eq 0 ]
        need "no usage_stats.json" [ ! -e "$USAGE_FILE" ]
}
t "a report URL of another scheme (ftp://): invalid setting, exit 255, no connection, no file" case_bad_url

t_end
