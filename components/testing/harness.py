"""Run a Pulumi program under mocks, in preview or update mode, and inspect it.

Pulumi's Python runtime keeps its state in module globals and context
variables (settings, root stack, config) and schedules everything on an
asyncio event loop. `PulumiHarness` gives every run its own copy of that
state, its own event loop and its own resource record, so tests do not see
each other's resources, config or pending work.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import traceback
import warnings
from collections.abc import Callable, Collection, Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar, overload

import attrs
import pulumi
from pulumi.runtime.stack import Stack, run_pulumi_func

from .mocks import FAKE_KUBECONFIG, BerthMocks
from .registry import RecordingMonitor, ResourceRecord, ResourceRegistry

if TYPE_CHECKING:
    from .schema import SchemaValidator

__all__ = ["Mode", "PulumiHarness"]

T = TypeVar("T")
R = TypeVar("R")

Mode = Literal["preview", "update"]

# Work the program leaves behind unawaited (e.g. `pulumi.log.warn(..., resource=r)`
# waits for r's URN) is given this long to finish before results are read.
_DRAIN_TIMEOUT_SECONDS: Final = 5.0


@attrs.define
class _Expectation:
    description: str
    location: str
    ran: bool = False


@attrs.frozen
class _Observation:
    known: bool
    value: Any
    secret: bool


class _RegistryLogHandler(logging.Handler):
    def __init__(self, registry: ResourceRegistry) -> None:
        super().__init__(level=logging.INFO)
        self._registry = registry

    def emit(self, record: logging.LogRecord) -> None:
        self._registry.record_log(record.levelno, record.getMessage())


def _capture_logger(registry: ResourceRegistry) -> logging.Logger:
    # Built directly rather than with logging.getLogger so that each run's
    # logger (and the registry it holds) is garbage once the run is.
    logger = logging.Logger("berth.testing.pulumi", level=logging.INFO)
    logger.addHandler(_RegistryLogHandler(registry))
    # Still propagate, so pytest's "Captured log" section shows the messages.
    logger.parent = logging.getLogger("berth.testing")
    return logger


def _current_event_loop() -> asyncio.AbstractEventLoop | None:
    """The thread's current event loop, if it has one, without warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:
            return None


def _close_thread_event_loop() -> None:
    # Pulumi's mock monitor gives each executor thread an event loop of its
    # own; close it before the thread goes away.
    loop = _current_event_loop()
    if loop is not None:
        asyncio.set_event_loop(None)
        loop.close()


_FOREIGN_OUTPUT: Final = (
    "an Output from outside this run was used: an Output belongs to the harness.run() that "
    "created it, so create Outputs inside the program given to run() (or from what it "
    "returned) and read them before the next run() starts"
)


def _is_foreign_loop_error(error: object) -> bool:
    # asyncio's words when a task awaits a future of another event loop: here, an Output
    # created before this run (its own loop) or by an earlier run (a closed loop).
    return isinstance(error, RuntimeError) and "attached to a different loop" in str(error)


def _quiet_foreign_loop_errors(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # Every future that waited on the foreign Output fails the same way and, unread, would
    # print its traceback when collected: hundreds of lines repeating the one reported.
    if not _is_foreign_loop_error(context.get("exception")):
        loop.default_exception_handler(context)


def _caller_location() -> str:
    for frame in reversed(traceback.extract_stack(limit=8)[:-1]):
        if frame.filename != __file__:
            return f"{frame.filename}:{frame.lineno}"
    return "<unknown>"


def _describe(check: Callable[..., Any]) -> str:
    name = getattr(check, "__qualname__", None) or repr(check)
    return f"check {name}"


class PulumiHarness:
    """Runs Pulumi programs under :class:`~components.testing.mocks.BerthMocks`.

    One harness belongs to one test. :meth:`run` executes a program (any
    callable that creates resources) and records what it registered in
    :attr:`registry`; :meth:`resolve`, :meth:`is_known`, :meth:`is_secret`
    and :meth:`expect` read its outputs afterwards. Call :meth:`close` (or
    use the harness as a context manager, or the ``pulumi_harness`` pytest
    fixture) to release its event loop.

    In preview mode (``preview=True``), as in ``pulumi preview``, outputs the
    mocks do not return are unknown and ``Output.apply`` callbacks on them
    never run, which lets assertions inside them pass without running.
    :meth:`resolve` raises instead, and :meth:`expect` reports checks that
    never ran via :meth:`verify_expectations`.
    """

    def __init__(self, *, preview: bool, mocks: pulumi.runtime.Mocks | None = None) -> None:
        """:param preview: run programs as ``pulumi preview`` (True) or ``pulumi up`` (False).
        :param mocks: the mocks to run under; a fresh :class:`BerthMocks` by default.
        """
        self._preview = preview
        self.mocks: pulumi.runtime.Mocks = mocks if mocks is not None else BerthMocks()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous_loop: asyncio.AbstractEventLoop | None = None
        self._context: contextvars.Context | None = None
        self._registry: ResourceRegistry | None = None
        self._exports: dict[str, Any] = {}
        self._running = False
        self._expectations: list[_Expectation] = []

    def __repr__(self) -> str:
        return f"PulumiHarness(mode={self.mode!r})"

    @property
    def preview(self) -> bool:
        """True when programs run as a preview, False when as an update."""
        return self._preview

    @property
    def mode(self) -> Mode:
        """``"preview"`` or ``"update"``."""
        return "preview" if self._preview else "update"

    @property
    def registry(self) -> ResourceRegistry:
        """What the last :meth:`run` registered.

        :raises RuntimeError: before the first run.
        """
        if self._registry is None:
            raise RuntimeError("nothing has run yet: call harness.run(program) first")
        return self._registry

    @property
    def exports(self) -> Mapping[str, Any]:
        """The values the last program passed to ``pulumi.export``, as given.

        Outputs among them can be read with :meth:`resolve`.
        """
        return dict(self._exports)

    # -- running ---------------------------------------------------------

    def run(
        self,
        program: Callable[[], T],
        *,
        config: Mapping[str, str] | None = None,
        secret_keys: Collection[str] = (),
        stack: str = "test",
        project: str = "berth",
    ) -> T:
        """Run ``program`` as a Pulumi program and return what it returned.

        Returns once every resource registration, output and log message the
        program started has finished. Each call starts from a clean runtime
        and a new :attr:`registry`; outputs from an earlier run cannot be
        read after the next one starts.

        :param program: creates resources; called with no arguments, inside the
            run's event loop (as Pulumi runs a program's ``__main__``).
        :param config: stack configuration, e.g. ``{"berth:replicas": "3"}``. Keys
            without a namespace get the project's (``"replicas"`` ->
            ``"berth:replicas"``). Values are strings, as ``pulumi config set``
            stores them.
        :param secret_keys: keys of ``config`` that are secrets.
        :param stack: the stack name (``pulumi.get_stack()``).
        :param project: the project name (``pulumi.get_project()``).
        :raises: whatever the program, or a resource registration, raised.
        """
        if self._running:
            raise RuntimeError("harness.run() cannot be called from inside a running program")
        self._shutdown_loop()
        registry = ResourceRegistry()
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(_quiet_foreign_loop_errors)
        # One worker keeps the monitor's requests in the order the program
        # issued them, so the registry's order is reproducible.
        loop.set_default_executor(
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="berth-mock-monitor")
        )
        # A private copy of the context variables Pulumi keeps its state in:
        # nothing this run sets leaks into other tests, or theirs into it.
        context = contextvars.copy_context()
        self._previous_loop = _current_event_loop()
        # Outputs derived in the test body (`deployment.metadata.name` is an
        # apply) are scheduled on the thread's current loop, so it must be ours.
        asyncio.set_event_loop(loop)
        self._loop, self._context, self._registry = loop, context, registry
        self._exports = {}

        def qualify(key: str) -> str:
            return key if ":" in key else f"{project}:{key}"

        full_config = {qualify(key): value for key, value in (config or {}).items()}
        # cluster_provider() needs a kubeconfig; under mocks it is read, never dialled.
        full_config.setdefault("kubernetes:kubeconfig", FAKE_KUBECONFIG)
        secrets = [qualify(key) for key in secret_keys]
        monitor = RecordingMonitor(self.mocks, registry)
        logger = _capture_logger(registry)
        results: list[T] = []

        async def main() -> None:
            # Forget any root stack, settings and in-flight work inherited
            # from the surrounding context before installing the mocks.
            pulumi.runtime.reset_options(project=project, stack=stack, preview=self._preview)
            pulumi.runtime.set_all_config(full_config, secrets)
            pulumi.runtime.set_mocks(
                self.mocks,
                project=project,
                stack=stack,
                preview=self._preview,
                logger=logger,
                monitor=monitor,
            )

            def body() -> None:
                results.append(program())

            await run_pulumi_func(body)
            root = pulumi.runtime.get_root_resource()
            if isinstance(root, Stack):
                self._exports = dict(root.outputs)

        self._running = True
        try:
            self._drive(main())
        finally:
            self._running = False
            self._drain()
        return results[0]

    def _drive(self, coroutine: Coroutine[Any, Any, R]) -> R:
        loop, context = self._loop, self._context
        if loop is None or context is None:
            coroutine.close()
            raise RuntimeError("nothing has run yet: call harness.run(program) first")
        if loop.is_running():
            coroutine.close()
            raise RuntimeError(
                "cannot wait for outputs while the program is running; "
                "call harness.expect() or Output.apply inside programs instead"
            )
        try:
            return loop.run_until_complete(loop.create_task(coroutine, context=context))
        except RuntimeError as error:
            if not _is_foreign_loop_error(error):
                raise
            raise RuntimeError(_FOREIGN_OUTPUT) from None

    def _drain(self) -> None:
        loop = self._loop
        if loop is None:
            return
        pending = asyncio.all_tasks(loop)
        if pending:
            loop.run_until_complete(asyncio.wait(pending, timeout=_DRAIN_TIMEOUT_SECONDS))

    # -- reading outputs ---------------------------------------------------

    def _observe(self, value: Any) -> _Observation:
        async def observe() -> _Observation:
            output = pulumi.Output.from_input(value)
            seen: list[Any] = []

            def capture(resolved: Any) -> Any:
                seen.append(resolved)
                return resolved

            # apply() runs its callback only for known values, which is
            # exactly the behaviour being guarded against.
            await output.apply(capture).future()
            secret = await output.is_secret()
            return _Observation(bool(seen), seen[0] if seen else None, secret)

        return self._drive(observe())

    @overload
    def resolve(self, value: pulumi.Output[T]) -> T: ...

    @overload
    def resolve(self, value: Any) -> Any: ...

    def resolve(self, value: Any) -> Any:
        """Return the value of an Output (or Input) of the last run.

        Nested Outputs in lists and dicts are resolved too.

        :raises AssertionError: when the value is unknown, as outputs the
            mocks do not return are in preview. Guard with ``harness.preview``
            or :meth:`is_known` where that is expected.
        :raises: the Output's exception if computing it failed.
        """
        observation = self._observe(value)
        if not observation.known:
            raise AssertionError(
                f"the value is unknown in {self.mode} mode, so nothing can be asserted on it "
                "(and Output.apply callbacks on it never run). Make the mocks return it, "
                "or only assert on it when `not harness.preview`."
            )
        return observation.value

    def is_known(self, value: Any) -> bool:
        """Whether the Output's value (including any nested Outputs) is known."""
        return self._observe(value).known

    def is_secret(self, value: Any) -> bool:
        """Whether the Output is marked secret."""
        return self._observe(value).secret

    @overload
    def expect(
        self,
        value: pulumi.Output[T],
        check: Callable[[T], object],
        *,
        description: str | None = None,
    ) -> None: ...

    @overload
    def expect(
        self,
        value: Any,
        check: Callable[[Any], object],
        *,
        description: str | None = None,
    ) -> None: ...

    def expect(
        self,
        value: Any,
        check: Callable[[Any], object],
        *,
        description: str | None = None,
    ) -> None:
        """Run ``check`` on the value of an Output, and fail the test if it never runs.

        Inside a program, ``check`` runs as the program's other work does and
        an exception from it makes :meth:`run` raise. After a run it runs at
        once, and its exception propagates. When the value is unknown the
        check cannot run; :meth:`verify_expectations` (called by the pytest
        plugin after the test body) then fails the test.

        :param check: raises (e.g. with ``assert``) when the value is wrong.
        :param description: names the check in failure messages.
        """
        expectation = _Expectation(description or _describe(check), _caller_location())
        self._expectations.append(expectation)

        def run_check(resolved: Any) -> None:
            expectation.ran = True
            check(resolved)

        if self._running:
            # Tracked by the runtime, so run() waits for it and re-raises.
            pulumi.Output.from_input(value).apply(run_check)
            return

        async def attach() -> None:
            await pulumi.Output.from_input(value).apply(run_check).future()

        self._drive(attach())

    def verify_expectations(self) -> None:
        """Fail if any :meth:`expect` check never ran.

        :raises AssertionError: listing the checks and where they were registered.
        """
        missed = [expectation for expectation in self._expectations if not expectation.ran]
        self._expectations.clear()
        if missed:
            listing = "\n".join(
                f"  - {expectation.description} (expect() at {expectation.location})"
                for expectation in missed
            )
            raise AssertionError(
                f"{len(missed)} expected check(s) never ran in {self.mode} mode because "
                f"their values were unknown:\n{listing}"
            )

    # -- schema ------------------------------------------------------------

    def validate_manifests(
        self,
        k8s_version: str = "1.36.0",
        *,
        validator: SchemaValidator | None = None,
    ) -> tuple[ResourceRecord, ...]:
        """Validate the inputs of every Kubernetes object the last run registered.

        Objects are custom resources with a ``kubernetes:`` type token whose
        inputs have ``apiVersion`` and ``kind``; reads are skipped.

        :returns: the records validated, so a test can check it was not none.
        :raises SchemaError: listing every violation of every object, or
            naming objects whose kind has no schema.
        """
        from .schema import DEFAULT_VALIDATOR, SchemaError

        validator = validator if validator is not None else DEFAULT_VALIDATOR
        checked: list[ResourceRecord] = []
        failures: list[str] = []
        for record in self.registry.resources:
            inputs = record.inputs
            if (
                not record.custom
                or record.read
                or not record.type.startswith("kubernetes:")
                or not isinstance(inputs.get("apiVersion"), str)
                or not isinstance(inputs.get("kind"), str)
            ):
                continue
            checked.append(record)
            try:
                validator.validate_manifest(inputs, k8s_version)
            except SchemaError as error:
                failures.append(f"{record}: {error}")
        if failures:
            raise SchemaError("\n".join(failures))
        return tuple(checked)

    # -- lifecycle ---------------------------------------------------------

    def close(self) -> None:
        """Release the event loop and its worker thread. Safe to call twice."""
        self._shutdown_loop()
        self._context = None

    def _shutdown_loop(self) -> None:
        loop, self._loop = self._loop, None
        if loop is None:
            return
        try:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.run_in_executor(None, _close_thread_event_loop))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()
            asyncio.set_event_loop(self._previous_loop)
            self._previous_loop = None

    def __enter__(self) -> PulumiHarness:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.verify_expectations()
        finally:
            self.close()
