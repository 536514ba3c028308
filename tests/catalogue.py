"""One WebAppArgs per capability, shared by the schema tests and the API server dry run."""

from __future__ import annotations

from components import (
    Autoscaling,
    ConfigMapKeyRef,
    Container,
    ContainerPort,
    DeploymentSpec,
    DisruptionBudget,
    IngressSpec,
    Metric,
    MetricObject,
    Probe,
    Resources,
    ScalingBehavior,
    ScalingPolicy,
    ScalingRules,
    SecretKeyRef,
    Security,
    ServicePort,
    ServiceSpec,
    Spread,
    WebAppArgs,
)

WEB = Container(
    image="registry.example.com/shop:1.4.2", ports=[ContainerPort(port=8080, name="http")]
)
TWO_PORTS = Container(
    image="registry.example.com/api:2.0",
    ports=[
        ContainerPort(port=8080, name="http"),
        ContainerPort(port=9090, name="metrics"),
        ContainerPort(port=5353, name="dns", protocol="UDP"),
    ],
)

CATALOGUE: dict[str, WebAppArgs] = {
    "minimal": WebAppArgs(container=WEB),
    "explicit-name": WebAppArgs(container=WEB, name="shop", namespace="shop"),
    "several-ports": WebAppArgs(container=TWO_PORTS),
    "explicit-ports": WebAppArgs(
        container=TWO_PORTS,
        service=ServiceSpec(ports=[ServicePort(port=80, target_port="http", name="web")]),
    ),
    "node-port": WebAppArgs(
        container=WEB,
        service=ServiceSpec(
            type="NodePort", ports=[ServicePort(port=80, target_port=8080, node_port=31080)]
        ),
    ),
    "load-balancer-local": WebAppArgs(
        container=WEB,
        service=ServiceSpec(
            type="LoadBalancer",
            external_traffic_policy="Local",
            health_check_node_port=32000,
            load_balancer_source_ranges=["203.0.113.0/24", "2001:db8::/32"],
            load_balancer_class="example.com/lb",
            annotations={"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"},
        ),
    ),
    "headless-peers": WebAppArgs(
        container=WEB, service=ServiceSpec(headless=True, publish_not_ready_addresses=True)
    ),
    "headless-no-ports": WebAppArgs(
        container=Container(image="registry.example.com/worker:1"),
        service=ServiceSpec(headless=True),
    ),
    "sticky": WebAppArgs(
        container=WEB,
        service=ServiceSpec(session_affinity="ClientIP", session_affinity_timeout=600),
    ),
    "topology": WebAppArgs(
        container=WEB,
        service=ServiceSpec(
            traffic_distribution="PreferSameZone", internal_traffic_policy="Cluster"
        ),
    ),
    "topology-mode": WebAppArgs(container=WEB, service=ServiceSpec(topology_mode="Auto")),
    "worker-no-service": WebAppArgs(
        container=Container(image="registry.example.com/worker:1"), service=None
    ),
    "everything-in-the-pod": WebAppArgs(
        container=Container(
            image="registry.example.com/shop:1.4.2",
            command=["/app/server"],
            args=["--port", "8080"],
            working_dir="/app",
            ports=[ContainerPort(port=8080, name="http"), ContainerPort(port=9000, name="grpc")],
            env={
                "LOG_LEVEL": "info",
                "API_KEY": SecretKeyRef(secret_name="vendor", key="api-key"),
                "FEATURES": ConfigMapKeyRef(config_map_name="flags", key="features", optional=True),
            },
            secret_env={"SESSION_KEY": "not-really-secret-in-tests"},
            resources=Resources(
                cpu_request="250m", cpu_limit="1", memory_request="256Mi", memory_limit="512Mi"
            ),
            readiness_probe=Probe.http("/ready", port="http", period_seconds=5),
            liveness_probe=Probe.tcp(failure_threshold=6),
            startup_probe=Probe.exec("cat", "/tmp/started", failure_threshold=30),
            security=Security(
                run_as_user=10001,
                run_as_group=10001,
                fs_group=10001,
                writable_paths=["/tmp", "/var/cache/app"],
            ),
        ),
        labels={"team": "checkout"},
        annotations={"example.com/owner": "checkout"},
        version="1.4.2",
        component="frontend",
        part_of="shop",
    ),
    "grpc-probe": WebAppArgs(
        container=Container(
            image="registry.example.com/api:2.0",
            ports=[ContainerPort(port=9000, name="grpc")],
            readiness_probe=Probe(kind="grpc"),
        )
    ),
    "high-availability": WebAppArgs(
        container=WEB,
        deployment=DeploymentSpec(
            replicas=4,
            min_ready_seconds=5,
            progress_deadline_seconds=120,
            disruption_budget=DisruptionBudget(),
            spread=Spread(when_unsatisfiable="DoNotSchedule"),
        ),
    ),
    "autoscaled": WebAppArgs(
        container=WEB,
        deployment=DeploymentSpec(
            autoscaling=Autoscaling(min_replicas=3, max_replicas=12, memory_utilization=75),
            disruption_budget=DisruptionBudget(min_available="50%"),
        ),
    ),
    "recreate": WebAppArgs(
        container=WEB, deployment=DeploymentSpec(strategy="Recreate", replicas=1)
    ),
    "baseline-root": WebAppArgs(
        container=Container(
            image="registry.example.com/legacy:7",
            ports=[ContainerPort(port=80)],
            security=Security(
                pod_security="baseline",
                run_as_non_root=False,
                read_only_root_filesystem=False,
                add_capabilities=["NET_BIND_SERVICE", "CHOWN"],
            ),
        )
    ),
    "autoscaled-custom-metrics": WebAppArgs(
        container=WEB,
        deployment=DeploymentSpec(
            autoscaling=Autoscaling(
                min_replicas=2,
                max_replicas=20,
                cpu_utilization=None,
                metrics=[
                    Metric.pods("http_requests_per_second", "100"),
                    Metric.object(
                        "requests-per-second",
                        MetricObject(
                            api_version="networking.k8s.io/v1", kind="Ingress", name="main"
                        ),
                        value="2k",
                    ),
                    Metric.external(
                        "queue_messages_ready", average_value="30", selector={"queue": "orders"}
                    ),
                ],
                behavior=ScalingBehavior(
                    scale_up=ScalingRules(
                        policies=[
                            ScalingPolicy(type="Percent", value=100, period_seconds=60),
                            ScalingPolicy(type="Pods", value=4, period_seconds=60),
                        ],
                        select_policy="Max",
                    ),
                    scale_down=ScalingRules(
                        stabilization_window_seconds=600,
                        policies=[ScalingPolicy(type="Pods", value=1, period_seconds=120)],
                        select_policy="Min",
                    ),
                ),
            ),
        ),
    ),
    "low-port-non-root": WebAppArgs(
        container=Container(
            image="registry.example.com/nginx-unprivileged:1.27",
            ports=[ContainerPort(port=80, name="http")],
            security=Security(run_as_user=101, run_as_group=101, fs_group=101),
        )
    ),
    "safe-sysctls": WebAppArgs(
        container=Container(
            image="registry.example.com/shop:1.4.2",
            ports=[ContainerPort(port=8080, name="http")],
            security=Security(
                sysctls={"net.ipv4.tcp_keepalive_time": "600", "net.ipv4.tcp_syncookies": 1},
                bind_low_ports=True,
            ),
        )
    ),
    # An internal ClusterIP and a public dual-stack LoadBalancer for the same pods, and an
    # Ingress to the internal one.
    "internal-and-public": WebAppArgs(
        container=WEB,
        services={
            "public": ServiceSpec(
                type="LoadBalancer",
                ports=[ServicePort(port=443, target_port="http", name="https")],
                # Dual stack where the cluster has it: the local cluster is IPv4 only, and
                # the server refuses a family the cluster lacks (an IPv6 here).
                ip_family_policy="PreferDualStack",
                allocate_load_balancer_node_ports=False,
            )
        },
        ingress=IngressSpec(
            ingress_class="nginx",
            hosts=["shop.example.com"],
            paths=["/", "/api"],
            tls_secret_name="shop-tls",
        ),
    ),
}
