"""Properties of files: every file is mounted once, at its path, from a key holding its
content; the names and the hash depend on the content only, never on the order given."""

from __future__ import annotations

from hypothesis import given, strategies as st

from components import Container, ContainerPort, Security, SpecError, WebAppArgs
from components.inputs import rules
from components.manifests.webapp import build_webapp
from components.testing.schema import validate_manifest

WEB = Container(
    image="shop:1.0",
    ports=[ContainerPort(port=8080, name="http")],
    security=Security(writable_paths=[]),
)
segment = st.text(alphabet=st.sampled_from("abcXYZ019-_.~ +é"), min_size=1, max_size=12).filter(
    lambda s: s not in (".", "..")
)
paths = st.lists(segment, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))
contents = st.text(max_size=40)
files_strategy = st.dictionaries(paths, contents, max_size=6)


def nested(files: dict[str, str]) -> bool:
    return any(other.startswith(path + "/") for path in files for other in files)


@given(files_strategy)
def test_every_file_is_mounted_once_from_a_key_holding_its_content(files: dict[str, str]) -> None:
    try:
        args = WebAppArgs(container=WEB, service=None, files=files)
    except SpecError as error:
        # The one thing these paths can get wrong: a file inside another.
        assert nested(files), error
        assert all("which is a file too" in p.allowed for p in error.problems)
        return
    assert not nested(files)
    objects = build_webapp("shop", args)
    if not files:
        assert objects.files is None
        return
    assert objects.files is not None
    data = objects.files["data"]
    assert all(rules.config_key(key) is None for key in data)
    container = objects.deployment["spec"]["template"]["spec"]["containers"][0]
    mounts = [m for m in container["volumeMounts"] if m["name"] == "berth-files"]
    assert sorted(m["mountPath"] for m in mounts) == sorted(files)
    for m in mounts:
        assert data[m["subPath"]] == files[m["mountPath"]]
    for manifest in objects.all():
        validate_manifest({**manifest, "metadata": {"name": "shop-1", **manifest["metadata"]}})


@given(files_strategy.filter(lambda f: not nested(f) and f))
def test_the_content_hash_and_fixed_name_ignore_the_order_of_files(files: dict[str, str]) -> None:
    reordered = dict(reversed(list(files.items())))

    def built(given: dict[str, str]) -> tuple[object, object]:
        objects = build_webapp("shop", WebAppArgs(container=WEB, name="shop", files=given))
        assert objects.files is not None
        template = objects.deployment["spec"]["template"]
        return objects.files["metadata"]["name"], template["metadata"]["annotations"]

    assert built(files) == built(reordered)
