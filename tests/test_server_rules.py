"""The API server's rules, exactly: what it rejects Berth rejects first, what it accepts
Berth accepts (Kubernetes 1.36 and 1.37, the supported versions)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from components import (
    Autoscaling,
    CanaryServiceArgs,
    ConfigMapKeyRef,
    Container,
    ContainerPort,
    DeploymentSpec,
    DisruptionBudget,
    ExternalDatabaseArgs,
    HttpRouteSpec,
    Probe,
    Resources,
    SecretKeyRef,
    Security,
    ServiceSpec,
    SpecError,
    WebApp,
    WebAppArgs,
)
from components.errors import show
from components.inputs import rules
from components.manifests.meta import version_of
from components.manifests.webapp import build_webapp
from components.testing import PulumiHarness

WEB = Container(image="shop:1", ports=[ContainerPort(port=8080, name="http")])
HEX = "0123456789abcdef" * 4
INT32 = 2**31 - 1


def web(**container: Any) -> Callable[[], Any]:
    return lambda: WebAppArgs(container=WEB.evolve(**container))


def shown(value: object) -> str:
    """A value as a message shows it (components.errors.show: short, never a secret)."""
    return show(value)


def lines_of(make: Callable[[], Any]) -> list[str]:
    with pytest.raises(SpecError) as caught:
        make()
    return [line.strip() for line in str(caught.value).splitlines()[1:]]


CIDR = "is not a CIDR range such as '203.0.113.0/24' or '2001:db8::/64'"
IP = "is not an IP address such as '203.0.113.7' or '2001:db8::7'"
STRICT = "(no leading zeros, no IPv4-mapped IPv6 address)"
IMAGE = rules.IMAGE_TEXT
QUANTITY = "is not a resource quantity such as '250m', '1', '512Mi' or '2Gi'"

# (what is wrong, how to make it, the exact line the user sees)
BAD_INPUT: list[tuple[str, Callable[[], Any], str]] = [
    # -- Go regexes match the whole string: no trailing newline (a YAML `|` scalar) --
    (
        "name with a trailing newline",
        lambda: WebAppArgs(name="shop\n", container=WEB),
        f"name: 'shop\\n' {rules.DNS1035_TEXT}",
    ),
    (
        "namespace with a trailing newline",
        lambda: WebAppArgs(namespace="prod\n", container=WEB),
        f"namespace: 'prod\\n' {rules.DNS1123_LABEL_TEXT}",
    ),
    (
        "label key with a trailing newline",
        lambda: WebAppArgs(container=WEB, labels={"team\n": "a"}),
        "labels … is not a valid label key (an "
        "optional DNS subdomain prefix and '/', then a name of at most 63 letters, digits, "
        "'-', '_' or '.', starting and ending with a letter or digit)",
    ),
    (
        "label value with a trailing newline",
        lambda: WebAppArgs(container=WEB, labels={"team": "a\n"}),
        "labels … is not a valid label "
        "value (empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending "
        "with a letter or digit)",
    ),
    (
        "env name with a trailing newline",
        web(env={"LOG\n": "x"}),
        "container.env … is not a valid environment "
        "variable name (one or more printable ASCII characters other than '=')",
    ),
    (
        "service account with a trailing newline",
        lambda: WebAppArgs(container=WEB, deployment=DeploymentSpec(service_account_name="s\n")),
        f"deployment.service_account_name: 's\\n' {rules.DNS1123_SUBDOMAIN_TEXT}",
    ),
    (
        "max_unavailable with a trailing newline",
        lambda: WebAppArgs(container=WEB, deployment=DeploymentSpec(max_unavailable="25%\n")),
        "deployment.max_unavailable: '25%\\n' is not a non-negative integer or a percentage "
        "such as '25%'",
    ),
    (
        "quantity with a trailing newline",
        web(resources=Resources(cpu_request="1\n")),
        f"container.resources.cpu_request: '1\\n' {QUANTITY}",
    ),
    (
        "port name with a trailing newline",
        lambda: WebAppArgs(container=WEB.evolve(ports=[ContainerPort(port=80, name="http\n")])),
        "container.ports[0].name: 'http\\n' is not a valid port name (at most 15 lowercase "
        "letters, digits or '-', with at least one letter, no '--', and no '-' at either end)",
    ),
    # -- resource.Quantity grammar --
    ("kilo is lowercase", web(resources=Resources(cpu_request="1K")), f"container.resources.cpu_request: '1K' {QUANTITY}"),
    ("an exponent needs digits", web(resources=Resources(cpu_request="1e")), f"container.resources.cpu_request: '1e' {QUANTITY}"),
    ("a lone dot", web(resources=Resources(cpu_request=".")), f"container.resources.cpu_request: '.' {QUANTITY}"),
    ("a lone sign", web(resources=Resources(cpu_request="+")), f"container.resources.cpu_request: '+' {QUANTITY}"),
    ("two dots", web(resources=Resources(cpu_request="1.5.5")), f"container.resources.cpu_request: '1.5.5' {QUANTITY}"),
    ("a space before the suffix", web(resources=Resources(cpu_request="1 Gi")), f"container.resources.cpu_request: '1 Gi' {QUANTITY}"),
    ("binary suffix on milli", web(resources=Resources(cpu_request="1mi")), f"container.resources.cpu_request: '1mi' {QUANTITY}"),
    (
        "an exponent beyond int32",
        web(resources=Resources(cpu_request="1e2147483648")),
        f"container.resources.cpu_request: '1e2147483648' {QUANTITY}",
    ),
    (
        "exa request above an exbibyte limit",
        web(resources=Resources(memory_request="2E", memory_limit="1Ei")),
        "container.resources.memory_request: '2E' must be less than or equal to "
        "memory_limit ('1Ei')",
    ),
    (
        "memory in millibytes",
        web(resources=Resources(memory_request="128m")),
        "container.resources.memory_request: '128m' is not a whole number of bytes (0.128 bytes); "
        "'m' is milli, not mega: did you mean '128Mi'?",
    ),
    (
        "memory limit of half a byte",
        web(resources=Resources(memory_limit="0.5")),
        "container.resources.memory_limit: '0.5' is not a whole number of bytes (0.5 bytes)",
    ),
    # -- int32 and UID bounds --
    (
        "replicas beyond int32",
        lambda: WebAppArgs(container=WEB, deployment=DeploymentSpec(replicas=2**31)),
        "deployment.replicas: 2147483648 is more than 2147483647, the largest value of this "
        "field (int32)",
    ),
    (
        "replicas far beyond int32",
        lambda: WebAppArgs(container=WEB, deployment=DeploymentSpec(replicas=2**40)),
        "deployment.replicas: 1099511627776 is more than 2147483647, the largest "
        "value of this field (int32)",
    ),
    (
        "a boolean is not a count",
        lambda: WebAppArgs(container=WEB, deployment=DeploymentSpec(replicas=True)),
        "deployment.replicas: True is not an integer",
    ),
    (
        "progress deadline beyond int32",
        lambda: WebAppArgs(
            container=WEB, deployment=DeploymentSpec(progress_deadline_seconds=2**31)
        ),
        "deployment.progress_deadline_seconds: 2147483648 is more than 2147483647, the "
        "largest value of this field (int32)",
    ),
    (
        "min ready seconds beyond int32",
        lambda: WebAppArgs(container=WEB, deployment=DeploymentSpec(min_ready_seconds=2**31)),
        "deployment.min_ready_seconds: 2147483648 is more than 2147483647, the largest value "
        "of this field (int32)",
    ),
    (
        "revision history beyond int32",
        lambda: WebAppArgs(
            container=WEB, deployment=DeploymentSpec(revision_history_limit=2**31)
        ),
        "deployment.revision_history_limit: 2147483648 is more than 2147483647, the largest "
        "value of this field (int32)",
    ),
    (
        "grace period beyond int64",
        lambda: WebAppArgs(
            container=WEB, deployment=DeploymentSpec(termination_grace_period_seconds=2**63)
        ),
        # Beyond int64 no field takes it: the value is refused before any field's check.
        "deployment.termination_grace_period_seconds: 9223372036854775808 is out of range "
        "(more than a 64-bit integer)",
    ),
    (
        "probe period beyond int32",
        web(readiness_probe=Probe.http(period_seconds=2**31)),
        "container.readiness_probe.period_seconds: 2147483648 is more than 2147483647, the "
        "largest value of this field (int32)",
    ),
    (
        "probe delay beyond int32",
        web(liveness_probe=Probe.tcp(initial_delay_seconds=2**31)),
        "container.liveness_probe.initial_delay_seconds: 2147483648 is more than 2147483647, "
        "the largest value of this field (int32)",
    ),
    (
        "run_as_user beyond the UID range",
        web(security=Security(run_as_user=2**31)),
        "container.security.run_as_user: 2147483648 is more than 2147483647, the largest "
        "user or group ID",
    ),
    (
        "fs_group beyond the GID range",
        web(security=Security(fs_group=2**32)),
        "container.security.fs_group: 4294967296 is more than 2147483647, the largest user "
        "or group ID",
    ),
    (
        "autoscaler maximum beyond int32",
        lambda: WebAppArgs(
            container=WEB, deployment=DeploymentSpec(autoscaling=Autoscaling(max_replicas=2**31))
        ),
        "deployment.autoscaling.max_replicas: 2147483648 is more than 2147483647, the "
        "largest value of this field (int32)",
    ),
    (
        "a count in an IntOrString beyond int32",
        lambda: WebAppArgs(container=WEB, deployment=DeploymentSpec(max_surge=2**31)),
        "deployment.max_surge: 2147483648 is not a non-negative integer or a percentage "
        "such as '25%'",
    ),
    # -- disruption budgets: a share of the pods --
    (
        "budget max_unavailable over 100%",
        lambda: WebAppArgs(
            container=WEB,
            deployment=DeploymentSpec(disruption_budget=DisruptionBudget(max_unavailable="150%")),
        ),
        "deployment.disruption_budget.max_unavailable: '150%' must not be more than '100%'",
    ),
    (
        "budget min_available over 100%",
        lambda: WebAppArgs(
            container=WEB,
            deployment=DeploymentSpec(disruption_budget=DisruptionBudget(min_available="150%")),
        ),
        "deployment.disruption_budget.min_available: '150%' must not be more than '100%'",
    ),
    (
        "budget of zero written with a leading zero",
        lambda: WebAppArgs(
            container=WEB,
            deployment=DeploymentSpec(disruption_budget=DisruptionBudget(max_unavailable="00%")),
        ),
        "deployment.disruption_budget.max_unavailable: '00%' would block every voluntary "
        "eviction (node drains hang); use at least 1",
    ),
    # -- IP addresses and CIDRs (strict parsing since 1.36) --
    (
        "external IP unspecified",
        lambda: WebAppArgs(container=WEB, service=ServiceSpec(external_ips=["0.0.0.0"])),
        "service.external_ips[0]: '0.0.0.0' is the unspecified address, which reaches no server",
    ),
    (
        "external IP loopback",
        lambda: WebAppArgs(container=WEB, service=ServiceSpec(external_ips=["::1"])),
        "service.external_ips[0]: '::1' is a loopback address, which would reach the "
        "client's own pod",
    ),
    (
        "external IP link-local",
        lambda: WebAppArgs(
            container=WEB, service=ServiceSpec(external_ips=["203.0.113.7", "169.254.169.254"])
        ),
        "service.external_ips[1]: '169.254.169.254' is a link-local address, which the API "
        "server rejects here",
    ),
    (
        "external IP multicast",
        lambda: WebAppArgs(container=WEB, service=ServiceSpec(external_ips=["239.1.2.3"])),
        "service.external_ips[0]: '239.1.2.3' is a multicast address; it must be a unicast "
        "address",
    ),
    (
        "external IP with a leading zero",
        lambda: WebAppArgs(container=WEB, service=ServiceSpec(external_ips=["010.0.0.1"])),
        f"service.external_ips[0]: '010.0.0.1' {IP} {STRICT}",
    ),
    (
        "external IP as IPv4-mapped IPv6",
        lambda: WebAppArgs(container=WEB, service=ServiceSpec(external_ips=["::ffff:10.0.0.1"])),
        f"service.external_ips[0]: '::ffff:10.0.0.1' {IP} {STRICT}",
    ),
    (
        "external IP with a zone",
        lambda: WebAppArgs(container=WEB, service=ServiceSpec(external_ips=["fe80::1%eth0"])),
        f"service.external_ips[0]: 'fe80::1%eth0' {IP} {STRICT}",
    ),
    (
        "external IP not a string",
        lambda: WebAppArgs(container=WEB, service=ServiceSpec(external_ips=[167772161])),  # type: ignore[list-item]
        f"service.external_ips[0]: 167772161 {IP} (a string)",
    ),
    (
        "source range without a prefix",
        lambda: WebAppArgs(
            container=WEB, service=ServiceSpec(load_balancer_source_ranges=["10.0.0.1"], type="LoadBalancer")
        ),
        f"service.load_balancer_source_ranges[0]: '10.0.0.1' {CIDR}: it has no prefix length "
        "(write '10.0.0.1/32' for one address)",
    ),
    (
        "source range not a string",
        lambda: WebAppArgs(
            container=WEB,
            service=ServiceSpec(load_balancer_source_ranges=["10.0.0.0/8", 100], type="LoadBalancer"),  # type: ignore[list-item]
        ),
        f"service.load_balancer_source_ranges[1]: 100 {CIDR} (a string)",
    ),
    (
        "source range with host bits",
        lambda: WebAppArgs(
            container=WEB, service=ServiceSpec(load_balancer_source_ranges=["10.1.2.3/8"], type="LoadBalancer")
        ),
        "service.load_balancer_source_ranges[0]: '10.1.2.3/8' has bits set beyond the prefix "
        "length (write '10.0.0.0/8')",
    ),
    (
        "source range with a netmask",
        lambda: WebAppArgs(
            container=WEB,
            service=ServiceSpec(load_balancer_source_ranges=["10.0.0.0/255.0.0.0"], type="LoadBalancer"),
        ),
        f"service.load_balancer_source_ranges[0]: '10.0.0.0/255.0.0.0' {CIDR} {STRICT}",
    ),
    (
        "source range with a leading zero in the prefix",
        lambda: WebAppArgs(
            container=WEB, service=ServiceSpec(load_balancer_source_ranges=["10.0.0.0/08"], type="LoadBalancer")
        ),
        f"service.load_balancer_source_ranges[0]: '10.0.0.0/08' {CIDR} {STRICT}",
    ),
    # -- Secret and ConfigMap keys, security --
    (
        "Secret key with a space",
        web(env={"TOKEN": SecretKeyRef(secret_name="s", key="my key!")}),
        "container.env['TOKEN'].key: 'my key!' is not a valid Secret or ConfigMap key (at "
        "most 253 letters, digits, '-', '_' or '.', not '.' and not starting with '..')",
    ),
    (
        "ConfigMap key starting with '..'",
        web(env={"MODE": ConfigMapKeyRef(config_map_name="c", key="..mode")}),
        "container.env['MODE'].key: '..mode' is not a valid Secret or ConfigMap key (at "
        "most 253 letters, digits, '-', '_' or '.', not '.' and not starting with '..')",
    ),
    (
        "a writable path twice",
        web(security=Security(writable_paths=["/tmp", "/cache", "/tmp"])),
        "container.security.writable_paths: '/tmp' is listed more than once (each path is "
        "one mount)",
    ),
    (
        "seccomp profile not a string",
        web(security=Security(seccomp_profile="Localhost", seccomp_localhost_profile=5)),  # type: ignore[arg-type]
        "container.security.seccomp_localhost_profile: 5 is not a relative path to a profile "
        "under the kubelet's seccomp directory (non-empty, not starting with '/', without '..')",
    ),
    (
        "seccomp profile absolute",
        web(security=Security(seccomp_profile="Localhost", seccomp_localhost_profile="/p.json")),
        "container.security.seccomp_localhost_profile: '/p.json' is not a relative path to a "
        "profile under the kubelet's seccomp directory (non-empty, not starting with '/', "
        "without '..')",
    ),
    (
        "seccomp profile climbing out",
        web(security=Security(seccomp_profile="Localhost", seccomp_localhost_profile="a/../b")),
        "container.security.seccomp_localhost_profile: 'a/../b' is not a relative path to a "
        "profile under the kubelet's seccomp directory (non-empty, not starting with '/', "
        "without '..')",
    ),
    (
        "seccomp profile without Localhost",
        web(security=Security(seccomp_localhost_profile="p.json")),
        "container.security.seccomp_localhost_profile: 'p.json' applies only to "
        "seccomp_profile 'Localhost'",
    ),
    # -- sizes --
    (
        "annotations over 256 KiB",
        lambda: WebAppArgs(container=WEB, annotations={"note": "x" * 262144}),
        "annotations: 262233 bytes (keys and values) is more than an object's annotations "
        "may total (262144 bytes, 256 KiB)",
    ),
    (
        "Service annotations over 256 KiB with the component's",
        lambda: WebAppArgs(
            container=WEB,
            annotations={"a": "x" * 131072},
            service=ServiceSpec(annotations={"b": "x" * 131072}),
        ),
        "service.annotations: 262231 bytes (keys and values) is more than an object's "
        "annotations may total (262144 bytes, 256 KiB)",
    ),
    (
        "a container too large for etcd",
        web(env={"A": "x" * (1536 * 1024)}),
        "container.env: 1572865 bytes of env names and values, command and args is more than "
        "one object can hold (etcd stores at most 1572864 bytes, 1.5 MiB; mount large data "
        "from a ConfigMap or volume instead)",
    ),
    (
        "secret env over 1 MiB",
        web(secret_env={"BIG": "x" * 1048576}),
        "container.secret_env: 1048579 bytes (keys and values) is more than a Secret's data "
        "may hold (1048576 bytes, 1 MiB)",
    ),
    # -- image references (distribution grammar, as the kubelet parses them) --
    (
        "image path in upper case",
        lambda: WebAppArgs(
            container=WEB.evolve(image="registry.example.com/MyTeam/Shop:1.0")
        ),
        f"container.image: 'registry.example.com/MyTeam/Shop:1.0' {IMAGE}: the repository "
        "path must be lowercase",
    ),
    (
        "image tag with a slash",
        lambda: WebAppArgs(container=WEB.evolve(image="shop:feature/login")),
        f"container.image: 'shop:feature/login' {IMAGE}: a tag cannot contain '/'",
    ),
    (
        "image tag starting with a dot",
        lambda: WebAppArgs(container=WEB.evolve(image="shop:.1")),
        f"container.image: 'shop:.1' {IMAGE}",
    ),
    (
        "image tag over 128 characters",
        lambda: WebAppArgs(container=WEB.evolve(image="shop:" + "1" * 129)),
        f"container.image: {shown('shop:' + '1' * 129)} {IMAGE}",
    ),
    (
        "image digest in upper case",
        lambda: WebAppArgs(container=WEB.evolve(image="shop@sha256:" + HEX.upper())),
        f"container.image: 'shop@sha256:{HEX.upper()}' {IMAGE}: the digest must be sha256, "
        "sha384 or sha512 with 64, 96 or 128 lowercase hex digits",
    ),
    (
        "image digest too short for sha256",
        lambda: WebAppArgs(container=WEB.evolve(image="shop@sha256:" + HEX[:40])),
        f"container.image: 'shop@sha256:{HEX[:40]}' {IMAGE}: the digest must be sha256, "
        "sha384 or sha512 with 64, 96 or 128 lowercase hex digits",
    ),
    (
        "image name over 255 characters",
        lambda: WebAppArgs(container=WEB.evolve(image="a/" * 127 + "bb:1")),
        f"container.image: {shown('a/' * 127 + 'bb:1')} {IMAGE}: the repository name is "
        "longer than 255 characters",
    ),
    (
        "image named like an image ID",
        lambda: WebAppArgs(container=WEB.evolve(image=HEX)),
        f"container.image: '{HEX}' {IMAGE}: a repository name cannot be 64 hex digits (an "
        "image ID)",
    ),
    (
        "image with a trailing newline",
        lambda: WebAppArgs(container=WEB.evolve(image="shop:1\n")),
        "container.image: 'shop:1\\n' is not a container image reference (it contains "
        "whitespace)",
    ),
    # -- CanaryService strings matched by Gateway API patterns --
    (
        "route hostname with a trailing newline",
        lambda: CanaryServiceArgs(
            container=WEB, http_route=HttpRouteSpec(gateway="gw", hostnames=["shop.example.com\n"])
        ),
        "http_route.hostnames … "
        "is not a hostname (a lowercase DNS name such as 'shop.example.com' or "
        "'*.example.com'; not an IP address)",
    ),
    (
        "header name with a trailing newline",
        lambda: CanaryServiceArgs(
            container=WEB, http_route=HttpRouteSpec(gateway="gw", header="X-Canary\n")
        ),
        "http_route.header: 'X-Canary\\n' is not an HTTP header name (letters, digits and "
        "!#$%&'*+-.^_`|~, at most 256)",
    ),
    (
        "cookie name with a trailing newline",
        lambda: CanaryServiceArgs(
            container=WEB, http_route=HttpRouteSpec(gateway="gw", cookie="canary\n")
        ),
        "http_route.cookie: 'canary\\n' is not a cookie name (letters, digits, '_' or '-', at "
        "most 256)",
    ),
    # -- ExternalDatabase endpoints --
    (
        "database address as IPv4-mapped IPv6",
        lambda: ExternalDatabaseArgs(engine="postgresql", addresses=["::ffff:10.0.0.5"]),
        f"addresses[0]: '::ffff:10.0.0.5' {IP} {STRICT}",
    ),
    (
        "database address with a leading zero",
        lambda: ExternalDatabaseArgs(engine="postgresql", addresses=["10.0.0.05"]),
        f"addresses[0]: '10.0.0.05' {IP} {STRICT}",
    ),
    (
        "database host that is an IP with a leading zero",
        lambda: ExternalDatabaseArgs(engine="postgresql", host="010.0.0.5"),
        "host: '010.0.0.5' is an IP address; give it as addresses=['010.0.0.5'] instead (an "
        "ExternalName Service is a DNS alias and never resolves an IP)",
    ),
    (
        "route hostname that is an IP with a leading zero",
        lambda: CanaryServiceArgs(
            container=WEB, http_route=HttpRouteSpec(gateway="gw", hostnames=["010.0.0.5"])
        ),
        "http_route.hostnames … is not a hostname "
        "(a lowercase DNS name such as 'shop.example.com' or '*.example.com'; not an IP "
        "address)",
    ),
    (
        "database address unspecified",
        lambda: ExternalDatabaseArgs(engine="postgresql", addresses=["::"]),
        "addresses[0]: '::' is the unspecified address, which reaches no server",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "expected"), [(m, e) for _, m, e in BAD_INPUT], ids=[n for n, _, _ in BAD_INPUT]
)
def test_what_the_server_rejects_is_rejected_first(make: Callable[[], Any], expected: str) -> None:
    lines = lines_of(make)
    if " … " in expected:
        # An item of a list or mapping: the field, then whatever names the item and its
        # value (the path-and-value format is the problem collector's), then the rule.
        field_path, rule = expected.split(" … ")
        assert any(line.startswith(field_path) and line.endswith(rule) for line in lines), lines
    else:
        assert expected in lines


# (what is valid, how to make it): edge cases the API server accepts.
VALID_INPUT: list[tuple[str, Callable[[], Any]]] = [
    ("exa, the decimal suffix E", web(resources=Resources(memory_limit="1E"))),
    ("exbi, the binary suffix Ei", web(resources=Resources(memory_limit="1Ei"))),
    ("a decimal exponent", web(resources=Resources(cpu_request="1e3", cpu_limit="1E+3"))),
    ("a trailing dot", web(resources=Resources(cpu_request="1."))),
    ("a leading dot and sign", web(resources=Resources(cpu_request="+.5"))),
    ("half a kibibyte is whole bytes", web(resources=Resources(memory_request="0.5Ki"))),
    ("millicores", web(resources=Resources(cpu_request="250m", cpu_limit="1"))),
    ("a huge limit", web(resources=Resources(memory_limit="12345678901234567890123456789Ei"))),
    ("replicas at int32's maximum", lambda: WebAppArgs(container=WEB, deployment=DeploymentSpec(replicas=INT32))),
    ("run_as_user at the UID maximum", web(security=Security(run_as_user=INT32, run_as_group=INT32, fs_group=INT32))),
    ("a long grace period (int64)", lambda: WebAppArgs(container=WEB, deployment=DeploymentSpec(termination_grace_period_seconds=2**40))),
    ("max_surge over 100% (no upper bound)", lambda: WebAppArgs(container=WEB, deployment=DeploymentSpec(max_surge="150%"))),
    ("a percentage with a leading zero", lambda: WebAppArgs(container=WEB, deployment=DeploymentSpec(max_unavailable="05%"))),
    ("a budget of exactly 100% unavailable", lambda: WebAppArgs(container=WEB, deployment=DeploymentSpec(disruption_budget=DisruptionBudget(max_unavailable="100%")))),
    ("env names since Kubernetes 1.34", web(env={"Logging:LogLevel:Default": "Debug", "1ST": "a", "a b.c-d": "x", "~!@#$%^&*()": "y"})),
    ("Secret key with dots, dashes and underscores", web(env={"T": SecretKeyRef(secret_name="s", key="tls.crt-a_b")})),
    ("secret env with a dotted name", web(secret_env={"db.password": "s"})),
    ("a relative seccomp profile", web(security=Security(seccomp_profile="Localhost", seccomp_localhost_profile="profiles/app.json"))),
    ("external IPs, unicast", lambda: WebAppArgs(container=WEB, service=ServiceSpec(external_ips=["203.0.113.7", "2001:db8::7"]))),
    ("source ranges with padding the server trims", lambda: WebAppArgs(container=WEB, service=ServiceSpec(load_balancer_source_ranges=["10.0.0.0/8", " 192.0.2.0/24 ", "0.0.0.0/0", "2001:db8::/32"], type="LoadBalancer"))),
    ("annotations of exactly 256 KiB with Berth's", lambda: WebAppArgs(container=WEB, annotations={"note": "x" * (262144 - 89)})),
    ("a registry with a port, tag and digest", lambda: WebAppArgs(container=WEB.evolve(image=f"localhost:5000/a/b:1@sha256:{HEX}"))),
    ("an IPv6 registry", lambda: WebAppArgs(container=WEB.evolve(image="[::1]:5000/shop:1"))),
    ("separators in the path", lambda: WebAppArgs(container=WEB.evolve(image="reg.io/a__b/c--d/e.f_g:V1_x.2-3"))),
    ("a registry name in upper case", lambda: WebAppArgs(container=WEB.evolve(image="Registry.Example.com/team/shop:1"))),
    ("a 128-character tag", lambda: WebAppArgs(container=WEB.evolve(image="shop:" + "a" * 128))),
    ("a sha512 digest", lambda: WebAppArgs(container=WEB.evolve(image="shop@sha512:" + HEX * 2))),
]  # fmt: skip


@pytest.mark.parametrize("make", [m for _, m in VALID_INPUT], ids=[n for n, _ in VALID_INPUT])
def test_what_the_server_accepts_is_accepted(make: Callable[[], Any]) -> None:
    make()


def test_quantities_are_exact_numbers() -> None:
    assert rules.parse_quantity("1E") == 10**18
    assert rules.parse_quantity("1Ei") == 2**60
    assert rules.parse_quantity("1.5Gi") == 3 * 2**29
    assert rules.parse_quantity("250m") == Decimal("0.25")
    assert rules.parse_quantity("12345678901234567890123456789Ei") == (
        12345678901234567890123456789 * 2**60
    )
    # Beyond a float's range, and still exact.
    assert rules.parse_quantity("1e400") == Decimal(10) ** 400
    assert rules.parse_quantity("1e400") > rules.parse_quantity("9" * 399)  # type: ignore[operator]


def test_image_advice_reads_the_reference_as_the_kubelet_does() -> None:
    assert rules.image_pinned("localhost:5000/shop") is not None  # the port is no tag
    assert "':latest'" in (rules.image_pinned("localhost:5000/shop:latest") or "")
    assert rules.image_pinned("localhost:5000/shop:1.2") is None
    assert rules.image_pinned(f"shop@sha256:{HEX}") is None
    assert version_of(f"localhost:5000/shop:1.2@sha256:{HEX}") == "1.2"
    assert version_of("localhost:5000/shop") is None


def test_a_component_name_that_cannot_be_a_label_value_is_rejected() -> None:
    # With a fixed name the component name is not a Kubernetes name, but it is the
    # app.kubernetes.io/name and instance labels.
    args = WebAppArgs(name="shop", container=WEB)
    assert lines_of(lambda: build_webapp("Shop App", args)) == [
        "app: 'Shop App' is not a valid label value (empty, or at most 63 letters, digits, "
        "'-', '_' or '.', starting and ending with a letter or digit): the component name "
        "becomes the 'app.kubernetes.io/name' label unless app is given",
        "instance: 'Shop App' is not a valid label value (empty, or at most 63 letters, "
        "digits, '-', '_' or '.', starting and ending with a letter or digit): the component "
        "name becomes the 'app.kubernetes.io/instance' label unless instance is given",
    ]


def test_a_component_name_is_free_when_app_and_instance_are_given() -> None:
    args = WebAppArgs(name="shop", app="shop", instance="shop-eu", container=WEB)
    labels = build_webapp("Shop App", args).deployment["metadata"]["labels"]
    assert labels["app.kubernetes.io/instance"] == "shop-eu"


def test_a_webapp_whose_name_cannot_be_a_label_registers_nothing(
    pulumi_harness: PulumiHarness,
) -> None:
    with pytest.raises(SpecError, match=r"app: 'Shop App' is not a valid label value"):
        pulumi_harness.run(lambda: WebApp("Shop App", WebAppArgs(name="shop", container=WEB)))
    assert len(pulumi_harness.registry.resources) <= 1  # the stack itself at most
    assert not pulumi_harness.registry.of_type("berth:index:WebApp")


def test_a_secret_env_name_must_also_be_a_secret_key() -> None:
    # The name keys the value in the Secret Berth creates. (How the mapping itself is
    # shown is the redaction rules' business; the rule is in the text after it.)
    message = "\n".join(lines_of(web(secret_env={"Db:Password": "s"})))
    assert (
        "container.secret_env['Db:Password']: 'Db:Password' is not both an environment variable "
        "name and a Secret "
        "key (it names the value in the Secret too: letters, digits, '-', '_' or '.'; use a "
        "SecretKeyRef in env for other names)"
    ) in message
