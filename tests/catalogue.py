"""One WebAppArgs per capability, shared by the schema tests and the API server dry run."""

from __future__ import annotations

from components import (
    Autoscaling,
    ConfigMapKeyRef,
    ConfigMapProjection,
    ConfigMapVolume,
    Container,
    ContainerPort,
    DeploymentSpec,
    DisruptionBudget,
    DownwardAPIFile,
    DownwardAPIProjection,
    EmptyDirVolume,
    EnvFrom,
    EphemeralVolume,
    FieldRef,
    IngressSpec,
    KeyToPath,
    Lifecycle,
    LifecycleHandler,
    Metric,
    MetricObject,
    Mount,
    PersistentVolumeClaimVolume,
    Probe,
    ProjectedVolume,
    ResourceFieldRef,
    Resources,
    ScalingBehavior,
    ScalingPolicy,
    ScalingRules,
    SecretKeyRef,
    SecretProjection,
    SecretVolume,
    Security,
    ServiceAccountTokenProjection,
    ServicePort,
    ServiceSpec,
    Spread,
    WebAppArgs,
)
from components.inputs.pod import (
    LabelRequirement,
    NodeRequirement,
    NodeTerm,
    PodAffinityTerm,
    PodResources,
    PodSpec,
    ServiceAccountSpec,
    Toleration,
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
    "sidecar-and-init": WebAppArgs(
        container=Container(
            image="registry.example.com/shop:1.4.2",
            ports=[ContainerPort(port=8080, name="http")],
            readiness_probe=Probe.http("/ready", headers={"Host": "shop.example.com"}),
            env={
                "POD_IP": FieldRef(field_path="status.podIP"),
                "NODE": FieldRef(field_path="spec.nodeName"),
                "TEAM": FieldRef(field_path="metadata.labels['team']"),
                "MEMORY_MB": ResourceFieldRef(resource="limits.memory", divisor="1Mi"),
                "PROXY_CPU": ResourceFieldRef(
                    resource="requests.cpu", container_name="proxy", divisor="1m"
                ),
            },
            env_from=[EnvFrom(config_map_name="shop-settings", prefix="APP_", optional=True)],
            lifecycle=Lifecycle(
                post_start=LifecycleHandler.exec("/app/warm-cache"),
                pre_stop=LifecycleHandler.sleep(8),
            ),
        ),
        sidecars=[
            Container(
                name="proxy",
                image="registry.example.com/envoy:1.30.1",
                ports=[ContainerPort(port=9901, name="admin")],
                readiness_probe=Probe.grpc(9901, service="envoy.health"),
                lifecycle=Lifecycle(pre_stop=LifecycleHandler.http("/drain", port="admin")),
                security=Security(run_as_user=101),
            )
        ],
        init_containers=[
            Container(
                name="migrate",
                image="registry.example.com/shop-migrate:1.4.2",
                command=["/migrate", "up"],
                env_from=[EnvFrom(secret_name="shop-db", optional=True)],
            )
        ],
        labels={"team": "checkout"},
        deployment=DeploymentSpec(termination_grace_period_seconds=40),
    ),
    "no-pre-stop-sleep": WebAppArgs(
        container=Container(
            image="registry.example.com/shop:1.4.2",
            ports=[ContainerPort(port=8080, name="http")],
            lifecycle=Lifecycle(pre_stop=None),
        )
    ),
    "volumes-and-files": WebAppArgs(
        name="files",
        container=Container(
            image="registry.example.com/shop:1.4.2",
            ports=[ContainerPort(port=8080, name="http")],
            mounts=[
                Mount(volume="cache", path="/var/cache/shop"),
                Mount(volume="scratch", path="/dev/shm"),
                Mount(volume="settings", path="/etc/shop/settings", read_only=True),
                Mount(volume="tls", path="/etc/shop/tls", read_only=True),
                Mount(volume="identity", path="/var/run/shop", read_only=True),
                Mount(volume="uploads", path="/srv/uploads"),
                Mount(volume="work", path="/srv/work"),
                Mount(volume="settings", path="/etc/shop/feature.flags", sub_path="flags"),
            ],
        ),
        volumes=[
            EmptyDirVolume(name="cache", size_limit="512Mi"),
            EmptyDirVolume(name="scratch", medium="Memory", size_limit="64Mi"),
            ConfigMapVolume(
                name="settings",
                config_map_name="shop-settings",
                items=[KeyToPath(key="flags", path="flags", mode=0o440)],
                default_mode=0o444,
            ),
            SecretVolume(name="tls", secret_name="shop-tls", optional=True),
            ProjectedVolume(
                name="identity",
                sources=[
                    ServiceAccountTokenProjection(path="token", audience="vault"),
                    DownwardAPIProjection(
                        items=[
                            DownwardAPIFile(path="labels", field_path="metadata.labels"),
                            DownwardAPIFile(
                                path="memory", resource="limits.memory", container_name="app"
                            ),
                        ]
                    ),
                    ConfigMapProjection(
                        config_map_name="shop-ca", items=[KeyToPath(key="ca.crt", path="ca.crt")]
                    ),
                    SecretProjection(
                        secret_name="shop-key", items=[KeyToPath(key="key", path="key.pem")]
                    ),
                ],
            ),
            PersistentVolumeClaimVolume(name="uploads", claim_name="shop-uploads"),
            EphemeralVolume(name="work", size="10Gi", storage_class="fast"),
        ],
        files={
            "/etc/shop/config.yaml": "listen: 8080\n",
            "/etc/nginx/conf.d/shop.conf": "server { listen 8080; }\n",
        },
    ),
    "whole-pod": WebAppArgs(
        container=WEB.evolve(
            resources=Resources(
                cpu_request="250m",
                memory_limit="512Mi",
                resize_policy={"cpu": "NotRequired", "memory": "RestartContainer"},
            )
        ),
        deployment=DeploymentSpec(
            spread=Spread(
                when_unsatisfiable="DoNotSchedule",
                min_domains=2,
                node_affinity_policy="Honor",
                node_taints_policy="Honor",
            )
        ),
        pod=PodSpec(
            service_account=ServiceAccountSpec(
                annotations={"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/shop"}
            ),
            image_pull_secrets=["registry-credentials"],
            annotations={"prometheus.io/scrape": "true"},
            node_selector={"kubernetes.io/os": "linux"},
            node_affinity=[
                NodeTerm(
                    match_expressions=[
                        NodeRequirement(key="node.example.com/cores", operator="Gt", values=["3"])
                    ]
                ),
                NodeTerm(
                    weight=20,
                    match_expressions=[
                        NodeRequirement(
                            key="topology.kubernetes.io/zone", operator="In", values=["a", "b"]
                        )
                    ],
                ),
            ],
            pod_affinity=[
                PodAffinityTerm(
                    topology_key="topology.kubernetes.io/zone",
                    match_labels={"app.kubernetes.io/name": "cache"},
                    weight=50,
                )
            ],
            pod_anti_affinity=[
                PodAffinityTerm(topology_key="kubernetes.io/hostname"),
                PodAffinityTerm(
                    topology_key="kubernetes.io/hostname",
                    match_expressions=[
                        LabelRequirement(key="tier", operator="In", values=["batch"])
                    ],
                    namespaces=["jobs"],
                    weight=10,
                ),
            ],
            tolerations=[
                Toleration(key="dedicated", value="shop", effect="NoSchedule"),
                Toleration(
                    key="node.kubernetes.io/unreachable",
                    operator="Exists",
                    effect="NoExecute",
                    toleration_seconds=30,
                ),
            ],
            priority_class_name="shop-critical",
            host_users=False,
            resources=PodResources(cpu_request="500m", cpu_limit="1", memory_limit="1Gi"),
        ),
    ),
    "existing-service-account": WebAppArgs(
        container=WEB, pod=PodSpec(service_account=ServiceAccountSpec(create=False, name="reader"))
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
