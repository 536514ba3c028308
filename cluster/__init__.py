"""Berth's local Kubernetes cluster, one module per part (python stdlib only).

`cluster/berth-cluster` is the entry point; `cli` holds its commands. Parts:
`pki` (certificates, kubeconfigs), `supervisor` (the processes every part starts),
`controlplane` (etcd, kube-apiserver, controller-manager, scheduler), `kwok` (fake
nodes), and the real node: `network` (bridge, pod CIDR, routes, CNI config),
`containerd`, `kubelet`, `kubeproxy`, `realnode` (brings them up and tears them down),
`dns` (CoreDNS and the kube-dns Service) and `gateway` (Gateway API CRDs, Traefik).
Each part's generated configuration is a pure function, unit-tested in
tests/test_cluster_*.py.
"""
