"""Every default Berth chooses, in one place, each with the reason for it.

The defaults table in docs/webapp.md is written from this module; change a value here and
the docs, the manifests layer and the tests follow.
"""

from __future__ import annotations

from typing import Final

# Two pods survive one pod's failure or a node drain (cdk8s-plus chooses the same).
REPLICAS: Final = 2
# Zero-downtime rollouts: never take a ready pod away before its replacement is ready,
# and add at most a quarter more pods while rolling.
MAX_SURGE: Final = "25%"
MAX_UNAVAILABLE: Final = 0
# Kubernetes' own default; a rollout stuck this long is reported as failed.
PROGRESS_DEADLINE_SECONDS: Final = 600
# `pulumi up` waits for a rollout this much longer than the progress deadline, then fails
# (the provider alone would keep waiting its own 10 minutes after the deadline passed).
AWAIT_MARGIN_SECONDS: Final = 60
# Enough old ReplicaSets to roll back a few releases without cluttering the namespace.
REVISION_HISTORY_LIMIT: Final = 5
# A budget of one pod at a time lets drains proceed without taking the app down.
PDB_MAX_UNAVAILABLE: Final = 1
# ClientIP affinity lasts three hours, as in Kubernetes, unless told otherwise.
SESSION_AFFINITY_TIMEOUT: Final = 10800
# The range kube-apiserver's --service-node-port-range has by default.
NODE_PORT_RANGE: Final = (30000, 32767)
CLUSTER_DOMAIN: Final = "cluster.local"
# What the Kubernetes provider appends to an autonamed object: '-' and 8 random
# lowercase letters or digits (seen on the live cluster in the end-to-end tests).
AUTONAME_SUFFIX_LENGTH: Final = 9
# Zero-downtime termination: when a pod starts terminating, the API server removes it from
# the Service's EndpointSlices at once, but kube-proxy on every node, ingress controllers
# and load balancers act on that change a moment later and keep sending new connections
# until they do. The app container's preStop hook sleeps this long first (the native
# `sleep` action, GA in 1.34: no shell needed in distroless images), so SIGTERM comes only
# after traffic has moved away. A few seconds covers kube-proxy's and ingress-nginx's usual
# propagation; raise it behind slower cloud load balancers.
PRE_STOP_SLEEP_SECONDS: Final = 5
# The API server's default terminationGracePeriodSeconds: the preStop sleep and the app's
# own shutdown must both fit in it, or the kubelet sends SIGKILL.
TERMINATION_GRACE_PERIOD_SECONDS: Final = 30
# Who manages the objects, for app.kubernetes.io/managed-by.
MANAGED_BY: Final = "berth"

# CanaryService.
# Four pods split in 25 % steps and keep two stable pods (HA) up to a 50 % canary;
# a finer split needs more pods, which costs more, so the user chooses it.
CANARY_REPLICAS: Final = 4
# The label that tells the two tracks apart, and its values (Argo Rollouts and most
# tutorials use the same words, so dashboards and kubectl queries read naturally).
TRACK_LABEL: Final = "track"
STABLE_TRACK: Final = "stable"
CANARY_TRACK: Final = "canary"
# ingress-nginx's own word for "send this user to the canary"; HTTPRoute matches use it too,
# so a tester's header or cookie works the same through either router.
CANARY_MATCH_VALUE: Final = "always"
# The IngressClass ingress-nginx installs by default.
NGINX_INGRESS_CLASS: Final = "nginx"

# ExternalDatabase: each engine's well-known port and the URL scheme its clients accept.
DATABASE_ENGINES: Final = {
    "postgresql": ("postgresql", 5432),
    "mysql": ("mysql", 3306),
    "redis": ("redis", 6379),
    "mongodb": ("mongodb", 27017),
}

# NetworkPolicy: where the cluster DNS runs. kubeadm, kind, k3s and the managed clouds keep
# the label 'k8s-app: kube-dns' on CoreDNS pods for compatibility, in kube-system.
CLUSTER_DNS_NAMESPACE: Final = "kube-system"
CLUSTER_DNS_POD_LABELS: Final = {"k8s-app": "kube-dns"}

# Namespace: Pod Security 'restricted' enforced, audited and warned about, at the version
# of the cluster's own control plane ('latest'), which is what Berth's pods pass.
POD_SECURITY_LEVEL: Final = "restricted"
POD_SECURITY_VERSION: Final = "latest"
