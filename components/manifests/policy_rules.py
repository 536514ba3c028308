"""Berth's rules over Kubernetes manifests: what the policy pack (``policy/``) enforces on
every object of a stack, and what every manifest Berth builds passes.

Each rule is a pure function of camelCase manifest dicts (as ``build_*`` return them, as the
harness registry records inputs, as a policy pack receives ``props``) returning
:class:`~components.errors.Problem` records in :class:`~components.errors.SpecError`'s
format. Field-level checks are those of :mod:`components.inputs.rules`: one rule, written
once, for the inputs, the manifests and the pack.

A value unknown in a preview (:data:`UNKNOWN`, or the engine's sentinel strings) is never a
violation: the check that needed it yields a problem whose value is :data:`UNKNOWN`
(:func:`is_skipped`), which the pack reports as skipped, not as a violation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from components import defaults
from components.errors import HIDDEN, Problem
from components.inputs import rules

Level = Literal["advisory", "mandatory"]


class Unknown:
    """A value the engine does not know yet (a preview of an output of another resource)."""

    def __repr__(self) -> str:
        return "<unknown in this preview>"


UNKNOWN: Final = Unknown()

# The engine's wire sentinels for unknown values (pulumi-policy hands them over as is).
_SENTINELS: Final = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # bool
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string (and any computed value)
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)


def is_unknown(value: object) -> bool:
    return isinstance(value, Unknown) or (isinstance(value, str) and value in _SENTINELS)


def is_skipped(problem: Problem) -> bool:
    """A check that could not run because a value it needs is unknown in this preview."""
    return is_unknown(problem.value)


def _skip(path: str, what: str) -> Problem:
    return Problem(path, UNKNOWN, f"not checked in this preview ({what}); checked at update")


# Pod templates: where each workload kind holds its pod spec.
POD_TEMPLATE_PATHS: Final[Mapping[str, tuple[str, ...]]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
WORKLOAD_KINDS: Final = tuple(POD_TEMPLATE_PATHS)


def _get(obj: object, *keys: str) -> object:
    for key in keys:
        if not isinstance(obj, Mapping):
            return UNKNOWN if is_unknown(obj) else None
        obj = obj.get(key)
    return obj


def _map(obj: object) -> Mapping[str, Any]:
    return obj if isinstance(obj, Mapping) else {}


def _list(obj: object) -> Sequence[Any]:
    return obj if isinstance(obj, list | tuple) else ()


def pod_template(manifest: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """The pod template of a workload and its path, or None for other kinds."""
    keys = POD_TEMPLATE_PATHS.get(str(manifest.get("kind")))
    if keys is None:
        return None
    return ".".join(keys), _map(_get(manifest, *keys))


def containers(pod_spec: Mapping[str, Any], path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every container (init containers too) with its path."""
    for field in ("initContainers", "containers"):
        for i, c in enumerate(_list(pod_spec.get(field))):
            yield f"{path}.{field}[{i}]", _map(c)


def is_sidecar(container: Mapping[str, Any]) -> bool:
    """An init container that keeps running beside the app (restartPolicy Always)."""
    return container.get("restartPolicy") == "Always"


# What the API server refuses on an init container that runs to completion.
_NOT_ON_INIT: Final = ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe")


def _check(path: str, value: object, check: rules.Check) -> list[Problem]:
    if is_unknown(value):
        return [_skip(path, rules.describe(check))]
    answer = check(value)
    if not answer:
        return []
    if isinstance(answer, str):
        return [Problem(path, value, answer)]
    return [problem.under(path) for problem in answer]  # items of a list or mapping


def _label_problems(path: str, labels: object) -> list[Problem]:
    out: list[Problem] = []
    for key, value in _map(labels).items():
        out += _check(f"{path}[{key!r}]", key, rules.label_key)
        out += _check(f"{path}[{key!r}]", value, rules.label_value)
    return out


def _int(value: object) -> int | None:
    return value if rules.is_int(value) else None  # type: ignore[return-value]


def replicas(manifest: Mapping[str, Any]) -> int | None:
    """A Deployment's desired replicas (1 when unset), or None when unknown."""
    value = _get(manifest, "spec", "replicas")
    return 1 if value is None else _int(value)


# --- the API server's rules (validation Berth checks on its inputs) --------------------

_NAME_CHECKS: Final[Mapping[str, rules.Check]] = {
    "Service": rules.dns1035_label,
    "Namespace": rules.dns1123_label,
}


def api_server_rules(manifest: Mapping[str, Any]) -> list[Problem]:
    """What the API server would reject at apply time, found at preview instead."""
    kind = str(manifest.get("kind"))
    out: list[Problem] = []
    name = _get(manifest, "metadata", "name")
    if name is not None:
        out += _check("metadata.name", name, _NAME_CHECKS.get(kind, rules.dns1123_subdomain))
    namespace = _get(manifest, "metadata", "namespace")
    if namespace is not None:
        out += _check("metadata.namespace", namespace, rules.dns1123_label)
    out += _label_problems("metadata.labels", _get(manifest, "metadata", "labels"))
    template = pod_template(manifest)
    if template is not None:
        out += _workload_api_rules(manifest, *template)
    if kind == "Service":
        out += _service_api_rules(_map(manifest.get("spec")))
    if kind == "PodDisruptionBudget":
        out += _budget_api_rules(_map(manifest.get("spec")))
    if kind == "HorizontalPodAutoscaler":
        out += _autoscaler_api_rules(_map(manifest.get("spec")))
    if kind == "Ingress":
        out += _ingress_api_rules(_map(manifest.get("spec")))
    if kind == "HTTPRoute":
        out += _route_api_rules(_map(manifest.get("spec")))
    return out


def _selector_rules(path: str, selector: object, template_labels: object) -> list[Problem]:
    if is_unknown(selector) or is_unknown(template_labels):
        return [_skip(path, "the selector must match the pod template's labels")]
    match = _map(_get(selector, "matchLabels"))
    if not match and not _list(_get(selector, "matchExpressions")):
        return [Problem(path, dict(_map(selector)), "is empty: it must select the pod template")]
    labels = _map(template_labels)
    missing = {k: v for k, v in match.items() if labels.get(k) != v and not is_unknown(v)}
    if missing:
        return [
            Problem(
                f"{path}.matchLabels",
                dict(match),
                f"does not match the pod template's labels {dict(labels)!r} "
                "(the API server rejects a selector its own template does not match)",
            )
        ]
    return _label_problems(f"{path}.matchLabels", match)


def _workload_api_rules(
    manifest: Mapping[str, Any], path: str, template: Mapping[str, Any]
) -> list[Problem]:
    out: list[Problem] = []
    if manifest.get("kind") not in ("Job", "CronJob"):
        out += _selector_rules(
            "spec.selector",
            _get(manifest, "spec", "selector"),
            _get(template, "metadata", "labels"),
        )
    value = _get(manifest, "spec", "replicas")
    if value is not None:
        out += _check("spec.replicas", value, rules.int32(0))
    out += _label_problems(f"{path}.metadata.labels", _get(template, "metadata", "labels"))
    spec = _map(template.get("spec"))
    names: list[object] = []
    for cpath, container in containers(spec, f"{path}.spec"):
        names.append(container.get("name"))
        out += _check(f"{cpath}.name", container.get("name"), rules.dns1123_label)
        out += _check(f"{cpath}.image", container.get("image"), rules.image_reference)
        for i, port in enumerate(_list(container.get("ports"))):
            out += _check(
                f"{cpath}.ports[{i}].containerPort", _get(port, "containerPort"), rules.port_number
            )
            if _get(port, "name") is not None:
                out += _check(f"{cpath}.ports[{i}].name", _get(port, "name"), rules.port_name)
        for i, env in enumerate(_list(container.get("env"))):
            out += _check(f"{cpath}.env[{i}].name", _get(env, "name"), rules.env_name)
        out += _resource_rules(f"{cpath}.resources", _map(container.get("resources")))
        if ".initContainers[" in cpath and not is_sidecar(container):
            for key in _NOT_ON_INIT:
                if container.get(key) is not None:
                    out.append(
                        Problem(
                            f"{cpath}.{key}",
                            HIDDEN,
                            "must not be set on an init container without restartPolicy "
                            "'Always' (it runs to completion)",
                        )
                    )
    out += _sleep_hook_rules(f"{path}.spec", spec)
    for name in rules.duplicates(n for n in names if not is_unknown(n)):
        out.append(
            Problem(
                f"{path}.spec.containers",
                name,
                "is the name of more than one container (init containers included)",
            )
        )
    return out + _pod_wide_api_rules(f"{path}.spec", spec)


# Toleration fields as the manifest spells them, and as the input class does.
_TOLERATION_FIELDS: Final = {
    "key": "key",
    "operator": "operator",
    "value": "value",
    "effect": "effect",
    "tolerationSeconds": "toleration_seconds",
}


def _pod_wide_api_rules(path: str, spec: Mapping[str, Any]) -> list[Problem]:
    """The pod-wide fields PodSpec (components/inputs/pod.py) sets, checked by its rules."""
    from components.inputs.pod import Toleration

    out: list[Problem] = []
    for key in ("serviceAccountName", "priorityClassName"):
        if spec.get(key) is not None:
            out += _check(f"{path}.{key}", spec[key], rules.dns1123_subdomain)
    out += _label_problems(f"{path}.nodeSelector", spec.get("nodeSelector"))
    out += _resource_rules(f"{path}.resources", _map(spec.get("resources")))
    back = {snake: camel for camel, snake in _TOLERATION_FIELDS.items()}
    for i, toleration in enumerate(_list(spec.get("tolerations"))):
        given = _map(toleration)
        if any(is_unknown(v) for v in given.values()):
            out.append(_skip(f"{path}.tolerations[{i}]", "a valid toleration"))
            continue
        # The API's empty strings mean "not set" (key, effect) and "Equal" (operator).
        fields = {
            snake: given[camel]
            for camel, snake in _TOLERATION_FIELDS.items()
            if given.get(camel) not in (None, "")
        }
        for problem in Toleration(**fields).problems():
            top, dot, rest = problem.path.partition(".")
            camel = back.get(top, top) + dot + rest
            out.append(Problem(f"{path}.tolerations[{i}].{camel}", problem.value, problem.allowed))
    return out


def _sleep_hook_rules(path: str, spec: Mapping[str, Any]) -> list[Problem]:
    """A sleep hook lasts at most the pod's grace period (validateSleepAction)."""
    grace = spec.get("terminationGracePeriodSeconds")
    if is_unknown(grace):
        return []
    limit = defaults.TERMINATION_GRACE_PERIOD_SECONDS if grace is None else _int(grace)
    if limit is None:
        return []  # not a number: the schema says so
    out: list[Problem] = []
    for cpath, c in containers(spec, path):
        for hook in ("postStart", "preStop"):
            seconds = _int(_get(c, "lifecycle", hook, "sleep", "seconds"))
            if seconds is not None and not 0 <= seconds <= limit:
                out.append(
                    Problem(
                        f"{cpath}.lifecycle.{hook}.sleep.seconds",
                        seconds,
                        f"must be within 0..{limit} (terminationGracePeriodSeconds)",
                    )
                )
    return out


def _resource_rules(path: str, resources: Mapping[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    for section in ("requests", "limits"):
        for key, value in _map(resources.get(section)).items():
            out += _check(f"{path}.{section}[{key!r}]", value, rules.quantity)
    requests, limits = _map(resources.get("requests")), _map(resources.get("limits"))
    for key, request in requests.items():
        low, high = rules.parse_quantity(request), rules.parse_quantity(limits.get(key))
        if low is not None and high is not None and low > high:
            out.append(
                Problem(
                    f"{path}.requests[{key!r}]", request, f"is more than its limit {limits[key]!r}"
                )
            )
    return out


_SERVICE_TYPES: Final = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")


def _service_api_rules(spec: Mapping[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    type_ = spec.get("type", "ClusterIP")
    out += _check("spec.type", type_, rules.one_of(*_SERVICE_TYPES))
    ports = _list(spec.get("ports"))
    headless = spec.get("clusterIP") == "None"
    if not ports and type_ != "ExternalName" and not headless and not is_unknown(spec.get("ports")):
        out.append(Problem("spec.ports", [], "is empty: a Service needs at least one port"))
    names: list[object] = []
    for i, port in enumerate(ports):
        p = f"spec.ports[{i}]"
        out += _check(f"{p}.port", _get(port, "port"), rules.port_number)
        name = _get(port, "name")
        if name is not None:
            names.append(name)
            out += _check(f"{p}.name", name, rules.dns1123_label)
        elif len(ports) > 1:
            out.append(Problem(f"{p}.name", None, "must be set when a Service has several ports"))
        target = _get(port, "targetPort")
        if isinstance(target, str) and not is_unknown(target):
            out += _check(f"{p}.targetPort", target, rules.port_name)
        elif target is not None:
            out += _check(f"{p}.targetPort", target, rules.port_number)
        node_port = _get(port, "nodePort")
        if node_port is not None:
            out += _check(f"{p}.nodePort", node_port, rules.within(30000, 32767))
    for name in rules.duplicates(names):
        out.append(Problem("spec.ports", name, "is the name of more than one port"))
    out += _label_problems("spec.selector", spec.get("selector"))
    for i, source in enumerate(_list(spec.get("loadBalancerSourceRanges"))):
        out += _check(f"spec.loadBalancerSourceRanges[{i}]", source, rules.source_range)
    for i, ip in enumerate(_list(spec.get("externalIPs"))):
        out += _check(f"spec.externalIPs[{i}]", ip, rules.unicast_ip)
    return out


def _budget_api_rules(spec: Mapping[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    given = [k for k in ("minAvailable", "maxUnavailable") if spec.get(k) is not None]
    if len(given) == 2:
        out.append(
            Problem("spec", given, "sets both minAvailable and maxUnavailable: set at most one")
        )
    for key in given:
        out += _check(f"spec.{key}", spec[key], rules.int_or_percent)
    selector = spec.get("selector")
    if (
        not is_unknown(selector)
        and not _map(_get(selector, "matchLabels"))
        and not _list(_get(selector, "matchExpressions"))
    ):
        out.append(
            Problem(
                "spec.selector", selector, "is empty: it would cover every pod of the namespace"
            )
        )
    return out


def _autoscaler_api_rules(spec: Mapping[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    low, high = spec.get("minReplicas", 1), spec.get("maxReplicas")
    out += _check("spec.minReplicas", low, rules.int32(1))
    out += _check("spec.maxReplicas", high, rules.int32(1))
    if _int(low) is not None and _int(high) is not None and low > high:
        out.append(Problem("spec.minReplicas", low, f"is more than spec.maxReplicas ({high})"))
    out += _check(
        "spec.scaleTargetRef.name", _get(spec, "scaleTargetRef", "name"), rules.dns1123_subdomain
    )
    return out


def _ingress_api_rules(spec: Mapping[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    backends: list[tuple[str, object]] = []
    if spec.get("defaultBackend") is not None:
        backends.append(("spec.defaultBackend", spec["defaultBackend"]))
    for i, rule in enumerate(_list(spec.get("rules"))):
        for j, item in enumerate(_list(_get(rule, "http", "paths"))):
            backends.append((f"spec.rules[{i}].http.paths[{j}].backend", _get(item, "backend")))
            path_type = _get(item, "pathType")
            out += _check(
                f"spec.rules[{i}].http.paths[{j}].pathType",
                path_type,
                rules.one_of("Exact", "Prefix", "ImplementationSpecific"),
            )
    for path, backend in backends:
        service = _get(backend, "service")
        if service is None:
            continue
        out += _check(f"{path}.service.name", _get(service, "name"), rules.dns1035_label)
        number, name = _get(service, "port", "number"), _get(service, "port", "name")
        if number is not None:
            out += _check(f"{path}.service.port.number", number, rules.port_number)
        elif name is not None:
            out += _check(f"{path}.service.port.name", name, rules.port_name)
        else:
            out.append(Problem(f"{path}.service.port", None, "must set a port number or name"))
    return out


def _route_api_rules(spec: Mapping[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    if not _list(spec.get("parentRefs")) and not is_unknown(spec.get("parentRefs")):
        out.append(
            Problem(
                "spec.parentRefs",
                spec.get("parentRefs"),
                "is empty: the route attaches to no Gateway",
            )
        )
    for i, rule in enumerate(_list(spec.get("rules"))):
        for j, ref in enumerate(_list(_get(rule, "backendRefs"))):
            p = f"spec.rules[{i}].backendRefs[{j}]"
            out += _check(f"{p}.name", _get(ref, "name"), rules.dns1035_label)
            if _get(ref, "kind") in (None, "Service"):
                out += _check(f"{p}.port", _get(ref, "port"), rules.port_number)
            weight = _get(ref, "weight")
            if weight is not None:
                out += _check(f"{p}.weight", weight, rules.within(0, 1000000))
    return out


# --- pod rules ---------------------------------------------------------------------------


def _pod_rule(
    check: Callable[[str, Mapping[str, Any]], list[Problem]],
) -> Callable[[Mapping[str, Any]], list[Problem]]:
    def rule(manifest: Mapping[str, Any]) -> list[Problem]:
        template = pod_template(manifest)
        if template is None:
            return []
        path, tpl = template
        return check(f"{path}.spec", _map(tpl.get("spec")))

    rule.__doc__, rule.__name__ = check.__doc__, check.__name__
    return rule


_RESTRICTED_VOLUMES: Final = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
        "image",
    }
)
_SECCOMP: Final = ("RuntimeDefault", "Localhost")


def _effective(pod_spec: Mapping[str, Any], container: Mapping[str, Any], *keys: str) -> object:
    value = _get(container, "securityContext", *keys)
    return _get(pod_spec, "securityContext", *keys) if value is None else value


@_pod_rule
def pod_security_restricted(path: str, spec: Mapping[str, Any]) -> list[Problem]:
    """Pod Security Standard 'restricted' (what a namespace labelled enforce=restricted admits)."""
    out: list[Problem] = []
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        value = spec.get(key)
        if value is not None and value is not False:
            out += (
                [_skip(f"{path}.{key}", "must be false")]
                if is_unknown(value)
                else [Problem(f"{path}.{key}", value, "must be false or unset (restricted)")]
            )
    for i, volume in enumerate(_list(spec.get("volumes"))):
        kinds = [k for k in _map(volume) if k != "name"]
        for k in kinds:
            if k not in _RESTRICTED_VOLUMES:
                out.append(
                    Problem(
                        f"{path}.volumes[{i}].{k}",
                        _map(volume).get("name"),
                        "is a volume type 'restricted' forbids "
                        f"(allowed: {', '.join(sorted(_RESTRICTED_VOLUMES))})",
                    )
                )
    for cpath, c in containers(spec, path):
        sc = f"{cpath}.securityContext"
        privileged = _get(c, "securityContext", "privileged")
        if privileged is not None and privileged is not False and not is_unknown(privileged):
            out.append(
                Problem(f"{sc}.privileged", privileged, "must be false or unset (restricted)")
            )
        non_root = _effective(spec, c, "runAsNonRoot")
        if is_unknown(non_root):
            out.append(_skip(f"{sc}.runAsNonRoot", "must be true"))
        elif non_root is not True:
            out.append(
                Problem(
                    f"{sc}.runAsNonRoot",
                    non_root,
                    "must be true here or in the pod's securityContext (restricted)",
                )
            )
        user = _effective(spec, c, "runAsUser")
        if user == 0:
            out.append(Problem(f"{sc}.runAsUser", user, "must not be 0 (root) (restricted)"))
        seccomp = _effective(spec, c, "seccompProfile", "type")
        if is_unknown(seccomp):
            out.append(_skip(f"{sc}.seccompProfile.type", "RuntimeDefault or Localhost"))
        elif seccomp not in _SECCOMP:
            out.append(
                Problem(
                    f"{sc}.seccompProfile.type",
                    seccomp,
                    "must be 'RuntimeDefault' or 'Localhost' here or in the pod's "
                    "securityContext (restricted)",
                )
            )
        caps = _map(_get(c, "securityContext", "capabilities"))
        drop = _list(caps.get("drop"))
        if not is_unknown(caps.get("drop")) and "ALL" not in drop:
            out.append(
                Problem(f"{sc}.capabilities.drop", list(drop), "must include 'ALL' (restricted)")
            )
        for j, cap in enumerate(_list(caps.get("add"))):
            if cap != "NET_BIND_SERVICE" and not is_unknown(cap):
                out.append(
                    Problem(
                        f"{sc}.capabilities.add[{j}]",
                        cap,
                        "may only be 'NET_BIND_SERVICE' (restricted)",
                    )
                )
        for j, port in enumerate(_list(c.get("ports"))):
            host_port = _get(port, "hostPort")
            if host_port not in (None, 0) and not is_unknown(host_port):
                out.append(
                    Problem(
                        f"{cpath}.ports[{j}].hostPort", host_port, "must be unset or 0 (restricted)"
                    )
                )
    return out


def _container_flag(
    path: str, spec: Mapping[str, Any], key: str, expected: bool, allowed: str
) -> list[Problem]:
    """Every container's ``securityContext.<key>`` is ``expected`` (unknown: skipped, said so)."""
    out: list[Problem] = []
    for cpath, c in containers(spec, path):
        at = f"{cpath}.securityContext.{key}"
        value = _get(c, "securityContext", key)
        if is_unknown(value):
            out.append(_skip(at, allowed))
        elif value is not expected:
            out.append(Problem(at, value, allowed))
    return out


@_pod_rule
def no_privilege_escalation(path: str, spec: Mapping[str, Any]) -> list[Problem]:
    """Every container sets allowPrivilegeEscalation: false (setuid binaries cannot gain root)."""
    return _container_flag(path, spec, "allowPrivilegeEscalation", False, "must be false")


@_pod_rule
def read_only_root_filesystem(path: str, spec: Mapping[str, Any]) -> list[Problem]:
    """Every container's root filesystem is read-only (writable paths are emptyDir mounts)."""
    return _container_flag(
        path,
        spec,
        "readOnlyRootFilesystem",
        True,
        "must be true (mount an emptyDir where the app writes)",
    )


@_pod_rule
def resource_requests_set(path: str, spec: Mapping[str, Any]) -> list[Problem]:
    """Every container requests CPU and memory, so the scheduler places it where they exist."""
    out: list[Problem] = []
    for cpath, c in containers(spec, path):
        requests = _get(c, "resources", "requests")
        if is_unknown(requests):
            out.append(_skip(f"{cpath}.resources.requests", "cpu and memory requests"))
            continue
        for key in ("cpu", "memory"):
            if _map(requests).get(key) is None:
                out.append(
                    Problem(
                        f"{cpath}.resources.requests[{key!r}]",
                        None,
                        "must be set (a quantity such as '100m' or '128Mi')",
                    )
                )
    return out


@_pod_rule
def image_pinned(path: str, spec: Mapping[str, Any]) -> list[Problem]:
    """Every image names a version tag other than ':latest', or a digest."""
    out: list[Problem] = []
    for cpath, c in containers(spec, path):
        image = c.get("image")
        if is_unknown(image):
            out.append(_skip(f"{cpath}.image", "a pinned tag or digest"))
        elif isinstance(image, str) and (advice := rules.image_pinned(image)) is not None:
            out.append(Problem(f"{cpath}.image", image, advice))
    return out


def probes_set(manifest: Mapping[str, Any]) -> list[Problem]:
    """Every serving container of a long-running workload has a readiness probe, so a
    rollout or a Service never sends traffic to a pod that cannot answer it."""
    if manifest.get("kind") in ("Job", "CronJob"):
        return []
    template = pod_template(manifest)
    if template is None:
        return []
    path, tpl = template
    out: list[Problem] = []
    spec = _map(tpl.get("spec"))
    for cpath, c in containers(spec, f"{path}.spec"):
        if ".initContainers[" in cpath and not is_sidecar(c):
            continue  # runs to completion; may not have a probe
        if not _list(_map(c).get("ports")):
            continue  # serves nothing a Service could route to
        probe = _get(c, "readinessProbe")
        if probe is None:
            out.append(
                Problem(
                    f"{cpath}.readinessProbe",
                    None,
                    "must be set on a container that serves ports (the app's or a sidecar's)",
                )
            )
    return out


# --- Service exposure ------------------------------------------------------------------


def no_node_port(manifest: Mapping[str, Any]) -> list[Problem]:
    """No Service of type NodePort: it opens the port on every node."""
    if manifest.get("kind") != "Service":
        return []
    type_ = _get(manifest, "spec", "type")
    if type_ == "NodePort":
        return [
            Problem(
                "spec.type",
                type_,
                "is NodePort, which opens a port on every node: use ClusterIP behind an "
                "Ingress or Gateway, or allow it in the pack's config",
            )
        ]
    return []


def no_external_ips(manifest: Mapping[str, Any]) -> list[Problem]:
    """No Service sets externalIPs (CVE-2020-8554: traffic to any IP can be captured)."""
    if manifest.get("kind") != "Service":
        return []
    ips = _get(manifest, "spec", "externalIPs")
    if is_unknown(ips):
        return [_skip("spec.externalIPs", "must be empty")]
    if _list(ips):
        return [
            Problem(
                "spec.externalIPs",
                list(_list(ips)),
                "must be empty (externalIPs let a Service capture traffic to any address)",
            )
        ]
    return []


def load_balancer_source_ranges(manifest: Mapping[str, Any]) -> list[Problem]:
    """A LoadBalancer Service lists who may reach it (spec.loadBalancerSourceRanges)."""
    if manifest.get("kind") != "Service" or _get(manifest, "spec", "type") != "LoadBalancer":
        return []
    ranges = _get(manifest, "spec", "loadBalancerSourceRanges")
    if is_unknown(ranges):
        return [_skip("spec.loadBalancerSourceRanges", "at least one CIDR")]
    if not _list(ranges):
        return [
            Problem(
                "spec.loadBalancerSourceRanges",
                ranges,
                "must list at least one CIDR (otherwise the load balancer is open to the internet)",
            )
        ]
    return []


def zero_downtime_rollout(manifest: Mapping[str, Any]) -> list[Problem]:
    """A Deployment of more than one replica rolls out with maxUnavailable 0, so capacity
    never drops below the replica count during an update."""
    if manifest.get("kind") != "Deployment":
        return []
    count = replicas(manifest)
    if count is None:
        return [_skip("spec.replicas", "multi-replica Deployments need maxUnavailable 0")]
    if count <= 1:
        return []
    strategy = _map(_get(manifest, "spec", "strategy"))
    if strategy.get("type") == "Recreate":
        return [
            Problem(
                "spec.strategy.type",
                "Recreate",
                f"stops all {count} replicas before starting new ones: "
                "use RollingUpdate with maxUnavailable 0",
            )
        ]
    value = _get(strategy, "rollingUpdate", "maxUnavailable")
    if is_unknown(value):
        return [_skip("spec.strategy.rollingUpdate.maxUnavailable", "must be 0")]
    if value is None or not rules.is_zero(value):
        return [
            Problem(
                "spec.strategy.rollingUpdate.maxUnavailable",
                "25%" if value is None else value,
                f"must be 0 on a Deployment of {count} replicas (unset means '25%')",
            )
        ]
    return []


def graceful_termination(manifest: Mapping[str, Any]) -> list[Problem]:
    """Every container of a long-running workload that serves ports has a preStop hook:
    a terminating pod leaves the Service's endpoints at once, but kube-proxy, ingress
    controllers and load balancers stop sending to it a moment later, and requests in that
    moment fail unless the pod keeps serving (Berth's default: a 5 s ``sleep``)."""
    if manifest.get("kind") in ("Job", "CronJob"):
        return []
    template = pod_template(manifest)
    if template is None:
        return []
    path, tpl = template
    spec = _map(tpl.get("spec"))
    out: list[Problem] = []
    for i, c in enumerate(_list(spec.get("containers"))):
        # Sidecars are stopped only after the app containers have exited: the app's hook
        # covers them.
        if not _list(_map(c).get("ports")):
            continue
        hook = _get(c, "lifecycle", "preStop")
        if is_unknown(hook):
            out.append(_skip(f"{path}.spec.containers[{i}].lifecycle.preStop", "must be set"))
        elif hook is None:
            out.append(
                Problem(
                    f"{path}.spec.containers[{i}].lifecycle.preStop",
                    None,
                    "must be set on a container that serves ports (e.g. a 'sleep' of "
                    f"{defaults.PRE_STOP_SLEEP_SECONDS} s, Berth's default), or requests sent "
                    "while the endpoints change fail during every rollout",
                )
            )
    return out


@attrs.frozen
class ResourceRule:
    """One resource policy: its name, what it says, which kinds it looks at, its default level."""

    name: str
    description: str
    kinds: tuple[str, ...]
    level: Level
    check: Callable[[Mapping[str, Any]], list[Problem]]


_POD_KINDS: Final = WORKLOAD_KINDS
_API_KINDS: Final = (
    *WORKLOAD_KINDS,
    "Service",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "Ingress",
    "HTTPRoute",
)

RESOURCE_RULES: Final[tuple[ResourceRule, ...]] = (
    ResourceRule(
        "berth-api-server-rules",
        "Objects the API server would reject (names, labels, selectors, ports, quantities, "
        "images, probes or hooks on init containers, sleep hooks longer than the grace "
        "period) fail at preview, not at apply.",
        _API_KINDS,
        "mandatory",
        api_server_rules,
    ),
    ResourceRule(
        "berth-pod-security-restricted",
        "Pods meet the Pod Security Standard 'restricted'.",
        _POD_KINDS,
        "mandatory",
        pod_security_restricted,
    ),
    ResourceRule(
        "berth-no-privilege-escalation",
        "Containers set allowPrivilegeEscalation: false.",
        _POD_KINDS,
        "mandatory",
        no_privilege_escalation,
    ),
    ResourceRule(
        "berth-read-only-root-filesystem",
        "Containers run with a read-only root filesystem.",
        _POD_KINDS,
        "mandatory",
        read_only_root_filesystem,
    ),
    ResourceRule(
        "berth-resource-requests",
        "Containers request CPU and memory.",
        _POD_KINDS,
        "mandatory",
        resource_requests_set,
    ),
    ResourceRule(
        "berth-image-pinned",
        "Images name a version tag (not ':latest') or a digest.",
        _POD_KINDS,
        "mandatory",
        image_pinned,
    ),
    ResourceRule(
        "berth-readiness-probes",
        "Serving containers of long-running workloads (sidecars too) have a readiness probe.",
        _POD_KINDS,
        "mandatory",
        probes_set,
    ),
    ResourceRule(
        "berth-no-node-port",
        "No NodePort Services unless allowed.",
        ("Service",),
        "mandatory",
        no_node_port,
    ),
    ResourceRule(
        "berth-no-external-ips",
        "No Service sets externalIPs unless allowed.",
        ("Service",),
        "mandatory",
        no_external_ips,
    ),
    ResourceRule(
        "berth-load-balancer-source-ranges",
        "LoadBalancer Services list their allowed source ranges.",
        ("Service",),
        "mandatory",
        load_balancer_source_ranges,
    ),
    ResourceRule(
        "berth-zero-downtime-rollout",
        "Multi-replica Deployments roll out with maxUnavailable 0.",
        ("Deployment",),
        "advisory",
        zero_downtime_rollout,
    ),
    ResourceRule(
        "berth-graceful-termination",
        "Containers that serve ports keep serving briefly after termination starts (preStop).",
        WORKLOAD_KINDS,
        "advisory",
        graceful_termination,
    ),
)


# --- stack rules -------------------------------------------------------------------------


@attrs.frozen
class StackObject:
    """One object of a stack: its manifest and how to name it in a message."""

    label: str  # e.g. "Deployment shop/web (urn ...)"
    manifest: Mapping[str, Any]

    @property
    def kind(self) -> str:
        return str(self.manifest.get("kind"))

    @property
    def namespace(self) -> object:
        ns = _get(self.manifest, "metadata", "namespace")
        return "default" if ns is None else ns


StackFinding = tuple[StackObject, Problem]


def _selects(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def _templates(objects: Iterable[StackObject]) -> list[tuple[StackObject, Mapping[str, Any]]]:
    out = []
    for o in objects:
        template = pod_template(o.manifest)
        if template is not None:
            out.append((o, _map(_get(template[1], "metadata", "labels"))))
    return out


def dangling_services(objects: Sequence[StackObject]) -> list[StackFinding]:
    """A Service with a selector selects the pods of some workload in the stack."""
    templates = _templates(objects)
    out: list[StackFinding] = []
    for o in objects:
        if o.kind != "Service":
            continue
        selector = _get(o.manifest, "spec", "selector")
        if selector is None or is_unknown(selector) or not _map(selector):
            continue  # selectorless: endpoints are managed by hand (EndpointSlices)
        if any(is_unknown(v) for v in _map(selector).values()):
            out.append((o, _skip("spec.selector", "must match a pod template")))
            continue
        if not any(
            t.namespace == o.namespace and _selects(_map(selector), labels)
            for t, labels in templates
        ):
            out.append(
                (
                    o,
                    Problem(
                        "spec.selector",
                        dict(_map(selector)),
                        "matches no pod template of a workload in this stack "
                        "(the Service would have no endpoints)",
                    ),
                )
            )
    return out


def _budgets_for(
    o: StackObject, labels: Mapping[str, Any], objects: Sequence[StackObject]
) -> list[StackObject]:
    return [
        b
        for b in objects
        if b.kind == "PodDisruptionBudget"
        and b.namespace == o.namespace
        and _selects(_map(_get(b.manifest, "spec", "selector", "matchLabels")), labels)
    ]


def _desired(o: StackObject, objects: Sequence[StackObject]) -> int | None:
    """A Deployment's replicas, or its autoscaler's minReplicas when one targets it."""
    name = _get(o.manifest, "metadata", "name")
    for h in objects:
        if (
            h.kind == "HorizontalPodAutoscaler"
            and h.namespace == o.namespace
            and name is not None
            and _get(h.manifest, "spec", "scaleTargetRef", "name") == name
        ):
            return _int(_get(h.manifest, "spec", "minReplicas") or 1)
    return replicas(o.manifest)


def missing_disruption_budgets(objects: Sequence[StackObject]) -> list[StackFinding]:
    """A Deployment of more than one replica has a PodDisruptionBudget covering its pods."""
    out: list[StackFinding] = []
    for o, labels in _templates(objects):
        if o.kind != "Deployment":
            continue
        count = _desired(o, objects)
        if count is None or count <= 1:
            continue
        if not _budgets_for(o, labels, objects):
            out.append(
                (
                    o,
                    Problem(
                        "spec.template.metadata.labels",
                        dict(labels),
                        f"are covered by no PodDisruptionBudget, but the Deployment runs "
                        f"{count} replicas (a node drain may evict them all at once)",
                    ),
                )
            )
    return out


def blocking_disruption_budgets(objects: Sequence[StackObject]) -> list[StackFinding]:
    """No PodDisruptionBudget forbids every eviction (a drain would wait forever)."""
    out: list[StackFinding] = []
    templates = _templates(objects)
    for b in objects:
        if b.kind != "PodDisruptionBudget":
            continue
        spec = _map(b.manifest.get("spec"))
        max_unavailable, min_available = spec.get("maxUnavailable"), spec.get("minAvailable")
        if max_unavailable is not None and rules.is_zero(max_unavailable):
            out.append(
                (
                    b,
                    Problem(
                        "spec.maxUnavailable",
                        max_unavailable,
                        "allows no eviction: a node drain would never finish (use 1 or more)",
                    ),
                )
            )
            continue
        if min_available is None or is_unknown(min_available):
            continue
        if rules.percent_value(min_available) == 100:
            out.append(
                (
                    b,
                    Problem(
                        "spec.minAvailable",
                        min_available,
                        "allows no eviction: a node drain would never finish",
                    ),
                )
            )
            continue
        selector = _map(_get(spec, "selector", "matchLabels"))
        for o, labels in templates:
            if o.namespace != b.namespace or not _selects(selector, labels):
                continue
            count = _desired(o, objects) if o.kind == "Deployment" else replicas(o.manifest)
            if count is not None and _int(min_available) is not None and min_available >= count:
                out.append(
                    (
                        b,
                        Problem(
                            "spec.minAvailable",
                            min_available,
                            f"is at least the {count} replicas of {o.label}: "
                            "no pod may ever be evicted",
                        ),
                    )
                )
    return out


def shared_selectors(objects: Sequence[StackObject]) -> list[StackFinding]:
    """No two Deployments select each other's pods (each would fight over the other's)."""
    templates = [(o, labels) for o, labels in _templates(objects) if o.kind == "Deployment"]
    out: list[StackFinding] = []
    for i, (a, _) in enumerate(templates):
        selector = _map(_get(a.manifest, "spec", "selector", "matchLabels"))
        for j, (b, labels) in enumerate(templates):
            if i != j and a.namespace == b.namespace and _selects(selector, labels):
                out.append(
                    (
                        a,
                        Problem(
                            "spec.selector.matchLabels",
                            dict(selector),
                            f"also selects the pods of {b.label}: "
                            "give each Deployment a label of its own",
                        ),
                    )
                )
    return out


def network_isolation(
    objects: Sequence[StackObject], config: Mapping[str, Any]
) -> list[StackFinding]:
    """Each namespace the stack's pack config lists under ``namespaces`` has a NetworkPolicy
    covering all its pods (``podSelector: {}``), so isolation is not left to chance."""
    out: list[StackFinding] = []
    for ns in config.get("namespaces") or ():
        covered = any(
            o.kind == "NetworkPolicy"
            and o.namespace == ns
            and not is_unknown(_get(o.manifest, "spec", "podSelector"))
            and not _map(_get(o.manifest, "spec", "podSelector", "matchLabels"))
            and not _list(_get(o.manifest, "spec", "podSelector", "matchExpressions"))
            for o in objects
        )
        if covered:
            continue
        found = [
            o
            for o in objects
            if o.kind == "Namespace" and _get(o.manifest, "metadata", "name") == ns
        ]
        namespace = (
            found[0]
            if found
            else StackObject(f"Namespace {ns}", {"kind": "Namespace", "metadata": {"name": ns}})
        )
        out.append(
            (
                namespace,
                Problem(
                    "metadata.name",
                    ns,
                    "asks for network isolation (the pack's config), but no NetworkPolicy "
                    "of the stack selects all its pods (spec.podSelector: {})",
                ),
            )
        )
    return out


def _ignoring_config(
    check: Callable[[Sequence[StackObject]], list[StackFinding]],
) -> Callable[[Sequence[StackObject], Mapping[str, Any]], list[StackFinding]]:
    def rule(objects: Sequence[StackObject], config: Mapping[str, Any]) -> list[StackFinding]:
        return check(objects)

    rule.__doc__, rule.__name__ = check.__doc__, check.__name__
    return rule


@attrs.frozen
class StackRule:
    """One stack policy; ``check`` also gets the policy's config from the pack's config."""

    name: str
    description: str
    level: Level
    check: Callable[[Sequence[StackObject], Mapping[str, Any]], list[StackFinding]]
    # JSON schema of the settings it reads from its config (besides "exceptions").
    settings: Mapping[str, Any] = attrs.field(factory=dict)


STACK_RULES: Final[tuple[StackRule, ...]] = (
    StackRule(
        "berth-service-selects-pods",
        "Every Service with a selector matches a pod template in the stack.",
        "mandatory",
        _ignoring_config(dangling_services),
    ),
    StackRule(
        "berth-disruption-budget",
        "Deployments of more than one replica have a PodDisruptionBudget.",
        "mandatory",
        _ignoring_config(missing_disruption_budgets),
    ),
    StackRule(
        "berth-disruption-budget-allows-drain",
        "No PodDisruptionBudget blocks every eviction.",
        "mandatory",
        _ignoring_config(blocking_disruption_budgets),
    ),
    StackRule(
        "berth-unique-selectors",
        "No two Deployments select the same pods.",
        "mandatory",
        _ignoring_config(shared_selectors),
    ),
    StackRule(
        "berth-network-isolation",
        "Namespaces the stack's config names under 'namespaces' have a NetworkPolicy "
        "covering all their pods.",
        "mandatory",
        network_isolation,
        settings={
            "namespaces": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Namespaces that must have a NetworkPolicy covering all their pods.",
            }
        },
    ),
)


def describe_object(kind: str, manifest: Mapping[str, Any], logical: str) -> str:
    """How a message names an object: kind, namespace/name (or the Pulumi name when autonamed)."""
    name = _get(manifest, "metadata", "name")
    ns = _get(manifest, "metadata", "namespace")
    shown = logical if name is None or is_unknown(name) else str(name)
    return (
        f"{kind} {ns}/{shown}" if isinstance(ns, str) and not is_unknown(ns) else f"{kind} {shown}"
    )


def all_problems(
    objects: Sequence[StackObject], config: Mapping[str, Mapping[str, Any]] | None = None
) -> list[tuple[str, StackObject, Problem]]:
    """Every rule's problems for a whole stack, as (rule name, object, problem): what a
    test asserts is empty for the manifests Berth builds."""
    out: list[tuple[str, StackObject, Problem]] = []
    for o in objects:
        for r in RESOURCE_RULES:
            if o.kind in r.kinds:
                out += [(r.name, o, p) for p in r.check(o.manifest)]
    for s in STACK_RULES:
        out += [(s.name, o, p) for o, p in s.check(objects, (config or {}).get(s.name, {}))]
    return out
