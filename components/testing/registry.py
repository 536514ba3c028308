"""A record of everything a Pulumi program registered under mocks.

`pulumi.runtime.Mocks.new_resource` only sees a resource's type, name and
inputs. Resource options (parent, depends_on, ignore_changes, timeouts,
aliases, ...) and `register_outputs` calls reach only the resource monitor, so
`RecordingMonitor` extends Pulumi's `MockMonitor` and copies each request into
a `ResourceRegistry` that tests can query.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from typing import Any, Final

import attrs
from pulumi.runtime.mocks import MockMonitor, Mocks

from .mocks import SECRET_SIG, SPECIAL_SIG_KEY, normalize_numbers

__all__ = [
    "UNKNOWN",
    "CustomTimeouts",
    "InvokeRecord",
    "LogEntry",
    "RecordingMonitor",
    "ResourceOptionsRecord",
    "ResourceRecord",
    "ResourceRegistry",
]

# More markers from the Pulumi RPC wire format.
_UNKNOWN_WIRE: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
_RESOURCE_SIG: Final = "5cf8f73096256a8f31e491e813e4eb8e"
_OUTPUT_VALUE_SIG: Final = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
_STACK_TYPE: Final = "pulumi:pulumi:Stack"


@attrs.frozen
class _Unknown:
    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Final = _Unknown()
"""Stands in for a value that was unknown when it was sent (preview only)."""


@attrs.frozen
class CustomTimeouts:
    """The ``custom_timeouts`` resource option; each field is a duration string or None."""

    create: str | None = None
    update: str | None = None
    delete: str | None = None


@attrs.frozen
class ResourceOptionsRecord:
    """The resource options a resource was registered with, as the engine saw them.

    ``depends_on`` lists the URNs the resource depends on that no input
    property accounts for, i.e. the explicit ``depends_on`` option. The SDK
    expands a component in ``depends_on`` into its child resources, so a
    component appears here as its children's URNs (see
    :meth:`ResourceRegistry.depends_on`). A URN that is both an input
    dependency and listed explicitly only shows in
    :attr:`ResourceRecord.dependencies`.

    ``aliases`` holds alias URNs as strings and alias specs as dicts with the
    keys that were set (``name``, ``type``, ``stack``, ``project``,
    ``parentUrn``, ``noParent``). ``provider`` is the provider reference
    ``<provider urn>::<provider id>``.
    """

    parent: str | None = None
    depends_on: tuple[str, ...] = ()
    ignore_changes: tuple[str, ...] = ()
    custom_timeouts: CustomTimeouts | None = None
    aliases: tuple[str | Mapping[str, Any], ...] = ()
    delete_before_replace: bool | None = None
    replace_on_changes: tuple[str, ...] = ()
    protect: bool | None = None
    provider: str | None = None
    providers: Mapping[str, str] = attrs.field(factory=dict)
    retain_on_delete: bool | None = None
    deleted_with: str | None = None
    additional_secret_outputs: tuple[str, ...] = ()
    import_id: str | None = None
    version: str | None = None
    plugin_download_url: str | None = None
    hide_diffs: tuple[str, ...] = ()

    @property
    def provider_urn(self) -> str | None:
        """The URN part of :attr:`provider`, or None without an explicit provider."""
        if self.provider is None:
            return None
        return self.provider.rsplit("::", 1)[0]


@attrs.frozen
class ResourceRecord:
    """One resource registration (or read) as the resource monitor received it.

    ``inputs`` are the properties the program sent, keyed by their Pulumi
    (camelCase) names, with secrets unwrapped (their paths are in
    ``secret_inputs``), resource references replaced by the referenced URN,
    values that were unknown replaced by :data:`UNKNOWN` and integral floats
    turned back into ints. ``outputs`` is what the mocks returned for it,
    converted the same way.
    """

    type: str
    name: str
    urn: str
    custom: bool
    id: str | None
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    options: ResourceOptionsRecord
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    secret_inputs: frozenset[str] = frozenset()
    read: bool = False

    @property
    def parent(self) -> str | None:
        """URN of the parent resource (the stack for top-level resources)."""
        return self.options.parent

    @property
    def is_component(self) -> bool:
        """True for component resources, which no provider manages."""
        return not self.custom

    @property
    def kind(self) -> str:
        """The last segment of the type token, e.g. ``Deployment``."""
        return self.type.rsplit(":", 1)[-1]

    def __str__(self) -> str:
        return f"{self.type} {self.name!r}"


@attrs.frozen
class LogEntry:
    """A message the program logged through ``pulumi.log`` (info and above)."""

    severity: str
    """One of ``"info"``, ``"warning"``, ``"error"``."""
    message: str


@attrs.frozen
class InvokeRecord:
    """A provider function call (invoke) the program made."""

    token: str
    args: Mapping[str, Any]


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _from_struct(struct: Any, secrets: set[str], path: str = "") -> dict[str, Any]:
    return {
        key: _from_value(value, secrets, _join(path, key)) for key, value in struct.fields.items()
    }


def _from_value(value: Any, secrets: set[str], path: str) -> Any:
    """Turn a protobuf ``Value`` from the wire into plain Python data."""
    kind = value.WhichOneof("kind")
    if kind == "number_value":
        return normalize_numbers(value.number_value)
    if kind == "string_value":
        return UNKNOWN if value.string_value == _UNKNOWN_WIRE else value.string_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "list_value":
        return [
            _from_value(item, secrets, _join(path, index))
            for index, item in enumerate(value.list_value.values)
        ]
    if kind != "struct_value":
        return None
    fields = value.struct_value.fields
    signature = fields[SPECIAL_SIG_KEY].string_value if SPECIAL_SIG_KEY in fields else None
    if signature == SECRET_SIG:
        secrets.add(path)
        return _from_value(fields["value"], secrets, path) if "value" in fields else UNKNOWN
    if signature == _RESOURCE_SIG:
        return fields["urn"].string_value
    if signature == _OUTPUT_VALUE_SIG:
        if "secret" in fields and fields["secret"].bool_value:
            secrets.add(path)
        return _from_value(fields["value"], secrets, path) if "value" in fields else UNKNOWN
    return _from_struct(value.struct_value, secrets, path)


def _aliases(request: Any) -> tuple[str | Mapping[str, Any], ...]:
    aliases: list[str | Mapping[str, Any]] = list(request.aliasURNs)
    for alias in request.aliases:
        if alias.WhichOneof("alias") == "urn":
            aliases.append(alias.urn)
        else:
            aliases.append({field.name: item for field, item in alias.spec.ListFields()})
    return tuple(aliases)


def _register_options(request: Any, parent: str | None) -> ResourceOptionsRecord:
    implicit = {urn for deps in request.propertyDependencies.values() for urn in deps.urns}
    timeouts = None
    if request.HasField("customTimeouts"):
        raw = request.customTimeouts
        timeouts = CustomTimeouts(raw.create or None, raw.update or None, raw.delete or None)
    return ResourceOptionsRecord(
        parent=parent,
        depends_on=tuple(urn for urn in request.dependencies if urn not in implicit),
        ignore_changes=tuple(request.ignoreChanges),
        custom_timeouts=timeouts,
        aliases=_aliases(request),
        delete_before_replace=(
            request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None
        ),
        replace_on_changes=tuple(request.replaceOnChanges),
        protect=request.protect if request.HasField("protect") else None,
        provider=request.provider or None,
        providers=dict(request.providers),
        retain_on_delete=(request.retainOnDelete if request.HasField("retainOnDelete") else None),
        deleted_with=request.deletedWith or None,
        additional_secret_outputs=tuple(request.additionalSecretOutputs),
        import_id=request.importId or None,
        version=request.version or None,
        plugin_download_url=request.pluginDownloadURL or None,
        hide_diffs=tuple(request.hideDiffs),
    )


def _read_options(request: Any, parent: str | None) -> ResourceOptionsRecord:
    return ResourceOptionsRecord(
        parent=parent,
        depends_on=tuple(request.dependencies),
        provider=request.provider or None,
        additional_secret_outputs=tuple(request.additionalSecretOutputs),
        version=request.version or None,
        plugin_download_url=request.pluginDownloadURL or None,
    )


_SEVERITIES: Final = {
    logging.INFO: "info",
    logging.WARNING: "warning",
    logging.ERROR: "error",
}


class ResourceRegistry:
    """Every resource, output registration, log message and invoke of one program run.

    Resources are kept in the order the resource monitor received them, which
    follows construction order except that a resource waits for the inputs it
    takes from other resources. The root stack is not among
    :attr:`resources`; see :attr:`stack`.
    """

    def __init__(self) -> None:
        # The mock monitor runs on executor threads, so writes are locked.
        self._lock = threading.Lock()
        self._records: list[ResourceRecord] = []
        self._by_urn: dict[str, ResourceRecord] = {}
        self._outputs: dict[str, Mapping[str, Any]] = {}
        self._logs: list[LogEntry] = []
        self._invokes: list[InvokeRecord] = []
        self._stack: ResourceRecord | None = None

    # -- queries ---------------------------------------------------------

    @property
    def resources(self) -> tuple[ResourceRecord, ...]:
        """All registered and read resources except the root stack, in arrival order."""
        with self._lock:
            return tuple(self._records)

    @property
    def stack(self) -> ResourceRecord | None:
        """The root ``pulumi:pulumi:Stack`` resource, once registered."""
        return self._stack

    def __iter__(self) -> Iterator[ResourceRecord]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    def __repr__(self) -> str:
        listing = ", ".join(str(record) for record in self.resources)
        return f"ResourceRegistry([{listing}])"

    def of_type(self, type_: str) -> tuple[ResourceRecord, ...]:
        """The resources whose type token is ``type_``, e.g. ``kubernetes:apps/v1:Deployment``."""
        return tuple(record for record in self.resources if record.type == type_)

    def named(self, name: str) -> tuple[ResourceRecord, ...]:
        """The resources whose logical name is ``name`` (of any type)."""
        return tuple(record for record in self.resources if record.name == name)

    def one(self, type_: str, name: str | None = None) -> ResourceRecord:
        """The single resource of ``type_`` (and logical ``name``, when given).

        :raises AssertionError: when there is none or more than one, listing what
            was registered.
        """
        matches = [record for record in self.of_type(type_) if name is None or record.name == name]
        if len(matches) == 1:
            return matches[0]
        wanted = type_ if name is None else f"{type_} named {name!r}"
        found = "\n".join(f"  - {record}" for record in self.resources) or "  (nothing)"
        if matches:
            raise AssertionError(
                f"expected exactly one {wanted}, found {len(matches)}; registered:\n{found}"
            )
        raise AssertionError(f"expected exactly one {wanted}, found none; registered:\n{found}")

    def get(self, urn: str) -> ResourceRecord:
        """The resource with this URN.

        :raises AssertionError: when no resource has it.
        """
        with self._lock:
            record = self._by_urn.get(urn)
        if record is None:
            raise AssertionError(f"no resource with URN {urn!r} was registered")
        return record

    def children_of(self, parent: str | ResourceRecord) -> tuple[ResourceRecord, ...]:
        """The resources whose parent is ``parent`` (a record or a URN)."""
        urn = parent.urn if isinstance(parent, ResourceRecord) else parent
        return tuple(record for record in self.resources if record.parent == urn)

    def descendants_of(self, ancestor: str | ResourceRecord) -> tuple[ResourceRecord, ...]:
        """Children, grandchildren, ... of ``ancestor``, in arrival order."""
        urns = {ancestor.urn if isinstance(ancestor, ResourceRecord) else ancestor}
        found: list[ResourceRecord] = []
        # Parents register before their children, so one pass in order suffices.
        for record in self.resources:
            if record.parent in urns:
                urns.add(record.urn)
                found.append(record)
        return tuple(found)

    def depends_on(self, dependent: ResourceRecord, dependency: ResourceRecord) -> bool:
        """Whether ``dependent`` was registered depending on ``dependency``.

        Counts input and explicit dependencies. For a component ``dependency``
        this is true when ``dependent`` depends on the component or on any of
        its descendants, since the SDK expands a component into its children.
        """
        urns = {dependency.urn} | {record.urn for record in self.descendants_of(dependency)}
        return not urns.isdisjoint(dependent.dependencies)

    def has_outputs(self, resource: str | ResourceRecord) -> bool:
        """Whether ``register_outputs`` was called for ``resource``."""
        urn = resource.urn if isinstance(resource, ResourceRecord) else resource
        with self._lock:
            return urn in self._outputs

    def outputs_of(self, resource: str | ResourceRecord) -> Mapping[str, Any]:
        """What ``resource`` (usually a component) passed to ``register_outputs``.

        Values are converted like :attr:`ResourceRecord.inputs`; a resource
        passed as an output appears as its URN.

        :raises AssertionError: when ``register_outputs`` was never called for it.
        """
        urn = resource.urn if isinstance(resource, ResourceRecord) else resource
        with self._lock:
            outputs = self._outputs.get(urn)
        if outputs is None:
            raise AssertionError(f"{resource} never called register_outputs")
        return outputs

    @property
    def logs(self) -> tuple[LogEntry, ...]:
        """Messages logged with ``pulumi.log.info``/``warn``/``error``, in order."""
        with self._lock:
            return tuple(self._logs)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Messages logged with ``pulumi.log.warn``, in order."""
        return tuple(entry.message for entry in self.logs if entry.severity == "warning")

    @property
    def errors(self) -> tuple[str, ...]:
        """Messages logged with ``pulumi.log.error``, in order."""
        return tuple(entry.message for entry in self.logs if entry.severity == "error")

    @property
    def invokes(self) -> tuple[InvokeRecord, ...]:
        """Provider function calls, in order."""
        with self._lock:
            return tuple(self._invokes)

    # -- recording (called by RecordingMonitor and the harness) ----------

    def _add(self, record: ResourceRecord) -> None:
        with self._lock:
            if record.type == _STACK_TYPE and record.parent is None:
                self._stack = record
            else:
                self._records.append(record)
            self._by_urn[record.urn] = record

    def record_registration(self, request: Any, response: Any) -> None:
        """Record a ``RegisterResourceRequest`` and the monitor's response to it."""
        secrets: set[str] = set()
        inputs = _from_struct(request.object, secrets)
        outputs = _from_struct(response.object, set())
        parent = request.parent or None
        self._add(
            ResourceRecord(
                type=request.type,
                name=request.name,
                urn=response.urn,
                custom=request.custom,
                id=response.id or None,
                inputs=inputs,
                outputs=outputs,
                options=_register_options(request, parent),
                dependencies=tuple(request.dependencies),
                property_dependencies={
                    key: tuple(deps.urns) for key, deps in request.propertyDependencies.items()
                },
                secret_inputs=frozenset(secrets),
            )
        )

    def record_read(self, request: Any, response: Any) -> None:
        """Record a ``ReadResourceRequest`` (``Resource.get``) and its response."""
        secrets: set[str] = set()
        parent = request.parent or None
        self._add(
            ResourceRecord(
                type=request.type,
                name=request.name,
                urn=response.urn,
                custom=True,
                id=request.id or None,
                inputs=_from_struct(request.properties, secrets),
                outputs=_from_struct(response.properties, set()),
                options=_read_options(request, parent),
                dependencies=tuple(request.dependencies),
                secret_inputs=frozenset(secrets),
                read=True,
            )
        )

    def record_outputs(self, request: Any) -> None:
        """Record a ``RegisterResourceOutputsRequest``."""
        outputs = _from_struct(request.outputs, set())
        with self._lock:
            self._outputs[request.urn] = outputs

    def record_invoke(self, request: Any) -> None:
        """Record a ``ResourceInvokeRequest``."""
        invoke = InvokeRecord(token=request.tok, args=_from_struct(request.args, set()))
        with self._lock:
            self._invokes.append(invoke)

    def record_log(self, level: int, message: str) -> None:
        """Record a log message at a :mod:`logging` level; below INFO is dropped."""
        if level < logging.INFO:
            return
        severity = _SEVERITIES.get(level, logging.getLevelName(level).lower())
        with self._lock:
            self._logs.append(LogEntry(severity=severity, message=message))


def _is_unknown(value: Any) -> bool:
    return bool(value.WhichOneof("kind") == "string_value" and value.string_value == _UNKNOWN_WIRE)


def _restore_unknowns(sent: Any, returned: Any) -> None:
    """Mark unknown again what the mocks echoed back from an unknown input.

    Mocks receive unknown inputs as None, so an echo turns "not known yet"
    into a known None and a preview would see a value the engine would not
    have. Only places the mocks left None (or out) are touched.
    """
    for key, item in sent.fields.items():
        if _is_unknown(item):
            if key not in returned.fields or returned.fields[key].WhichOneof("kind") in (
                None,
                "null_value",
            ):
                returned.fields[key].string_value = _UNKNOWN_WIRE
        elif key in returned.fields:
            _restore_nested_unknowns(item, returned.fields[key])


def _restore_nested_unknowns(sent: Any, returned: Any) -> None:
    kind = sent.WhichOneof("kind")
    if kind != returned.WhichOneof("kind"):
        return
    if kind == "struct_value":
        _restore_unknowns(sent.struct_value, returned.struct_value)
    elif kind == "list_value":
        for sent_item, returned_item in zip(
            sent.list_value.values, returned.list_value.values, strict=False
        ):
            if _is_unknown(sent_item):
                if returned_item.WhichOneof("kind") in (None, "null_value"):
                    returned_item.string_value = _UNKNOWN_WIRE
            else:
                _restore_nested_unknowns(sent_item, returned_item)


class RecordingMonitor(MockMonitor):
    """Pulumi's mock resource monitor, also writing every request into a registry.

    Inputs that were unknown when sent (in a preview) stay unknown in the
    outputs where the mocks echoed them, as they would with a real engine.

    Usable on its own with ``pulumi.runtime.set_mocks(mocks, monitor=...)``;
    :class:`~components.testing.harness.PulumiHarness` wires it up for you.
    """

    def __init__(self, mocks: Mocks, registry: ResourceRegistry) -> None:
        super().__init__(mocks)
        self.registry = registry

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        _restore_unknowns(request.object, response.object)
        self.registry.record_registration(request, response)
        return response

    def ReadResource(self, request: Any) -> Any:  # noqa: N802
        response = super().ReadResource(request)  # type: ignore[no-untyped-call]
        self.registry.record_read(request, response)
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802
        self.registry.record_outputs(request)
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]

    def Invoke(self, request: Any) -> Any:  # noqa: N802
        # The SDK's own resource lookups are plumbing, not calls the program made.
        if request.tok != "pulumi:pulumi:getResource":
            self.registry.record_invoke(request)
        return super().Invoke(request)  # type: ignore[no-untyped-call]
