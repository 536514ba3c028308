"""Property: any ExternalDatabase input builds valid objects or raises SpecError naming a field."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from hypothesis import HealthCheck, event, given, settings, strategies as st

from components import ExternalDatabaseArgs, SpecError
from components.manifests.database import build_database
from components.testing.schema import validate_manifest

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def mostly(valid: list[Any], invalid: list[Any]) -> st.SearchStrategy[Any]:
    """Valid values far likelier than invalid ones: with a dozen fields, an example
    is then valid often enough to exercise the build, and invalid often enough too."""
    return st.sampled_from(valid * 10 + invalid)


addresses = mostly(
    ["10.0.0.5", "192.168.7.1", "10.9.9.9"],
    ["2001:db8::5", "127.0.0.1", "::1", "169.254.0.1", "fe80::2", "0.0.0.0", "::", "224.0.0.1",
     "2001:DB8::9", "010.0.0.1", "db.example.com", ""],
)  # fmt: skip
hosts = mostly(
    ["db.example.com", "db.example.com.", "db"],
    ["10.0.0.5", "2001:db8::5", "DB.example.com", "db..example.com", ""],
)
credentials = mostly([None, "app", "p@ss:w/rd #?%", "ümlaut"], ["", 7])


@FAST
@given(
    config=st.fixed_dictionaries(
        {
            "engine": mostly(["postgresql", "mysql", "redis", "mongodb"], ["oracle"]),
            "port": mostly([None, 1, 5432, 65535], [0, 70000]),
            "service_port": mostly([None], [5432, 6000]),
            "username": credentials,
            "password": credentials,
            "database": credentials,
            "name": mostly([None, "orders"], ["Orders"]),
        }
    ),
    target=st.one_of(
        hosts.map(lambda host: (host, [])),
        st.lists(addresses, min_size=1, max_size=3).map(lambda ips: (None, ips)),
        st.just((None, [])),
        st.just(("db.example.com", ["10.0.0.5"])),
    ),
)
def test_any_input_builds_schema_valid_objects_or_names_the_bad_field(
    config: dict[str, Any], target: tuple[str | None, list[str]]
) -> None:
    host, ips = target
    name, password, database = config["name"], config["password"], config["database"]
    try:
        args = ExternalDatabaseArgs(host=host, addresses=ips, **config)
    except SpecError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.path and problem.allowed
        event("rejected")
        return
    event("built")
    objects = build_database("orders-db", args)
    for manifest in objects.all():
        validate_manifest(manifest)
    service = objects.service["metadata"]["name"]
    assert service == (name or "orders-db")
    if objects.endpoint_slice is not None:
        assert objects.endpoint_slice["metadata"]["labels"]["kubernetes.io/service-name"] == service
    # The URL round-trips every credential, however odd its characters.
    url = urlsplit(objects.secret["stringData"]["url"])
    assert url.hostname == f"{service}.default.svc.cluster.local"
    assert unquote(url.password or "") == (password or "")
    assert unquote(url.path.lstrip("/")) == (database or "")
