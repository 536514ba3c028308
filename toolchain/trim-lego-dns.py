#!/usr/bin/env python3
"""Drop DNS-01 providers from a writable copy of github.com/go-acme/lego/v5.

usage: trim-lego-dns.py LEGO_SRC_DIR NAME...

Traefik's ACME provider imports lego's providers/dns, whose generated factory
(zz_gen_dns_providers.go) imports every DNS provider lego has. The SDKs of some of them
are not served by the module proxy here (403), so they cannot be downloaded, and Go
cannot build the factory. This removes each named provider's import and its `case` arm
from the factory, so those names become "unrecognized DNS provider" errors at run time.
Berth's local cluster never uses ACME; the other providers stay.
"""

import re
import sys
from pathlib import Path

PKG = "github.com/go-acme/lego/v5/providers/dns/"


def main() -> int:
    src, names = Path(sys.argv[1]), sys.argv[2:]
    factory = src / "providers" / "dns" / "zz_gen_dns_providers.go"
    text = factory.read_text()
    for name in names:
        imp = f'\t"{PKG}{name}"\n'
        if imp not in text:
            sys.exit(f"trim-lego-dns: {factory} does not import {PKG}{name}")
        text = text.replace(imp, "")
        # An arm: `case "a", "b":` and the lines up to the next case/default that call NAME.
        arm = re.compile(
            r"\tcase [^\n]*:\n(?:\t\t[^\n]*\n)*?\t\treturn " + re.escape(name) + r"\.[^\n]*\n"
        )
        found = arm.findall(text)
        if len(found) != 1 or re.search(r"\n\tcase ", found[0][1:]):
            sys.exit(f"trim-lego-dns: cannot find exactly one case arm for {name} in {factory}")
        text = text.replace(found[0], "")
        if re.search(r"\b" + re.escape(name) + r"\.", text):
            sys.exit(f"trim-lego-dns: {name} is still used in {factory}")
    factory.chmod(0o644)
    factory.write_text(text)
    print(f"trim-lego-dns: dropped {len(names)} DNS providers: {' '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
