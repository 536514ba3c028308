"""Outside in: arbitrary values through the public API and the stack config path.

The property, for any input: it ends in objects that build schema-valid manifests, or
in a SpecError whose every line starts with a field path. Never another exception, never
a secret value in a message, ``repr`` or log, and nothing registered before a config
error. Secret values are unique marker strings, so any leak is found by a substring test.

``BERTH_HYPOTHESIS_PROFILE=ci`` (set by .ci/run) runs many more examples than the unit
suite does.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pulumi
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from components import (
    Autoscaling,
    CanaryServiceArgs,
    CanaryTrack,
    ConfigMapKeyRef,
    Container,
    ContainerPort,
    DeploymentSpec,
    DisruptionBudget,
    ExternalDatabaseArgs,
    HttpRouteSpec,
    NginxCanarySpec,
    Probe,
    Resources,
    SecretKeyRef,
    Security,
    ServicePort,
    ServiceSpec,
    SpecError,
    Spread,
    WebApp,
    WebAppArgs,
)
from components.config import args_from_config, load_all
from components.manifests.canary import build_canary
from components.manifests.database import build_database
from components.manifests.webapp import build_webapp
from components.testing import PulumiHarness
from components.testing.schema import validate_manifest
from tests.test_stacks import STACKS, run_stack, stack_config

PROFILE = os.environ.get("BERTH_HYPOTHESIS_PROFILE", "unit")
# Examples per test: a few seconds in all for the unit suite, minutes in CI.
SCALE = {"unit": 1, "ci": 40}[PROFILE]


def examples(n: int) -> settings:
    return settings(
        max_examples=n * SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


MARKER = "s3cret-MARKER"
# What the suite saw, for the CI log (pytest -s) and the figures.
SEEN: collections.Counter[str] = collections.Counter()

# -- values ---------------------------------------------------------------------

_LOOP = asyncio.new_event_loop()


def output(value: Any, *, known: bool = True, secret: bool = False) -> pulumi.Output[Any]:
    """A real pulumi.Output, made without a running program (what a stack or resource gives)."""

    def done(result: Any) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = _LOOP.create_future()
        future.set_result(result)
        return future

    return pulumi.Output(set(), done(value), done(known), done(secret))


def deep(levels: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(levels):
        value = [value]
    return value


ODD_STRINGS = [
    "",
    " ",
    "shop\n",
    "\ud800",
    "a\udfffb",
    "x" * 300,
    "Shop App",
    "é",
    "\x00",
    "1E",
    "25%",
    "150%",
    "http",
    "TCP",
    "/healthz",
    "shop:1.0",
    "10.0.0.1",
    "10.0.0.0/8",
]
ODD_NUMBERS = [0, 1, -1, 80, 8080, 30080, 65536, 2**31, 2**63, 10**400, -(10**400)]

outputs = st.one_of(
    st.builds(output, st.sampled_from(["shop", "Bad Name", 5])),
    st.just(None).map(lambda _: output(None, known=False)),
    st.just(None).map(lambda _: output(MARKER, secret=True)),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(ODD_NUMBERS),
    st.floats(),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=12),
    st.sampled_from(ODD_STRINGS),
    outputs,
)
wild: st.SearchStrategy[Any] = st.recursive(
    scalars | st.just(None).map(lambda _: deep(100)),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=6) | st.sampled_from(ODD_STRINGS), inner, max_size=3)
    ),
    max_leaves=6,
)

# Every nested spec class, built with arbitrary values for a few of its fields.
NESTED: list[type[Any]] = [
    Autoscaling,
    CanaryTrack,
    ConfigMapKeyRef,
    Container,
    ContainerPort,
    DeploymentSpec,
    DisruptionBudget,
    HttpRouteSpec,
    NginxCanarySpec,
    Probe,
    Resources,
    SecretKeyRef,
    Security,
    ServicePort,
    ServiceSpec,
    Spread,
]


# Values a field takes, so that some examples are accepted and their manifests checked.
PLAUSIBLE: dict[str, list[Any]] = {
    "name": [None, "shop"],
    "namespace": [None, "prod"],
    "labels": [{"team": "checkout"}],
    "annotations": [{"example.com/owner": "team-a"}],
    "replicas": [1, 3, 10],
    "canary_weight": [0, 10, 50],
    "port": [80, 8080],
    "node_port": [None, 30080],
    "type": ["ClusterIP", "NodePort", "LoadBalancer"],
    "headless": [False, True],
    "session_affinity": ["None", "ClientIP"],
    "protocol": ["TCP", "UDP"],
    "target_port": [None, 8080, "http"],
    "env": [{"MODE": "fast"}, {}],
    "args": [["--fast"], None],
    "image": ["shop:2.0", None],
    "cpu_request": ["250m", None],
    "memory_limit": ["1Gi", "512Mi"],
    "min_replicas": [2],
    "max_replicas": [5],
    "max_unavailable": [1, "25%", None],
    "strategy": ["RollingUpdate", "Recreate"],
    "host": ["db.example.com", None],
    "addresses": [["10.0.0.5"], []],
    "engine": ["postgresql", "redis"],
    "username": ["app", None],
    "url_options": [{"sslmode": "require"}],
    "gateway": ["gw"],
    "hostnames": [["shop.example.com"]],
}


def overrides(cls: type[Any], values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    names = [a.name for a in attrs.fields(cls)]

    def value_for(name: str) -> st.SearchStrategy[Any]:
        plausible = PLAUSIBLE.get(name)
        return st.sampled_from(plausible) | values if plausible else values

    return st.lists(st.sampled_from(names), max_size=3, unique=True).flatmap(
        lambda chosen: st.fixed_dictionaries({name: value_for(name) for name in chosen})
    )


def built(
    cls: type[Any], base: dict[str, Any], values: st.SearchStrategy[Any] | None = None
) -> st.SearchStrategy[Any]:
    """``cls(**base)`` with a few fields replaced by ``values`` (default: anything, nested
    specs included)."""
    return overrides(cls, anything if values is None else values).map(
        lambda changes: cls(**{**base, **changes})
    )


VALID_BASE: dict[type[Any], dict[str, Any]] = {
    Container: {"image": "shop:1.0", "ports": [ContainerPort(port=8080, name="http")]},
    ContainerPort: {"port": 8080},
    ServicePort: {"port": 80},
    SecretKeyRef: {"secret_name": "db", "key": "password"},
    ConfigMapKeyRef: {"config_map_name": "settings", "key": "mode"},
    HttpRouteSpec: {"gateway": "gw"},
}


def env_mappings(values: list[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(
        st.sampled_from(["TOKEN", "API_KEY", "bad key", "1X", "\ud800", ""]),
        st.sampled_from(values) | outputs,
        max_size=3,
    )


# Secret values are markers only where a secret belongs (secret_env, password) or as a
# secret Output: a plain string in `name` is no secret, and is shown.
secret_envs = env_mappings([MARKER, MARKER + "\n", 5, None])
plain_envs = env_mappings(["plain", 5, None])
# Nested specs inside other values hold plain values: two levels of specs are enough to
# reach every rule, and deeper ones cost generation time, not findings.
specs = st.deferred(
    lambda: st.one_of(*(built(cls, VALID_BASE.get(cls, {}), wild | plain_envs) for cls in NESTED))
)
anything: st.SearchStrategy[Any] = st.deferred(
    lambda: wild | specs | st.lists(specs, max_size=2) | plain_envs
)

containers = st.builds(
    lambda base, secret_env: (
        base.evolve(secret_env=secret_env) if isinstance(base.secret_env, dict) else base
    ),
    built(Container, VALID_BASE[Container]),
    st.one_of(st.just({"TOKEN": MARKER}), secret_envs),
)


# -- the oracle -------------------------------------------------------------------

# `  <path>: ...`: a field, a config key (`berth:cart`), then `.field`, `[index]` or `['key']`.
PATH_LINE = re.compile(r"  (?:[A-Za-z_][\w:-]*|\[)")


def holds_output(value: Any) -> bool:
    return MARKER in repr(value) or "Output" in repr(value)


def assert_clean_error(error: SpecError) -> None:
    text = str(error)
    text.encode("utf-8")  # printable, whatever the input held
    lines = text.splitlines()
    assert len(lines) == len(error.problems) + 1, text
    for line in lines[1:]:
        assert PATH_LINE.match(line), line
        path = line.split(": ", 1)[0]
        assert path.strip(), line
    assert MARKER not in text, text
    assert MARKER not in repr(error.problems)


def judge(make: Callable[[], Any], build: Callable[[Any], list[dict[str, Any]]]) -> str:
    """Run ``make``; on success build the manifests and check them against the schemas."""
    SEEN["examples"] += 1
    try:
        args = make()
        manifests = build(args)
    except SpecError as error:
        assert_clean_error(error)
        SEEN["rejected"] += 1
        return "rejected"
    assert MARKER not in repr(args)
    if not any(_has_output(m) for m in manifests):
        for manifest in manifests:
            validate_manifest(manifest)
        SEEN["schema-validated"] += 1
    SEEN["accepted"] += 1
    return "accepted"


def _has_output(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item).__name__ == "Output":
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def webapp_objects(args: WebAppArgs) -> list[dict[str, Any]]:
    return build_webapp("web", args).all()


def canary_objects(args: CanaryServiceArgs) -> list[dict[str, Any]]:
    return build_canary("shop", args).all()


def database_objects(args: ExternalDatabaseArgs) -> list[dict[str, Any]]:
    if any(type(getattr(args, k)).__name__ == "Output" for k in ("username", "password")):
        return []  # the pure build takes plain credentials; the component test covers Outputs
    return build_database("orders-db", args).all()


# -- the public API ------------------------------------------------------------------


@examples(60)
@given(container=containers, changes=overrides(WebAppArgs, anything))
def test_any_webapp_args_are_valid_objects_or_a_spec_error_with_paths(
    container: Container, changes: dict[str, Any]
) -> None:
    judge(lambda: WebAppArgs(**{"container": container, **changes}), webapp_objects)


@examples(40)
@given(
    container=containers,
    canary=st.none() | built(CanaryTrack, {"image": "shop:2.0"}),
    changes=overrides(CanaryServiceArgs, anything),
)
def test_any_canary_args_are_valid_objects_or_a_spec_error_with_paths(
    container: Container, canary: CanaryTrack | None, changes: dict[str, Any]
) -> None:
    judge(
        lambda: CanaryServiceArgs(
            **{"container": container, "canary": canary, "replicas": 4, **changes}
        ),
        canary_objects,
    )


@examples(50)
@given(
    password=st.sampled_from([MARKER, None, ""]) | outputs,
    changes=overrides(ExternalDatabaseArgs, anything),
)
def test_any_database_args_are_valid_objects_or_a_spec_error_with_paths(
    password: Any, changes: dict[str, Any]
) -> None:
    base = {"engine": "postgresql", "host": "db.example.com", "password": password}
    judge(lambda: ExternalDatabaseArgs(**{**base, **changes}), database_objects)


@examples(50)
@given(cls=st.sampled_from(NESTED), changes=st.data())
def test_nested_specs_hold_anything_and_their_problems_name_paths(
    cls: type[Any], changes: st.DataObject
) -> None:
    # Nested specs are plain data until an *Args checks them: building one never fails,
    # and asking for its problems never raises.
    spec = changes.draw(built(cls, VALID_BASE.get(cls, {})))
    SEEN["examples"] += 1
    for problem in spec.problems():
        assert problem.path
        assert MARKER not in str(problem)


# -- the config path --------------------------------------------------------------

config_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(ODD_NUMBERS)
    | st.floats()
    | st.sampled_from(ODD_STRINGS)
    | st.text(st.characters(codec=None, exclude_categories=()), max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["image", "ports", "port", "name", "env", "replicas", "pasword", "x y"])
            | st.text(max_size=5),
            inner,
            max_size=3,
        )
    ),
    max_leaves=8,
)


def config_data(cls: type[Any]) -> st.SearchStrategy[Any]:
    names = [a.name for a in attrs.fields(cls)] + ["pasword", "replica", "1"]
    return st.dictionaries(st.sampled_from(names), config_values, max_size=4) | config_values


@examples(100)
@given(
    which=st.sampled_from([WebAppArgs, CanaryServiceArgs, ExternalDatabaseArgs]),
    data=st.data(),
)
def test_any_config_value_is_valid_args_or_a_spec_error_at_its_key(
    which: type[Any], data: st.DataObject
) -> None:
    value = data.draw(config_data(which))
    if isinstance(value, dict) and "pasword" in value:
        value["pasword"] = MARKER  # a misspelt credential key is never shown
    SEEN["examples"] += 1
    try:
        load_all(
            {
                "app": lambda: args_from_config(
                    which, value, key="berth:app", stack="dev", logical="app"
                )
            },
            "dev",
        )
    except SpecError as error:
        assert_clean_error(error)
        assert str(error).startswith("stack 'dev': ")
        for problem in error.problems:
            assert problem.path.startswith("berth:app"), problem
        SEEN["rejected"] += 1


# -- components and whole stacks under the harness ---------------------------------


@examples(10)
@given(container=containers, changes=overrides(WebAppArgs, wild))
def test_a_webapp_never_logs_a_secret(container: Container, changes: dict[str, Any]) -> None:
    try:
        args = WebAppArgs(**{"container": container, **changes})
        objects = build_webapp("web", args).all()
    except SpecError:
        return
    if _has_output(objects):
        return  # these Outputs belong to the suite's own event loop, not the harness's
    with PulumiHarness(preview=True) as harness:
        harness.run(lambda: WebApp("web", args))
        SEEN["component runs"] += 1
        text = "\n".join(entry.message for entry in harness.registry.logs)
        assert MARKER not in text
        for record in harness.registry:
            if record.type != "kubernetes:core/v1:Secret":
                assert MARKER not in json.dumps(record.inputs, default=str), record.name
        if isinstance(args.container.secret_env.get("TOKEN"), str):
            assert any("config.require_secret" in w for w in harness.registry.warnings)


def config_paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from config_paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from config_paths(value, (*prefix, i))


def mutate(config: dict[str, str], path: tuple[Any, ...], value: Any) -> dict[str, str]:
    key, *inner = path
    if not inner:
        return {**config, key: value if isinstance(value, str) else json.dumps(value)}
    data = json.loads(config[key])
    target = data
    for step in inner[:-1]:
        target = target[step]
    target[inner[-1]] = value
    return {**config, key: json.dumps(data)}


CONFIGS = {stack: stack_config(stack) for stack in STACKS}
PATHS = [
    (stack, (key, *rest))
    for stack, config in CONFIGS.items()
    for key, text in config.items()
    if key != "berth:ordersPassword"
    for rest in config_paths(json.loads(text) if text[:1] in "[{" else text)
]


@examples(20)
@given(where=st.sampled_from(PATHS), value=config_values)
def test_a_mutated_stack_file_deploys_all_or_nothing(
    where: tuple[str, tuple[Any, ...]], value: Any
) -> None:
    stack, path = where
    config = mutate(CONFIGS[stack], path, value)
    with PulumiHarness(preview=True) as harness:
        SEEN["stack runs"] += 1
        try:
            run_stack(harness, stack, config)
        except SpecError as error:
            assert_clean_error(error)
            assert str(error).startswith(f"stack {stack!r}: ")
            registered = len(harness.registry)
            SEEN["stack config errors"] += 1
            SEEN["registrations before a config error"] += registered
            assert registered == 0, [r.name for r in harness.registry]
            return
        harness.validate_manifests()


@pytest.fixture(scope="module", autouse=True)
def figures() -> Iterator[None]:
    yield
    print(f"\noutside-in ({PROFILE}): {dict(SEEN)}")
