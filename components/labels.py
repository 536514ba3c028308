"""The label keys Berth sets, and which of them may ever select pods.

A Deployment's selector is immutable: if it changed, Pulumi would have to replace
the Deployment (an outage with fixed names). So selectors are built only from the
identity labels here, never from version, image, replicas or user labels.
"""

from __future__ import annotations

from typing import Final

NAME: Final = "app.kubernetes.io/name"
INSTANCE: Final = "app.kubernetes.io/instance"
VERSION: Final = "app.kubernetes.io/version"
COMPONENT: Final = "app.kubernetes.io/component"
PART_OF: Final = "app.kubernetes.io/part-of"
MANAGED_BY: Final = "app.kubernetes.io/managed-by"
RESERVED_PREFIX: Final = "app.kubernetes.io/"
# EndpointSlices of a selector-less Service must carry this label to be used.
SERVICE_NAME: Final = "kubernetes.io/service-name"
# Topology keys for spreading and zone-aware routing.
ZONE: Final = "topology.kubernetes.io/zone"
HOSTNAME: Final = "kubernetes.io/hostname"
# Tells the EndpointSlice controller that a slice is not its own to manage.
ENDPOINTSLICE_MANAGED_BY: Final = "endpointslice.kubernetes.io/managed-by"

# Annotation keys.
# Makes pulumi-kubernetes report the object ready once applied, without awaiting its status.
# The stack is the source of truth: a field changed by hand (kubectl scale, edit) is put
# back by the next `pulumi up` instead of failing with a server-side apply conflict.
PATCH_FORCE: Final = "pulumi.com/patchForce"
SKIP_AWAIT: Final = "pulumi.com/skipAwait"
# Replaces the provider's own await of an object with the conditions given (JSONPath).
WAIT_FOR: Final = "pulumi.com/waitFor"
# What a LoadBalancer Service is awaited for when its pods are awaited elsewhere: an
# address (the first ingress entry), as the provider's Service await also requires.
LOAD_BALANCER_ADDRESS: Final = "jsonpath={.status.loadBalancer.ingress[0]}"
# The SHA-256 of a component's `files` on its pod template: a change rolls the pods (the
# files are subPath mounts, which never see a change of their ConfigMap).
FILES_HASH: Final = "berth.dev/files-sha256"
# The API server sets this label on every namespace to its name (selectable by policies).
NAMESPACE_NAME: Final = "kubernetes.io/metadata.name"
# Pod Security admission: a namespace's levels (enforce, audit, warn) and their versions.
POD_SECURITY_PREFIX: Final = "pod-security.kubernetes.io/"
