"""What every component's args share: naming, namespace, and the recommended labels."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from components import defaults
from components.errors import Problem
from components.inputs import rules
from components.inputs.base import (
    Spec,
    each,
    field,
    instance_of,
    mapping_of,
    rule,
    spec,
    to_dict,
)
from components.inputs.patches import Patch, to_patches
from components.labels import LOAD_BALANCER_ADDRESS, PATCH_FORCE, RESERVED_PREFIX, WAIT_FOR

# What Berth adds to an object's annotations: patchForce on every object (manifests.meta
# object_meta), and skipAwait or (the longer) waitFor on some; the most any object gets is
# counted for all, so no object can go over.
_BERTH_ANNOTATIONS = {PATCH_FORCE: "true", WAIT_FOR: LOAD_BALANCER_ADDRESS}


def annotation_rules(
    annotations: Mapping[str, str], more: Mapping[str, str] | None = None, path: str = "annotations"
) -> Iterator[Problem]:
    """One object's annotations (the component's, ``more`` of its own, and Berth's) must fit
    the API server's total."""
    size = rules.byte_size({**annotations, **(more or {}), **_BERTH_ANNOTATIONS})
    if size > rules.ANNOTATIONS_SIZE_LIMIT:
        yield Problem(path, size, rules.ANNOTATIONS_SIZE_TEXT)


@spec
class AppArgs(Spec):
    """Naming and labelling shared by WebAppArgs, CanaryServiceArgs and ExternalDatabaseArgs.

    ``name`` None names Services by the logical name and leaves other objects to Pulumi
    autonaming (``<logical name>-<8 random chars>``, or what ``pulumi:autonaming`` says); a
    string fixes every Kubernetes name. See the naming policy in docs/webapp.md.
    """

    name: str | None = field(default=None, checks=[rules.optional(rules.dns1035_label)])
    namespace: str | None = field(default=None, checks=[rules.optional(rules.dns1123_label)])
    app: str | None = field(default=None, checks=[rules.optional(rules.label_value)])
    instance: str | None = field(default=None, checks=[rules.optional(rules.label_value)])
    version: str | None = field(default=None, checks=[rules.optional(rules.label_value)])
    component: str | None = field(default=None, checks=[rules.optional(rules.label_value)])
    part_of: str | None = field(default=None, checks=[rules.optional(rules.label_value)])
    labels: Mapping[str, str] = field(
        factory=dict, converter=to_dict, checks=[mapping_of(rules.label_key, rules.label_value)]
    )
    annotations: Mapping[str, str] = field(
        factory=dict,
        converter=to_dict,
        checks=[mapping_of(rules.label_key, instance_of(str, what="a string"))],
    )
    cluster_domain: str = field(default=defaults.CLUSTER_DOMAIN, checks=[rules.dns1123_subdomain])
    # The escape hatch (docs/escape-hatch.md): changes to the built objects, checked again.
    patches: Sequence[Patch] = field(
        default=(),
        converter=to_patches,
        checks=[each(instance_of(Patch, what="a Patch"))],
    )

    @rule("annotations")
    def _annotations_fit(self) -> Iterator[Problem]:
        return annotation_rules(self.annotations)

    @rule("labels")
    def _own_labels(self) -> Iterator[Problem]:
        for key in sorted(k for k in self.labels if k.startswith(RESERVED_PREFIX)):
            yield Problem(
                f"labels[{key!r}]",
                self.labels[key],
                f"is set by Berth; use the app, instance, version, component or part_of "
                f"argument instead of a '{RESERVED_PREFIX}' label",
            )
