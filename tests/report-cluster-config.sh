#!/bin/bash
# SPDX-License-Identifier: MIT
# The cluster-config fields of the report (policy reference 4 and 5, item 19,
# item 30-31): ~/ray_bootstrap_config.yaml of the Ray user, then Kubernetes /
# KubeRay detection and the cloud metadata probes, here pointed at routes of
# the fake head.
. "$(dirname "$0")/report-lib.sh"

META=$TEST_TMP/meta
mkdir -p "$META"
echo '{"compute": {"vmSize": "Standard_D2s_v3"}}' >"$META/azure.json"
echo 'instance/' >"$META/gcp.txt"
printf 'ami-id\ninstance-id\n' >"$META/aws.txt"

start_head main \
        --route /azure-ok="$META/azure.json" --route /gcp-ok="$META/gcp.txt" --route /aws-ok="$META/aws.txt" \
        --route-mode /m-500=500 --route-mode /m-hang=hang --route-mode /m-close=close
make_session "$RUS_RAY_DIR" >/dev/null

YAML=$HOME/ray_bootstrap_config.yaml
NONE='(None, None, None, None, None)'

# probes AZURE GCP AWS: the probes on, each URL a path of the fake head.
probes() {
        export RAY_USAGE_STATS_CLOUD_PROBE=1
        export RAY_USAGE_STATS_AZURE_METADATA_URL="$FAKE_HEAD_URL/$1?api-version=2021-12-13"
        export RAY_USAGE_STATS_GCP_METADATA_URL=$FAKE_HEAD_URL/$2
        export RAY_USAGE_STATS_AWS_METADATA_URL=$FAKE_HEAD_URL/$3
}

# expect_config PYTHON-TUPLE: one report; (cloud_provider, min_workers,
# max_workers, head_node_instance_type, sorted worker_node_instance_types)
# of the POSTed body must be the tuple.
expect_config() {
        rus report
        need "exit 0" [ "$RC" -eq 0 ]
        need "one POST" [ "$(posts_count)" -eq 1 ]
        post_body -1 "$TEST_TMP/body.json"
        pycheck "
w = J0['worker_node_instance_types']
got = (J0['cloud_provider'], J0['min_workers'], J0['max_workers'], J0['head_node_instance_type'],
       sorted(w) if isinstance(w, list) else w)
eq(got, $1, '(cloud_provider, min_workers, max_workers, head_node_instance_type, workers)')
eq(list(J0), $RAY_KEYS, 'keys')
" "$TEST_TMP/body.json"
}

metadata_requests() {
        _rus_requests GET | grep -cE '"path": "/(azure-ok|gcp-ok|aws-ok|m-500|m-hang|m-close|nothing)"'
}

case_minimal_aws() {
        fresh
        use_head main
        cat >"$YAML" <<'EOF'
cluster_name: minimal
max_workers: 1
provider:
    type: aws
    region: us-west-2
    availability_zone: us-west-2a
EOF
        probes gcp-ok gcp-ok gcp-ok
        expect_config "('aws', None, 1, None, None)"
        need "no cloud probe when the YAML exists" [ "$(metadata_requests)" -eq 0 ]
}
t "minimal aws YAML: (aws, None, 1, None, None), no probe" case_minimal_aws

case_full_gcp() {
        fresh
        use_head main
        cat >"$YAML" <<'EOF'
cluster_name: full
min_workers: 1
provider:
    type: gcp
head_node_type: head_node
available_node_types:
    head_node:
        node_config:
            InstanceType: m5.large
        min_workers: 0
        max_workers: 0
    aws_worker_node:
        node_config:
            InstanceType: m3.large
        min_workers: 0
        max_workers: 0
    azure_worker_node:
        node_config:
            azure_arm_parameters:
                vmSize: Standard_D2s_v3
    gcp_worker_node:
        node_config:
            machineType: n1-standard-2
EOF
        expect_config "('gcp', 1, None, 'm5.large', ['Standard_D2s_v3', 'm3.large', 'n1-standard-2'])"
}
t "full gcp YAML: min 1, head m5.large, workers {m3.large, Standard_D2s_v3, n1-standard-2}" case_full_gcp

case_unusable_types() {
        fresh
        use_head main
        cat >"$YAML" <<'EOF'
cluster_name: full
head_node_type: head_node
available_node_types:
    worker_node_1:
        node_config:
            ImageId: xyz
    worker_node_2:
        resources: {}
    worker_node_3:
        node_config:
            InstanceType: m5.large
EOF
        expect_config "(None, None, None, None, ['m5.large'])"
}
t "node types without usable config: provider None, workers [m5.large]" case_unusable_types

case_invalid() {
        fresh
        use_head main
        printf '[invalid' >"$YAML"
        probes gcp-ok gcp-ok gcp-ok
        expect_config "$NONE"
        need "no cloud probe for a YAML that exists" [ "$(metadata_requests)" -eq 0 ]
        pycheck 'eq(J0["ray_version"], "2.52.0", "the rest of the report is filled")' "$TEST_TMP/body.json"
}
t '"[invalid" YAML: every config field null, report sent' case_invalid

case_not_a_mapping() {
        fresh
        use_head main
        printf -- '- a\n- b\n' >"$YAML"
        expect_config "$NONE"
        printf 'max_workers: [1\nprovider: {type: aws\n' >"$YAML"
        : >"$FAKE_HEAD_RECORD"
        expect_config "$NONE"
}
t "a YAML list, and a YAML with an unclosed flow collection: fields null" case_not_a_mapping

# unreadable_case SETUP: SETUP makes $YAML exist but unusable; Ray treats any
# such problem as "every field None", and no probe runs.
unreadable_case() {
        fresh
        use_head main
        rm -rf "$YAML"
        printf 'max_workers: 1\nprovider:\n    type: aws\n' >"$TEST_TMP/real.yaml"
        eval "$1"
        probes gcp-ok gcp-ok gcp-ok
        expect_config "$NONE"
        rm -rf "$YAML"
        need "no cloud probe for a YAML that exists" [ "$(metadata_requests)" -eq 0 ]
}
# Ray's open() follows a link; the worker reads as the Ray user, so a link
# reaches nothing that user could not read anyway.
case_link() {
        fresh
        use_head main
        printf 'max_workers: 1\nprovider:\n    type: aws\n' >"$TEST_TMP/real.yaml"
        ln -s "$TEST_TMP/real.yaml" "$YAML"
        probes gcp-ok gcp-ok gcp-ok
        expect_config "('aws', None, 1, None, None)"
        rm -f "$YAML"
        need "no cloud probe for a YAML that exists" [ "$(metadata_requests)" -eq 0 ]
}
t "bootstrap YAML is a link: followed, as Ray's open() follows it" case_link
case_dangling_link_k8s() {
        fresh
        use_head main
        ln -s "$TEST_TMP/nowhere.yaml" "$YAML"
        export KUBERNETES_SERVICE_HOST=127.0.0.1
        probes nothing gcp-ok nothing
        expect_config "('kubernetes_\$gcp', None, None, None, None)"
        rm -f "$YAML"
}
t 'bootstrap YAML is a dangling link, on Kubernetes: a missing file to Ray, "kubernetes_$gcp"' \
        case_dangling_link_k8s
# Values as Ray sends them: Ray's own local example says
# "min_workers: TYPICALLY_THE_NUMBER_OF_WORKER_IPS", a string.
case_local_example() {
        fresh
        use_head main
        cp "$TESTS_DIR/parity/configs/local-example-full.yaml" "$YAML"
        expect_config "('local', 'TYPICALLY_THE_NUMBER_OF_WORKER_IPS', 'TYPICALLY_THE_NUMBER_OF_WORKER_IPS', None, None)"
}
t "Ray's local example: min/max_workers sent as the strings they are" case_local_example
t "bootstrap YAML is a directory: fields null, report sent" unreadable_case 'mkdir "$YAML"'
t "bootstrap YAML is a FIFO: no hang, fields null, report sent" unreadable_case 'mkfifo "$YAML"'
case_huge_yaml() {
        fresh
        use_head main
        { printf 'max_workers: 1\nprovider:\n    type: aws\n'; head -c 5242880 /dev/zero | tr '\0' '#'; } >"$YAML"
        rus report
        rm -f "$YAML"
        need "exit 0" [ "$RC" -eq 0 ]
        need "one POST" [ "$(posts_count)" -eq 1 ]
        post_body -1 "$TEST_TMP/body.json"
        pycheck 'check(J0["cloud_provider"] in (None, "aws"), "cloud_provider null (too big to read) or aws")' \
                "$TEST_TMP/body.json"
}
t "bootstrap YAML of 5 MiB: no crash, report sent" case_huge_yaml

case_missing() {
        fresh
        use_head main
        expect_config "$NONE"
}
t "missing YAML, no Kubernetes, probes off: all null" case_missing

case_k8s() {
        fresh
        use_head main
        export KUBERNETES_SERVICE_HOST=127.0.0.1
        expect_config "('kubernetes', None, None, None, None)"
}
t "missing YAML + KUBERNETES_SERVICE_HOST, probes off: kubernetes" case_k8s

case_kuberay() {
        fresh
        use_head main
        export KUBERNETES_SERVICE_HOST=127.0.0.1 RAY_USAGE_STATS_KUBERAY_IN_USE=
        expect_config "('kuberay', None, None, None, None)"
}
t "missing YAML + KUBERNETES_SERVICE_HOST + RAY_USAGE_STATS_KUBERAY_IN_USE (empty): kuberay" case_kuberay

case_probe_gcp() {
        fresh
        use_head main
        probes nothing gcp-ok aws-ok
        expect_config "('gcp', None, None, None, None)"
        need "the Azure probe ran first, then GCP, and AWS not at all" \
                [ "$(_rus_requests GET | grep -oE '"path": "/(nothing|gcp-ok|aws-ok)"' | tr '\n' ' ')" = \
                  '"path": "/nothing" "path": "/gcp-ok" ' ]
        need "GCP probe sends Metadata-Flavor: Google" [ "$(last_request_header GET Metadata-Flavor /gcp-ok)" = Google ]
        need "Azure probe sends Metadata: true" [ "$(last_request_header GET Metadata /nothing)" = true ]
        need "Azure probe keeps its query" [ "$(_rus_requests GET /nothing | grep -c 'api-version=2021-12-13')" -eq 1 ]
}
t "probes on, GCP answers 200: gcp (Azure asked first, AWS not asked; Ray's headers)" case_probe_gcp

case_kuberay_gcp() {
        fresh
        use_head main
        export KUBERNETES_SERVICE_HOST=127.0.0.1 RAY_USAGE_STATS_KUBERAY_IN_USE=1
        probes nothing gcp-ok nothing
        expect_config "('kuberay_\$gcp', None, None, None, None)"
}
t 'KubeRay + GCP probe: "kuberay_$gcp", as Ray writes it' case_kuberay_gcp

case_kubernetes_aws() {
        fresh
        use_head main
        export KUBERNETES_SERVICE_HOST=127.0.0.1
        probes m-500 nothing aws-ok
        expect_config "('kubernetes_\$aws', None, None, None, None)"
}
t 'Kubernetes + AWS probe (Azure answers 500): "kubernetes_$aws"' case_kubernetes_aws

case_probe_azure() {
        fresh
        use_head main
        probes azure-ok m-close aws-ok
        expect_config "('azure', None, None, None, None)"
}
t "probes: Azure answers 200: azure" case_probe_azure

case_probe_only_200() {
        fresh
        use_head main
        probes m-500 m-close nothing
        expect_config "('unknown', None, None, None, None)"
}
t 'probes: 500, closed, 404 (only 200 counts): "unknown"' case_probe_only_200

case_probe_unreachable() {
        fresh
        use_head main
        export RAY_USAGE_STATS_CLOUD_PROBE=1
        # lib.sh points the three URLs at a closed loopback port.
        expect_config "('unknown', None, None, None, None)"
        within "$LIMIT_PROBES_MS" "the run, its probes refused"
}
t 'probes: nothing listening: "unknown", at once' case_probe_unreachable

case_probe_hang() {
        fresh
        use_head main
        export KUBERNETES_SERVICE_HOST=127.0.0.1
        probes m-hang m-hang m-hang
        expect_config "('kubernetes_\$unknown', None, None, None, None)"
        within "$LIMIT_PROBES_MS" "the run, three hanging probes"
}
t "probes that hang: 1 s each, the run goes on (kubernetes_\$unknown)" case_probe_hang

t_end
