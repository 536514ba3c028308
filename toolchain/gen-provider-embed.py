#!/usr/bin/env python3
"""Generate the two files pulumi-resource-kubernetes embeds at build time.

The provider's main.go has `//go:embed schema-embed.json` and
`//go:embed terraform-mapping-embed.json`; upstream produces them with
`go generate` from the committed schema.json (with "version" set) and
terraform-mapping.json. They are not part of the Go module, so Berth writes
them into OUT_DIR, normally the cmd/pulumi-resource-kubernetes directory of a
writable copy of the module (go build refuses -overlay inside GOMODCACHE).

usage: gen-provider-embed.py MODULE_DIR VERSION OUT_DIR
"""

import json
import os
import sys


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    module_dir, version, out_dir = sys.argv[1:]
    cmd_dir = os.path.join(module_dir, "cmd", "pulumi-resource-kubernetes")
    os.makedirs(out_dir, exist_ok=True)

    with open(os.path.join(cmd_dir, "schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    schema["version"] = version
    with open(os.path.join(cmd_dir, "terraform-mapping.json"), encoding="utf-8") as f:
        mapping = json.load(f)

    for name, data in (("schema-embed.json", schema), ("terraform-mapping-embed.json", mapping)):
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            json.dump(data, f, separators=(",", ":"), ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
