"""The peer: cdk8s-plus (Python bindings over the jsii Node.js runtime) rendering the
same N apps to YAML.

Each app is configured as close to Berth's manifests as cdk8s-plus lets a user say it:
same image, port, env, probe, resources, replicas, rollout settings, labels, namespace,
writable /tmp and hardened security context. cdk8s-plus adds fields of its own
(imagePullPolicy, dnsPolicy, a ``cdk8s.io/metadata.addr`` selector label, ...), so
the YAML sizes differ slightly; the report shows both.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import workload as w

# jsii prints a banner on every start when Node.js is past its support window; it is
# noise for a benchmark and goes to the report as a note instead.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20,21")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")


def cdk8s_yaml(
    n: int, out: Path, *, peak_mib: Callable[[], float], child_mib: Callable[[], float]
) -> dict[str, Any]:
    start = time.perf_counter()
    import cdk8s
    import cdk8s_plus_36 as kplus

    imported = time.perf_counter()
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "bench", disable_resource_name_hashes=True)
    for i in range(n):
        name = w.app_name(i)
        labels = {
            "app.kubernetes.io/name": name,
            "app.kubernetes.io/instance": name,
            "app.kubernetes.io/managed-by": "berth",
            "app.kubernetes.io/version": w.version(i),
            "app.kubernetes.io/part-of": w.PART_OF,
        }
        meta = cdk8s.ApiObjectMetadata(namespace=w.NAMESPACE, labels=labels)
        writable = kplus.Volume.from_empty_dir(chart, f"{name}-tmp", "writable-0")
        deployment = kplus.Deployment(
            chart,
            name,
            metadata=meta,
            pod_metadata=cdk8s.ApiObjectMetadata(labels=labels),
            replicas=2,
            revision_history_limit=5,
            min_ready=cdk8s.Duration.seconds(0),
            progress_deadline=cdk8s.Duration.seconds(600),
            strategy=kplus.DeploymentStrategy.rolling_update(
                max_surge=kplus.PercentOrAbsolute.percent(25),
                max_unavailable=kplus.PercentOrAbsolute.absolute(0),
            ),
            automount_service_account_token=False,
            security_context=kplus.PodSecurityContextProps(ensure_non_root=True),
            containers=[
                kplus.ContainerProps(
                    name="app",
                    image=w.image(i),
                    ports=[kplus.ContainerPort(number=w.PORT, name=w.PORT_NAME)],
                    env_variables={
                        key: kplus.EnvValue.from_value(value) for key, value in w.ENV.items()
                    },
                    resources=kplus.ContainerResources(
                        cpu=kplus.CpuResources(request=kplus.Cpu.millis(100)),
                        memory=kplus.MemoryResources(
                            request=cdk8s.Size.mebibytes(128), limit=cdk8s.Size.mebibytes(256)
                        ),
                    ),
                    readiness=kplus.Probe.from_http_get(w.HEALTH_PATH, port=w.PORT),
                    security_context=kplus.ContainerSecurityContextProps(
                        ensure_non_root=True,
                        read_only_root_filesystem=True,
                        allow_privilege_escalation=False,
                        capabilities=kplus.ContainerSecutiryContextCapabilities(
                            drop=[kplus.Capability.ALL]
                        ),
                        seccomp_profile=kplus.SeccompProfile(
                            type=kplus.SeccompProfileType.RUNTIME_DEFAULT
                        ),
                    ),
                    volume_mounts=[kplus.VolumeMount(path="/tmp", volume=writable)],
                )
            ],
        )
        kplus.Service(
            chart,
            f"{name}-service",
            metadata=meta,
            selector=deployment,
            ports=[kplus.ServicePort(port=w.PORT, target_port=w.PORT, name=w.PORT_NAME)],
        )
    constructed = time.perf_counter()
    text = app.synth_yaml()
    out.write_text(text)
    done = time.perf_counter()
    return {
        "tool": "cdk8s-plus-36",
        "n": n,
        "import_seconds": imported - start,
        "construct_seconds": constructed - imported,
        "synth_seconds": done - constructed,
        "work_seconds": done - imported,
        "kubernetes_objects": text.count("\nkind: ") + int(text.startswith("kind: ")),
        "yaml_bytes": len(text),
        "peak_rss_mib": peak_mib(),
        "node_peak_rss_mib": child_mib(),
    }
