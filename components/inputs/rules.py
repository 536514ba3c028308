"""Rules the Kubernetes API server enforces, as checks that return what is allowed.

A check takes a value and returns ``None`` when it is fine, or the text that
completes ``<path>: <value> <text>`` when it is not. The wording follows the
API server's, so a user who meets the same rule in ``kubectl`` recognises it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, InvalidOperation
from typing import Any, TypeAlias

import attrs

from components.errors import Problem

# What a check finds: None when the value is fine, the text that completes
# ``<path>: <value> <text>``, or problems inside the value (a list's items, a mapping's keys).
Found: TypeAlias = str | Sequence[Problem] | None
Check = Callable[[Any], Found]

# What a check allows, for the API reference (docs/reference.md): set by the factories
# below on the checks they build, as text or a function giving it (built on first use).
ALLOWS = "berth_allows"

# Every pattern is used with re.fullmatch: the API server's Go regexes match the whole
# string, while Python's `$` also matches before a trailing newline.
_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_PORT_NAME = re.compile(r"[-a-z0-9]+")
_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")
# Printable ASCII (space to '~') but '=': IsRelaxedEnvVarName.
_ENV_NAME = re.compile(r"[ -<>-~]+")
_WHITESPACE = re.compile(r"\s")
# apimachinery's IsValidPercent: leading zeros are allowed ('05%').
_PERCENT = re.compile(r"[0-9]+%")
# resource.Quantity: <signedNumber><suffix>, the suffix binary SI, decimal SI or an
# exponent. 'E' alone is the decimal suffix exa and 'Ei' binary; 'E3' is an exponent.
_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?"
)
_SUFFIX = {
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
    "k": Decimal(10**3), "M": Decimal(10**6), "G": Decimal(10**9), "T": Decimal(10**12),
    "P": Decimal(10**15), "E": Decimal(10**18),
    "Ki": Decimal(2**10), "Mi": Decimal(2**20), "Gi": Decimal(2**30), "Ti": Decimal(2**40),
    "Pi": Decimal(2**50), "Ei": Decimal(2**60),
}  # fmt: skip
# Exact arithmetic for quantities: the default context rounds to 28 digits and overflows
# at 10**999999. The input string bounds the digits; the exponent is bounded below.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation])

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
# apimachinery's IsValidUserID / IsValidGroupID.
MAX_UID = INT32_MAX
# apimachinery's TotalAnnotationSizeLimitB: keys and values of one object together.
ANNOTATIONS_SIZE_LIMIT = 256 * 1024
# A Secret's or ConfigMap's data (MaxSecretSize, the ConfigMap limit).
DATA_SIZE_LIMIT = 1024 * 1024
# etcd's default --max-request-bytes: no stored object can be larger.
OBJECT_SIZE_LIMIT = 1536 * 1024

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
    if not isinstance(value, str) or len(value) > max_length or not _DNS1035_LABEL.fullmatch(value):
        if max_length != 63:
            return DNS1035_TEXT.replace("at most 63", f"at most {max_length}")
        return DNS1035_TEXT
    return None


def dns1123_label(value: object, max_length: int = 63) -> str | None:
    if not isinstance(value, str) or len(value) > max_length or not _DNS1123_LABEL.fullmatch(value):
        if max_length != 63:
            return DNS1123_LABEL_TEXT.replace("at most 63", f"at most {max_length}")
        return DNS1123_LABEL_TEXT
    return None


def dns1123_subdomain(value: object, max_length: int = 253) -> str | None:
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= max_length
        or not all(_DNS1123_LABEL.fullmatch(part) for part in value.split("."))
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
        or not _PORT_NAME.fullmatch(value)
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

    bounds = f"within {low}..{high}" if high is not None else f"at least {low}"
    return allowing(f"an integer {bounds}", check)


def _bounded(low: int, high: int, what: str) -> Check:
    def check(value: object) -> Found:
        allowed = within(low)(value)
        if allowed is None and value > high:  # type: ignore[operator]
            return f"is more than {high}, the largest {what}"
        return allowed

    return check


def int32(low: int) -> Check:
    """An int32 field of the API (replicas, seconds, thresholds): at most 2^31-1."""
    return _bounded(low, INT32_MAX, "value of this field (int32)")


def int64(low: int) -> Check:
    return _bounded(low, INT64_MAX, "value of this field (int64)")


def unix_id(value: object) -> Found:
    """A user or group ID: the API server allows 0..2^31-1 (IsValidUserID, IsValidGroupID)."""
    return _bounded(0, MAX_UID, "user or group ID")(value)


def optional(check: Check) -> Check:
    def maybe(value: object) -> Found:
        return None if value is None else check(value)

    return allowing(lambda: f"None, or {describe(check)}", maybe)


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


def int_or_percent(value: object) -> str | None:
    """An IntOrString count: a non-negative int32 or 'N%'."""
    if is_int(value) and 0 <= value <= INT32_MAX:  # type: ignore[operator]
        return None
    if isinstance(value, str) and _PERCENT.fullmatch(value):
        return None
    return "is not a non-negative integer or a percentage such as '25%'"


def int_or_percent_to_100(value: object) -> str | None:
    """An IntOrString count where a percentage must not exceed 100 (a share of the pods)."""
    allowed = int_or_percent(value)
    if allowed is None and isinstance(value, str) and int(value[:-1]) > 100:
        return "must not be more than '100%'"
    return allowed


def percent_value(value: int | str | None) -> int | None:
    """The number in 'N%', or None for an absolute count."""
    return int(value[:-1]) if isinstance(value, str) else None


def is_zero(value: object) -> bool:
    """A count of 0 or '0%' (also written '00%')."""
    return (is_int(value) and value == 0) or (
        isinstance(value, str) and _PERCENT.fullmatch(value) is not None and int(value[:-1]) == 0
    )


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
    if len(name) > 63 or not _QUALIFIED_NAME.fullmatch(name):
        return allowed
    return None


def label_value(value: object) -> str | None:
    if not isinstance(value, str) or (
        value and (len(value) > 63 or not _QUALIFIED_NAME.fullmatch(value))
    ):
        return (
            "is not a valid label value (empty, or at most 63 letters, digits, '-', '_' or '.', "
            "starting and ending with a letter or digit)"
        )
    return None


def env_name(value: object) -> str | None:
    # Kubernetes 1.34+ (RelaxedEnvironmentVariableValidation, GA): any printable ASCII
    # but '='. Berth supports 1.36 and later, so the old C-identifier rule would be a
    # false alarm (`Logging:LogLevel:Default`, a leading digit).
    if not isinstance(value, str) or not _ENV_NAME.fullmatch(value):
        return (
            "is not a valid environment variable name (one or more printable ASCII "
            "characters other than '=')"
        )
    return None


def config_key(value: object) -> str | None:
    """A key of a Secret's or ConfigMap's data (apimachinery's IsConfigMapKey)."""
    if (
        not isinstance(value, str)
        or len(value) > 253
        or not _CONFIG_KEY.fullmatch(value)
        or value in (".", "..")
        or value.startswith("..")
    ):
        return (
            "is not a valid Secret or ConfigMap key (at most 253 letters, digits, '-', '_' "
            "or '.', not '.' and not starting with '..')"
        )
    return None


def parse_quantity(value: object) -> Decimal | None:
    """A Kubernetes resource quantity ('500m', '1.5Gi', '1E', '2e3') as an exact number,
    or None if it is not one."""
    if is_int(value):
        return Decimal(value)  # type: ignore[arg-type]
    if not isinstance(value, str):
        return None
    match = _QUANTITY.fullmatch(value)
    if not match:
        return None
    number = Decimal(match["number"])
    suffix = match["suffix"] or ""
    if suffix in _SUFFIX:
        return _EXACT.multiply(number, _SUFFIX[suffix])
    exponent = int(suffix[1:])
    # The server reads the exponent into an int32; beyond that it is no quantity at all.
    if not -INT32_MAX <= exponent <= INT32_MAX:
        return None
    return _EXACT.scaleb(number, exponent)


QUANTITY_TEXT = "is not a resource quantity such as '250m', '1', '512Mi' or '2Gi'"


def quantity(value: object) -> str | None:
    parsed = parse_quantity(value)
    if parsed is None or parsed < 0:
        return QUANTITY_TEXT
    return None


def memory_quantity(value: object) -> str | None:
    """A memory quantity of whole bytes: '128m' is 0.128 bytes, never what was meant (the
    server accepts it; the container then cannot start)."""
    allowed = quantity(value)
    if allowed is not None:
        return allowed
    parsed = parse_quantity(value)
    if parsed is not None and parsed != parsed.to_integral_value():
        hint = ""
        if isinstance(value, str) and value.endswith("m"):
            hint = f"; 'm' is milli, not mega: did you mean '{value[:-1]}Mi'?"
        # Positional notation only while short: '1e-2000000000' would print 2e9 zeros.
        exact = _EXACT.normalize(parsed)
        shown = f"{exact:f}" if exact.adjusted() > -30 else f"{exact:e}"
        return f"is not a whole number of bytes ({shown} bytes){hint}"
    return None


IP_TEXT = "is not an IP address such as '203.0.113.7' or '2001:db8::7'"
CIDR_TEXT = "is not a CIDR range such as '203.0.113.0/24' or '2001:db8::/64'"


def ip_address(value: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IP address as the API server parses it since 1.36 (StrictIPCIDRValidation):
    no leading zeros, no IPv4-mapped IPv6, no zone; None when it is not one."""
    if not isinstance(value, str) or "%" in value:
        return None
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return None
    return ip


_DOTTED_QUAD = re.compile(r"[0-9]+(?:\.[0-9]+){3}")


def looks_like_ip(value: object) -> bool:
    """An IP address, or a string any IP parser would read as one ('010.0.0.1'): never
    a host name, whatever DNS rules it passes."""
    return ip_address(value) is not None or (
        isinstance(value, str) and _DOTTED_QUAD.fullmatch(value.removesuffix(".")) is not None
    )


def ip_network(value: object) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """A CIDR as the API server parses it since 1.36: an address (as :func:`ip_address`),
    '/', a prefix length without leading zeros, and no bits set beyond the prefix."""
    if not isinstance(value, str) or value.count("/") != 1:
        return None
    address, _, length = value.partition("/")
    ip = ip_address(address)
    if ip is None or not length.isascii() or not length.isdigit():
        return None
    if (length.startswith("0") and length != "0") or int(length) > ip.max_prefixlen:
        return None
    try:
        return ipaddress.ip_network(f"{ip}/{length}")
    except ValueError:
        return None


def cidr(value: object) -> str | None:
    if ip_network(value) is not None:
        return None
    if not isinstance(value, str):
        return f"{CIDR_TEXT} (a string)"
    address, slash, length = value.partition("/")
    ip = ip_address(address)
    if ip is not None and not slash:
        single = f"{ip}/{ip.max_prefixlen}"
        return f"{CIDR_TEXT}: it has no prefix length (write '{single}' for one address)"
    if (
        ip is not None
        and length.isdigit()
        and (length == "0" or not length.startswith("0"))
        and int(length) <= ip.max_prefixlen
    ):
        masked = ipaddress.ip_network(f"{ip}/{length}", strict=False)
        return f"has bits set beyond the prefix length (write '{masked}')"
    return f"{CIDR_TEXT} (no leading zeros, no IPv4-mapped IPv6 address)"


def source_range(value: object) -> str | None:
    """A loadBalancerSourceRanges entry: the API server trims surrounding whitespace
    (a leftover of the annotation it replaced), then parses a CIDR."""
    return cidr(value.strip() if isinstance(value, str) else value)


def special_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address cannot be an endpoint or an external IP, or None when it can.

    The API server rejects unspecified, loopback and link-local ones (validateNonSpecialIP,
    ValidateEndpointIP: link-local multicast included); any other multicast address
    names a group, never one server, so Berth rejects those too.
    """
    if ip.is_unspecified:
        return "is the unspecified address, which reaches no server"
    if ip.is_loopback:
        return "is a loopback address, which would reach the client's own pod"
    if ip.is_link_local:
        return "is a link-local address, which the API server rejects here"
    if ip.is_multicast:
        return "is a multicast address; it must be a unicast address"
    return None


def unicast_ip(value: object) -> str | None:
    """An address the API server takes as an endpoint or external IP."""
    ip = ip_address(value)
    if ip is None:
        if not isinstance(value, str):
            return f"{IP_TEXT} (a string)"
        return f"{IP_TEXT} (no leading zeros, no IPv4-mapped IPv6 address)"
    return special_ip(ip)


def utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def byte_size(data: Mapping[str, str]) -> int:
    """The bytes of a mapping's keys and values, as the API server counts them."""
    return sum(len(utf8(k)) + len(utf8(v)) for k, v in data.items())


ANNOTATIONS_SIZE_TEXT = (
    f"bytes (keys and values) is more than an object's annotations may total "
    f"({ANNOTATIONS_SIZE_LIMIT} bytes, 256 KiB)"
)
OBJECT_SIZE_TEXT = (
    "bytes of env names and values, command and args is more than one object can hold "
    f"(etcd stores at most {OBJECT_SIZE_LIMIT} bytes, 1.5 MiB; mount large data from a "
    "ConfigMap or volume instead)"
)
DATA_SIZE_TEXT = (
    f"bytes (keys and values) is more than a Secret's data may hold "
    f"({DATA_SIZE_LIMIT} bytes, 1 MiB)"
)
CONFIG_MAP_SIZE_TEXT = (
    f"bytes (keys and values) is more than a ConfigMap's data may hold "
    f"({DATA_SIZE_LIMIT} bytes, 1 MiB); mount large files from a volume instead"
)


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

    return allowing(
        lambda: f"{describe(check)}, or a pulumi.Output (checked by the API server)",
        check_if_known,
    )


def allowing(allows: str | Callable[[], str], check: Check) -> Check:
    """Record on ``check`` what it allows (text, or a function giving it), for :func:`describe`."""
    setattr(check, ALLOWS, allows)
    return check


class _NotAValue:
    def __repr__(self) -> str:
        return "<not a value>"


def describe(check: Check) -> str:
    """What ``check`` allows, in words: what its factory recorded, or else what the check
    itself answers for a value no rule accepts ("is not a port number" -> "a port number").
    """
    allows = getattr(check, ALLOWS, None)
    if allows is not None:
        return allows if isinstance(allows, str) else allows()
    answer = check(_NotAValue())
    if answer is None:
        return "any value"
    if not isinstance(answer, str):  # problems inside the value: the first says what is wrong
        return answer[0].allowed if answer else "any value"
    return answer.removeprefix("is not ").removeprefix("is ")


# github.com/distribution/reference (regexp.go), the grammar the kubelet parses images with.
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_IMAGE = re.compile(
    rf"(?P<name>(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*))"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?",
    re.ASCII,
)
# go-digest's registered algorithms and their lowercase hex lengths.
_DIGEST_HEX = {"sha256": 64, "sha384": 96, "sha512": 128}
_NAME_MAX = 255
IMAGE_TEXT = (
    "is not a valid image reference ([registry[:port]/]path[:tag][@digest]: path components "
    "of lowercase letters and digits joined by '.', '_', '__' or '-'; a tag of at most 128 "
    "letters, digits, '_', '.' or '-', not starting with '.' or '-'; a digest such as "
    "'sha256:<64 lowercase hex digits>')"
)


@attrs.frozen
class ImageReference:
    """An image reference split as the kubelet reads it."""

    domain: str | None
    path: str
    tag: str | None
    digest: str | None


def _split_image(value: str) -> ImageReference | None:
    match = _IMAGE.fullmatch(value)
    if match is None:
        return None
    domain, path = match["domain"], match["path"]
    # A first component without '.' or ':' that is not 'localhost' is a Docker Hub path,
    # not a registry (and then it must be lowercase like the rest of the path).
    if domain is not None and not any(c in domain for c in ".:[") and domain != "localhost":
        if domain != domain.lower():
            return ImageReference(domain, path, match["tag"], match["digest"])
        path, domain = f"{domain}/{path}", None
    return ImageReference(domain, path, match["tag"], match["digest"])


def parse_image(value: object) -> ImageReference | None:
    """The parts of an image reference the kubelet can pull, or None if it cannot."""
    if not isinstance(value, str) or image_reference(value) is not None:
        return None
    return _split_image(value)


def image_reference(value: object) -> str | None:
    if not isinstance(value, str) or not value:
        return "is not a container image reference (a non-empty string)"
    if _WHITESPACE.search(value):
        return "is not a container image reference (it contains whitespace)"
    reference = _split_image(value)
    if reference is None:
        name = value.partition("@")[0]
        last = name.rsplit("/", 1)[-1]
        path = name.rsplit(":", 1)[0] if ":" in last else name
        if path != path.lower() and _split_image(value.lower()) is not None:
            return f"{IMAGE_TEXT}: the repository path must be lowercase"
        if ":" in value and "/" in value.rpartition(":")[2].partition("@")[0]:
            return f"{IMAGE_TEXT}: a tag cannot contain '/'"
        return IMAGE_TEXT
    name = value.partition("@")[0]
    if reference.tag is not None:
        name = name[: -len(reference.tag) - 1]
    if len(name) > _NAME_MAX:
        return f"{IMAGE_TEXT}: the repository name is longer than {_NAME_MAX} characters"
    if re.fullmatch(r"[a-f0-9]{64}", name):
        return f"{IMAGE_TEXT}: a repository name cannot be 64 hex digits (an image ID)"
    if reference.digest is not None:
        algorithm, _, encoded = reference.digest.partition(":")
        size = _DIGEST_HEX.get(algorithm)
        if size is None or len(encoded) != size or encoded != encoded.lower():
            return (
                f"{IMAGE_TEXT}: the digest must be sha256, sha384 or sha512 with "
                "64, 96 or 128 lowercase hex digits"
            )
    return None


def image_pinned(value: str) -> str | None:
    """Advice, not an error: an image without a tag or with ``:latest`` is a moving target.

    Returns what to do about it, or None when the image names a tag other than ``latest``
    or a digest (or is not an image reference at all: :func:`image_reference` says so).
    """
    reference = parse_image(value)
    if reference is None or reference.digest is not None:
        return None
    if reference.tag is not None and reference.tag != "latest":
        return None
    what = "has no tag (it means ':latest')" if reference.tag is None else "is tagged ':latest'"
    return (
        f"{what}: it changes without a change to the stack, nodes may run different builds, "
        "and the version label is unknown; pin a version tag (and ideally a digest)"
    )


# --- autoscaling (pkg/apis/autoscaling/validation) -----------------------------------------

# The longest scaling policy period and stabilization window the API server accepts.
MAX_SCALING_PERIOD_SECONDS = 1800
MAX_STABILIZATION_WINDOW_SECONDS = 3600


def positive_quantity(value: object) -> str | None:
    parsed = parse_quantity(value)
    if parsed is None or parsed <= 0:
        return "is not a positive quantity such as '100', '500m' or '2k'"
    return None


def path_segment_name(value: object) -> str | None:
    """A name the API puts in a URL path: metric names, an Object metric's kind and name."""
    if (
        not isinstance(value, str)
        or not value
        or value in (".", "..")
        or "/" in value
        or "%" in value
    ):
        return "is not a name usable in a URL path (non-empty, no '/' or '%', not '.' or '..')"
    return None


def api_version(value: object) -> str | None:
    """'v1' or '<group>/<version>', as an Object metric's describedObject takes it."""
    allowed = "is not an API version such as 'v1' or 'networking.k8s.io/v1'"
    if not isinstance(value, str) or not value or value.count("/") > 1:
        return allowed
    group, _, version = value.rpartition("/")
    if not version or ("/" in value and not group):
        return allowed
    return None


# --- sysctls and low ports -------------------------------------------------------------------

_SYSCTL_SEGMENT = r"[a-z0-9]([-_a-z0-9]*[a-z0-9])?"
_SYSCTL_NAME = re.compile(rf"({_SYSCTL_SEGMENT}[./])*{_SYSCTL_SEGMENT}")
# What Pod Security 'baseline' (and so 'restricted') lets a pod set: the sysctls that are
# namespaced and isolated from other pods (k8s.io/pod-security-admission
# policy/check_sysctls.go, the list for 1.32 and later, which 1.36 enforces). The kubelet
# allows the same list without --allowed-unsafe-sysctls.
SAFE_SYSCTLS = (
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ping_group_range",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.tcp_wmem",
)
# Below this port Linux lets only root (or CAP_NET_BIND_SERVICE) bind, unless the pod's
# network namespace lowers it with this sysctl.
UNPRIVILEGED_PORT_START = "net.ipv4.ip_unprivileged_port_start"
PRIVILEGED_PORTS_BELOW = 1024


def sysctl_name(value: object) -> str | None:
    if not isinstance(value, str) or len(value) > 253 or not _SYSCTL_NAME.fullmatch(value):
        return (
            "is not a sysctl name (at most 253 characters: segments of lowercase letters, "
            "digits, '-' or '_', separated by '.' or '/')"
        )
    return None


def sysctl_value(value: object) -> str | None:
    if is_int(value) or (isinstance(value, str) and value.strip()):
        return None
    return "is not a sysctl value (a non-empty string or an integer)"


# --- env from the pod and its resources, probe and hook HTTP requests ----------------------

# validEnvDownwardAPIFieldPathExpressions (pkg/apis/core/validation): the pod fields an env
# var may read; labels and annotations only one key at a time (`metadata.labels['app']`).
ENV_FIELD_PATHS = (
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
)
_SUBSCRIPTED_FIELD = re.compile(r"metadata\.(labels|annotations)\['(?P<key>[^']*)'\]")


def env_field_path(value: object) -> str | None:
    """A fieldRef's fieldPath for an env var (validateObjectFieldSelector)."""
    allowed = (
        f"is not a pod field an env var can read ({', '.join(ENV_FIELD_PATHS)}, "
        "or metadata.labels['<key>'] / metadata.annotations['<key>'] with a valid key)"
    )
    if not isinstance(value, str):
        return allowed
    if value in ENV_FIELD_PATHS:
        return None
    match = _SUBSCRIPTED_FIELD.fullmatch(value)
    if match is None or label_key(match["key"]) is not None:
        return allowed
    return None


# validContainerResourceFieldPathExpressions and the hugepages prefixes.
RESOURCE_FIELDS = (
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
)
_HUGEPAGES_FIELD = re.compile(r"(limits|requests)\.hugepages-(?P<size>.+)")
# validContainerResourceDivisorForCPU / ForMemory (compared as quantities: '1000m' is '1').
CPU_DIVISORS = ("1m", "1")
MEMORY_DIVISORS = (
    "1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei",
)  # fmt: skip


def resource_field(value: object) -> str | None:
    """A resourceFieldRef's resource: a request or limit of cpu, memory, ephemeral-storage
    or hugepages-<size>."""
    if isinstance(value, str) and value in RESOURCE_FIELDS:
        return None
    if isinstance(value, str):
        match = _HUGEPAGES_FIELD.fullmatch(value)
        if match is not None and quantity(match["size"]) is None:
            return None
    return (
        f"is not a container resource ({', '.join(RESOURCE_FIELDS)}, or "
        "requests.hugepages-<size> / limits.hugepages-<size>)"
    )


def resource_divisor(resource: str, divisor: str) -> str | None:
    """Why ``divisor`` cannot divide ``resource`` (validateContainerResourceDivisor), or None."""
    choices = CPU_DIVISORS if resource.endswith(".cpu") else MEMORY_DIVISORS
    value = parse_quantity(divisor)
    if value is not None and any(value == parse_quantity(c) for c in choices):
        return None
    return f"is not a divisor of {resource} (one of {', '.join(repr(c) for c in choices)})"


# apimachinery's IsHTTPHeaderName: what a probe's or a hook's httpHeaders may name.
_HTTP_HEADER_NAME = re.compile(r"[-A-Za-z0-9]+")
# A header value on one line: no control characters (a newline would end the header).
_HTTP_HEADER_VALUE = re.compile(r"[^\x00-\x08\x0a-\x1f\x7f]*")


def http_header_name(value: object) -> str | None:
    if isinstance(value, str) and _HTTP_HEADER_NAME.fullmatch(value):
        return None
    return "is not an HTTP header name (letters, digits or '-')"


def http_header_value(value: object) -> str | None:
    if isinstance(value, str) and _HTTP_HEADER_VALUE.fullmatch(value):
        return None
    return "is not an HTTP header value (a string without control characters or newlines)"


def http_host(value: object) -> str | None:
    """A probe's or hook's ``host``: an IP address or a DNS name the kubelet connects to."""
    if ip_address(value) is not None:
        return None
    if isinstance(value, str) and not looks_like_ip(value) and dns1123_subdomain(value) is None:
        return None
    return "is not a host (an IP address such as '10.0.0.7' or a DNS name such as 'db.internal')"
