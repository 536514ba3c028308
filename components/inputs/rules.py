"""Rules the Kubernetes API server enforces, as checks that return what is allowed.

A check takes a value and returns ``None`` when it is fine, or the text that
completes ``<path>: <value> <text>`` when it is not. The wording follows the
API server's, so a user who meets the same rule in ``kubectl`` recognises it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeAlias

from components.errors import Problem

# What a check finds: None when the value is fine, the text that completes
# ``<path>: <value> <text>``, or problems inside the value (a list's items, a mapping's keys).
Found: TypeAlias = str | Sequence[Problem] | None
Check = Callable[[Any], Found]

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_PORT_NAME = re.compile(r"^[-a-z0-9]+$")
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_PERCENT = re.compile(r"^(0|[1-9][0-9]*)%$")
_QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eE][-+]?[0-9]+|[numkKMGTPE]i?|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_SUFFIX = {
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
    "k": Decimal(10**3), "M": Decimal(10**6), "G": Decimal(10**9), "T": Decimal(10**12),
    "P": Decimal(10**15), "E": Decimal(10**18),
    "Ki": Decimal(2**10), "Mi": Decimal(2**20), "Gi": Decimal(2**30), "Ti": Decimal(2**40),
    "Pi": Decimal(2**50), "Ei": Decimal(2**60),
}  # fmt: skip

DNS1035_TEXT = (
    "is not a valid DNS-1035 label (at most 63 lowercase letters, digits or '-', "
    "starting with a letter and ending with a letter or digit)"
)
DNS1123_LABEL_TEXT = (
    "is not a valid DNS-1123 label (at most 63 lowercase letters, digits or '-', "
    "starting and ending with a letter or digit)"
)
DNS1123_SUBDOMAIN_TEXT = (
    "is not a valid DNS-1123 subdomain (at most 253 characters: dot-separated "
    "lowercase labels of letters, digits or '-')"
)


def is_int(value: object) -> bool:
    # bool is an int in Python, but `replicas=True` is a mistake, not a number.
    return isinstance(value, int) and not isinstance(value, bool)


def dns1035_label(value: object, max_length: int = 63) -> str | None:
    if not isinstance(value, str) or len(value) > max_length or not _DNS1035_LABEL.match(value):
        if max_length != 63:
            return DNS1035_TEXT.replace("at most 63", f"at most {max_length}")
        return DNS1035_TEXT
    return None


def dns1123_label(value: object, max_length: int = 63) -> str | None:
    if not isinstance(value, str) or len(value) > max_length or not _DNS1123_LABEL.match(value):
        if max_length != 63:
            return DNS1123_LABEL_TEXT.replace("at most 63", f"at most {max_length}")
        return DNS1123_LABEL_TEXT
    return None


def dns1123_subdomain(value: object, max_length: int = 253) -> str | None:
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= max_length
        or not all(_DNS1123_LABEL.match(part) for part in value.split("."))
    ):
        return DNS1123_SUBDOMAIN_TEXT
    return None


def port_name(value: object) -> str | None:
    """IANA service name: what a named container port and a named targetPort must be."""
    allowed = (
        "is not a valid port name (at most 15 lowercase letters, digits or '-', "
        "with at least one letter, no '--', and no '-' at either end)"
    )
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= 15
        or not _PORT_NAME.match(value)
        or "--" in value
        or value.startswith("-")
        or value.endswith("-")
        or not any(c.isalpha() for c in value)
    ):
        return allowed
    return None


def port_number(value: object) -> str | None:
    return None if is_int(value) and 1 <= value <= 65535 else "is not a port number (1..65535)"  # type: ignore[operator]


def within(low: int, high: int | None = None) -> Check:
    def check(value: object) -> str | None:
        if not is_int(value):
            return "is not an integer"
        if value < low or (high is not None and value > high):  # type: ignore[operator]
            return f"is not within {low}..{high}" if high is not None else f"is less than {low}"
        return None

    return check


def optional(check: Check) -> Check:
    def maybe(value: object) -> Found:
        return None if value is None else check(value)

    return maybe


def one_of(*choices: object) -> Check:
    def check(value: object) -> str | None:
        if value in choices:
            return None
        return "is not one of " + ", ".join(repr(c) for c in choices)

    return check


def non_empty_text(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "is not a non-empty string"
    return None


def image_reference(value: object) -> str | None:
    if not isinstance(value, str) or not value or value != value.strip() or " " in value:
        return "is not a container image reference (non-empty, no whitespace)"
    return None


def int_or_percent(value: object) -> str | None:
    if is_int(value) and value >= 0:  # type: ignore[operator]
        return None
    if isinstance(value, str) and _PERCENT.match(value):
        return None
    return "is not a non-negative integer or a percentage such as '25%'"


def percent_value(value: int | str) -> int | None:
    """The number in 'N%', or None for an absolute count."""
    return int(value[:-1]) if isinstance(value, str) else None


def label_key(value: object) -> str | None:
    allowed = (
        "is not a valid label key (an optional DNS subdomain prefix and '/', then a name of "
        "at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)"
    )
    if not isinstance(value, str) or not value:
        return allowed
    prefix, _, name = value.rpartition("/")
    if "/" in value and (not prefix or dns1123_subdomain(prefix)):
        return allowed
    if len(name) > 63 or not _QUALIFIED_NAME.match(name):
        return allowed
    return None


def label_value(value: object) -> str | None:
    if not isinstance(value, str) or (
        value and (len(value) > 63 or not _QUALIFIED_NAME.match(value))
    ):
        return (
            "is not a valid label value (empty, or at most 63 letters, digits, '-', '_' or '.', "
            "starting and ending with a letter or digit)"
        )
    return None


def env_name(value: object) -> str | None:
    if not isinstance(value, str) or not _ENV_NAME.match(value):
        return (
            "is not a valid environment variable name (letters, digits, '_', '-' or '.', "
            "not starting with a digit)"
        )
    return None


def parse_quantity(value: object) -> Decimal | None:
    """A Kubernetes resource quantity ('500m', '1.5Gi', '2') as a number, or None if invalid."""
    if is_int(value):
        return Decimal(value)  # type: ignore[arg-type]
    if not isinstance(value, str):
        return None
    match = _QUANTITY.match(value)
    if not match:
        return None
    number, suffix = match.group(1), match.group(2) or ""
    try:
        base = Decimal(number)
    except InvalidOperation:
        return None
    if suffix[:1] in "eE" and suffix:
        return base * Decimal(10) ** int(suffix[1:])
    return base * _SUFFIX[suffix] if suffix in _SUFFIX else None


def quantity(value: object) -> str | None:
    parsed = parse_quantity(value)
    if parsed is None or parsed < 0:
        return "is not a resource quantity such as '250m', '1', '512Mi' or '2Gi'"
    return None


def cidr(value: object) -> str | None:
    try:
        ipaddress.ip_network(value, strict=False)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return "is not a CIDR range such as '203.0.113.0/24'"
    return None


def ip_address(value: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def duplicates(values: Iterable[object]) -> list[object]:
    seen: set[object] = set()
    repeated: list[object] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated


def known(check: Check) -> Check:
    """Check plain values now; a ``pulumi.Output`` is checked by the component once known
    (``components/_known.py``)."""

    def check_if_known(value: object) -> Found:
        if type(value).__name__ == "Output":
            return None
        return check(value)

    return check_if_known


def image_pinned(value: str) -> str | None:
    """Advice, not an error: an image without a tag or with ``:latest`` is a moving target.

    Returns what to do about it, or None when the image names a tag other than ``latest``
    or a digest.
    """
    reference, _, digest = value.partition("@")
    if digest:
        return None
    last = reference.rsplit("/", 1)[-1]
    tag = last.rsplit(":", 1)[1] if ":" in last else None
    if tag is not None and tag != "latest":
        return None
    what = "has no tag (it means ':latest')" if tag is None else "is tagged ':latest'"
    return (
        f"{what}: it changes without a change to the stack, nodes may run different builds, "
        "and the version label is unknown; pin a version tag (and ideally a digest)"
    )
