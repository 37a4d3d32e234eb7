#!/usr/bin/env bash
# The JSON Schema of the topology format (schema/netlab.schema.json):
#  - the schema itself is a valid draft 2020-12 schema;
#  - every topologies/*.yaml and examples/**/*.yaml is valid against it;
#  - every tests/data/schema-invalid/*.yaml is rejected by the schema AND by
#    `netlab validate FILE` (exit code 1).
# Usage: bash schema.sh SOURCE_DIR NETLAB_BINARY
set -u
src=${1:?usage: schema.sh SOURCE_DIR NETLAB_BINARY}
netlab=${2:?usage: schema.sh SOURCE_DIR NETLAB_BINARY}

python3 - "$src" "$netlab" <<'PY'
import glob, os, re, subprocess, sys

import yaml
from jsonschema import Draft202012Validator

src, netlab = sys.argv[1], sys.argv[2]


class Loader(yaml.SafeLoader):
    """YAML 1.2-like scalars: no sexagesimal ints (a MAC like 12:34:56:00:00:01
    stays a string, as it does for yaml-cpp and yaml-language-server)."""


Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v
        if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+|0o[0-7]+)$"),
    list("-+0123456789"))
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))

failures = []
passed = 0


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=Loader)


def rel(path):
    return os.path.relpath(path, src)


with open(os.path.join(src, "schema", "netlab.schema.json"), encoding="utf-8") as f:
    import json
    schema = json.load(f)
try:
    Draft202012Validator.check_schema(schema)
    passed += 1
    print("ok: schema/netlab.schema.json is a valid draft 2020-12 schema")
except Exception as e:  # SchemaError
    fail(f"schema/netlab.schema.json is not a valid schema: {e}")
    print(f"schema: 0 passed, {len(failures)} failed")
    sys.exit(1)
validator = Draft202012Validator(schema)

valid = sorted(glob.glob(os.path.join(src, "topologies", "*.yaml"))) + sorted(
    glob.glob(os.path.join(src, "examples", "**", "*.yaml"), recursive=True))
if not glob.glob(os.path.join(src, "topologies", "*.yaml")):
    fail("no topologies/*.yaml found")
for path in valid:
    try:
        doc = load(path)
    except yaml.YAMLError as e:
        fail(f"{rel(path)}: not YAML: {e}")
        continue
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        for e in errors:
            fail(f"{rel(path)}: /{'/'.join(map(str, e.path))}: {e.message}")
    else:
        passed += 1
        print(f"ok: {rel(path)} is valid")

invalid = sorted(glob.glob(os.path.join(src, "tests", "data", "schema-invalid", "*.yaml")))
if len(invalid) < 10:
    fail(f"expected at least 10 files in tests/data/schema-invalid, found {len(invalid)}")
for path in invalid:
    # The first comment line says why the file is invalid.
    with open(path, encoding="utf-8") as f:
        why = f.readline().strip().lstrip("# ")
    try:
        doc = load(path)
        errors = list(validator.iter_errors(doc))
    except yaml.YAMLError:
        errors = ["not YAML"]
    if not errors:
        fail(f"{rel(path)}: the schema accepts it ({why})")
    else:
        passed += 1
        print(f"ok: schema rejects {rel(path)}")
    try:
        r = subprocess.run([netlab, "validate", path], capture_output=True, text=True, timeout=30)
        code, out = r.returncode, (r.stdout + r.stderr).strip()
    except (OSError, subprocess.TimeoutExpired) as e:
        code, out = None, str(e)
    if code != 1:
        fail(f"{rel(path)}: `netlab validate` exited {code}, expected 1 ({why}); output: {out[:300]}")
    else:
        passed += 1
        print(f"ok: netlab validate rejects {rel(path)}: {out.splitlines()[0] if out else ''}")

print(f"schema: {passed} passed, {len(failures)} failed "
      f"({len(valid)} valid files, {len(invalid)} invalid files)")
sys.exit(1 if failures else 0)
PY
