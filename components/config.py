"""Stack config → specs: structured config becomes the same attrs classes users write.

``pulumi.Config.require_object`` returns plain dicts and lists; these functions turn
them into validated args, and check the names each component will give its objects,
so a bad stack file fails before anything is registered, with one error that names
the stack, the config key path, the value and the rule (each problem once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from components.errors import HIDDEN, Problem, SpecError
from components.inputs.base import Unbuilt, from_mapping

if TYPE_CHECKING:
    from components.manifests.meta import ObjectKey
    from components.manifests.naming import Naming

A = TypeVar("A")
T = TypeVar("T")


def args_from_config(
    cls: type[A],
    data: object,
    *,
    key: str,
    stack: str,
    defaults: Mapping[str, Any] | None = None,
    sources: Mapping[str, str] | None = None,
    logical: str | None = None,
) -> A:
    """Build ``cls`` from the config value at ``key``; ``defaults`` fill absent top-level keys.

    ``sources`` names the config key a default came from (``{"namespace":
    "berth:namespace"}``), so a bad shared value is reported at its own key. With
    ``logical`` (the component's name) the names of its objects are checked too.
    """
    context = f"stack {stack!r}"
    if not isinstance(data, Mapping):
        # Not shown: a whole config value given in the wrong shape may hold credentials.
        what = "null" if data is None else f"a {type(data).__name__}"
        raise SpecError([Problem(key, HIDDEN, f"is {what}, not a mapping of settings")], context)
    merged = {**(defaults or {}), **data}
    try:
        result = from_mapping(cls)(merged)
        if isinstance(result, Unbuilt):
            raise SpecError(result.problems)
        if logical is not None:
            plan_for(logical, result, _naming())
            # Patches from config are checked on the objects they change, before any deploy.
            from components.manifests.patches import component_patch_problems

            patch_problems = component_patch_problems(logical, result)
            if patch_problems:
                raise SpecError(patch_problems)
    except SpecError as error:
        raise SpecError(
            [_at_key(p, key, data, sources or {}) for p in error.problems], context
        ) from None
    built: A = result
    return built


def _at_key(
    problem: Problem, key: str, given: Mapping[Any, Any], sources: Mapping[str, str]
) -> Problem:
    top, rest = _split(problem.path)
    if top in sources and top not in given:
        return Problem(sources[top] + rest, problem.value, problem.allowed)
    return problem.under(key)


def _split(path: str) -> tuple[str, str]:
    cut = min((i for i in (path.find("."), path.find("[")) if i != -1), default=len(path))
    return path[:cut], path[cut:]


def _naming() -> Naming:
    from components.register import current_naming

    return current_naming()


def plan_for(logical: str, args: object, naming: Naming | None = None) -> object:
    """The plan a component would make of ``args`` (names checked): a :class:`SpecError`
    here is one the component would raise, found before anything is registered."""
    from components.manifests.naming import DEFAULT_NAMING

    naming = naming or DEFAULT_NAMING
    # Imported here: a program that builds only one kind of component loads only its module.
    from components.inputs.canary import CanaryServiceArgs
    from components.inputs.database import ExternalDatabaseArgs
    from components.inputs.webapp import WebAppArgs

    if isinstance(args, WebAppArgs):
        from components.manifests.webapp import WebAppPlan

        return WebAppPlan.of(logical, args, naming)
    if isinstance(args, CanaryServiceArgs):
        from components.manifests.canary import CanaryPlan

        return CanaryPlan.of(logical, args, naming)
    if isinstance(args, ExternalDatabaseArgs):
        from components.manifests.database import DatabasePlan

        return DatabasePlan.of(logical, args)
    from components.inputs.namespace import NamespaceArgs

    if isinstance(args, NamespaceArgs):
        from components.manifests.namespace import namespace_name

        return namespace_name(logical, args)
    raise TypeError(f"no component takes {type(args).__name__}")


def fixed_keys_for(logical: str, args: object, naming: Naming | None = None) -> list[ObjectKey]:
    """The objects the component would create under a fixed name (its Services at least)."""
    from components.inputs.canary import CanaryServiceArgs
    from components.inputs.database import ExternalDatabaseArgs
    from components.inputs.webapp import WebAppArgs

    naming = naming or _naming()
    if isinstance(args, WebAppArgs):
        from components.manifests.webapp import WebAppPlan, webapp_fixed_keys

        return webapp_fixed_keys(WebAppPlan.of(logical, args, naming))
    if isinstance(args, CanaryServiceArgs):
        from components.manifests.canary import canary_fixed_keys

        return canary_fixed_keys(logical, args, naming)
    if isinstance(args, ExternalDatabaseArgs):
        from components.manifests.database import DatabasePlan, database_fixed_keys

        return database_fixed_keys(DatabasePlan.of(logical, args))
    raise TypeError(f"no component takes {type(args).__name__}")


def check_fixed_names(components: Iterable[tuple[str, str, str, object]], stack: str) -> None:
    """Two components of the stack must not create the same object (kind, namespace,
    fixed name): a SpecError naming both, at the second one's config key, before anything
    is registered. ``components`` are (config key, component type, logical name, args)."""
    owners: dict[ObjectKey, str] = {}
    problems: list[Problem] = []
    for key, kind_of_component, logical, args in components:
        owner = f"{kind_of_component} {logical!r}"
        for kind, namespace, name in dict.fromkeys(fixed_keys_for(logical, args)):
            first = owners.setdefault((kind, namespace, name), owner)
            if first != owner:
                where = "the default namespace" if namespace is None else repr(namespace)
                problems.append(
                    Problem(
                        key,
                        name,
                        f"would create a second {kind} {name!r} in {where}: {first} creates "
                        "it already (give one of them another name)",
                    )
                )
    if problems:
        raise SpecError(problems, f"stack {stack!r}")


def in_stack(stack: str, key: str, make: Callable[[], T]) -> T:
    """Run ``make`` (a change to loaded args); its problems are reported under ``key``."""
    try:
        return make()
    except SpecError as error:
        raise SpecError([p.under(key) for p in error.problems], f"stack {stack!r}") from None


def read(require: Callable[[str], T], key: str, stack: str) -> T:
    """``require(key)`` (``config.require``, ``require_object``, ``require_secret``): a value
    that is missing, not a JSON object or too deeply nested to parse is a SpecError at its
    key, one that does not show the value."""
    from pulumi.config import ConfigMissingError, ConfigTypeError

    try:
        return require(key)
    except ConfigMissingError:
        raise SpecError(
            [Problem(f"berth:{key}", HIDDEN, f"is required (pulumi config set berth:{key} ...)")],
            f"stack {stack!r}",
        ) from None
    except (ConfigTypeError, RecursionError) as error:
        # json.loads recurses per level (Pulumi wraps the RecursionError); Pulumi's message
        # would print the whole value, which may hold a secret.
        deep = isinstance(error, RecursionError) or isinstance(error.__cause__, RecursionError)
        allowed = "is nested too deeply to read" if deep else "is not a JSON object"
        raise SpecError([Problem(f"berth:{key}", HIDDEN, allowed)], f"stack {stack!r}") from None


def load_all(loaders: Mapping[str, Callable[[], Any]], stack: str) -> dict[str, Any]:
    """Run every loader and report all their problems together (each once), or return every
    result."""
    results: dict[str, Any] = {}
    problems: list[Problem] = []
    seen: set[str] = set()
    for name, load in loaders.items():
        try:
            results[name] = load()
        except SpecError as error:
            for problem in error.problems:
                # A shared value (the namespace) fails in every app that uses it.
                if str(problem) not in seen:
                    seen.add(str(problem))
                    problems.append(problem)
    if problems:
        raise SpecError(problems, f"stack {stack!r}")
    return results
