"""Test harness for Pulumi programs built with Berth (or plain pulumi_kubernetes).

* :class:`PulumiHarness` runs a program under mocks in preview or update mode
  and reads its outputs without letting unknown values skip assertions.
* :class:`BerthMocks` fills what the Kubernetes provider would (names,
  namespaces, cluster IPs, Deployment status).
* :class:`ResourceRegistry` records every resource with its inputs, options,
  parent and registered outputs, plus log messages.
* :func:`validate_manifest` checks manifests against the Kubernetes schemas.

The pytest plugin (entry point ``berth_components_pytest``) provides the
``pulumi_harness`` fixture. Names are imported lazily so that using the
fixture's module does not import Pulumi before a test needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from components._lazy import lazy_getattr

_EXPORTS: dict[str, str] = {
    "BerthMocks": "components.testing.mocks",
    "FAKE_CLUSTER_UID": "components.testing.mocks",
    "FAKE_KUBECONFIG": "components.testing.mocks",
    "autoname": "components.testing.mocks",
    "fake_cluster_ip": "components.testing.mocks",
    "fake_load_balancer_ip": "components.testing.mocks",
    "normalize_numbers": "components.testing.mocks",
    "UNKNOWN": "components.testing.registry",
    "CustomTimeouts": "components.testing.registry",
    "InvokeRecord": "components.testing.registry",
    "LogEntry": "components.testing.registry",
    "RecordingMonitor": "components.testing.registry",
    "ResourceOptionsRecord": "components.testing.registry",
    "ResourceRecord": "components.testing.registry",
    "ResourceRegistry": "components.testing.registry",
    "Mode": "components.testing.harness",
    "PulumiHarness": "components.testing.harness",
    "SUPPORTED_K8S_VERSIONS": "components.testing.schema",
    "SchemaError": "components.testing.schema",
    "SchemaNotFoundError": "components.testing.schema",
    "SchemaValidator": "components.testing.schema",
    "Violation": "components.testing.schema",
    "register_schema": "components.testing.schema",
    "validate_manifest": "components.testing.schema",
}

__all__ = list(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)


if TYPE_CHECKING:
    from components.testing.harness import Mode as Mode, PulumiHarness as PulumiHarness
    from components.testing.mocks import (
        FAKE_CLUSTER_UID as FAKE_CLUSTER_UID,
        FAKE_KUBECONFIG as FAKE_KUBECONFIG,
        BerthMocks as BerthMocks,
        autoname as autoname,
        fake_cluster_ip as fake_cluster_ip,
        fake_load_balancer_ip as fake_load_balancer_ip,
        normalize_numbers as normalize_numbers,
    )
    from components.testing.registry import (
        UNKNOWN as UNKNOWN,
        CustomTimeouts as CustomTimeouts,
        InvokeRecord as InvokeRecord,
        LogEntry as LogEntry,
        RecordingMonitor as RecordingMonitor,
        ResourceOptionsRecord as ResourceOptionsRecord,
        ResourceRecord as ResourceRecord,
        ResourceRegistry as ResourceRegistry,
    )
    from components.testing.schema import (
        SUPPORTED_K8S_VERSIONS as SUPPORTED_K8S_VERSIONS,
        SchemaError as SchemaError,
        SchemaNotFoundError as SchemaNotFoundError,
        SchemaValidator as SchemaValidator,
        Violation as Violation,
        register_schema as register_schema,
        validate_manifest as validate_manifest,
    )
