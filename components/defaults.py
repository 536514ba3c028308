"""Every default Berth chooses, in one place, each with the reason for it.

The README's defaults table is written from this module; change a value here and
the docs, the build layer and the tests follow.
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
# Enough old ReplicaSets to roll back a few releases without cluttering the namespace.
REVISION_HISTORY_LIMIT: Final = 5
# A budget of one pod at a time lets drains proceed without taking the app down.
PDB_MAX_UNAVAILABLE: Final = 1
# ClientIP affinity lasts three hours, as in Kubernetes, unless told otherwise.
SESSION_AFFINITY_TIMEOUT: Final = 10800
# The range kube-apiserver's --service-node-port-range has by default.
NODE_PORT_RANGE: Final = (30000, 32767)
CLUSTER_DOMAIN: Final = "cluster.local"
# What Pulumi appends to an autonamed resource: '-' and 7 random characters, and
# we keep one character spare so names never hit the 63-character limit.
AUTONAME_SUFFIX_LENGTH: Final = 8
# Who manages the objects, for app.kubernetes.io/managed-by.
MANAGED_BY: Final = "berth"
