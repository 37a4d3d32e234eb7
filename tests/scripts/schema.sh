#!/usr/bin/env bash
# The JSON Schema of the topology format (schema/netlab.schema.json):
#  - the schema itself is a valid draft 2020-12 schema;
#  - every topologies/*.yaml and examples/**/*.yaml is valid against it;
#  - every tests/data/schema-invalid/*.yaml is rejected by the schema AND by
#    `netlab validate FILE` (exit code 1);
#  - every `-o json` output (plan, status, test, ls, validate) is valid
#    against its schema in schema/output/: plan --offline and validate of
#    every topology and every invalid file, and plan, status, test and ls of
#    demo 03 brought up with its own prefix and state directory (root only).
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

# --- the JSON outputs -----------------------------------------------------
def output_validator(name):
    with open(os.path.join(src, "schema", "output", name + ".schema.json"), encoding="utf-8") as f:
        s = json.load(f)
    Draft202012Validator.check_schema(s)
    return Draft202012Validator(s)


outputs = {}
for name in ("plan", "status", "test", "ls", "validate"):
    try:
        outputs[name] = output_validator(name)
        passed += 1
    except Exception as e:  # OSError, SchemaError
        fail(f"schema/output/{name}.schema.json: {e}")
checked = {name: 0 for name in outputs}


def check_output(name, args, codes=(0,)):
    """Runs netlab ARGS (an -o json command), checks its exit code and its
    output against schema/output/NAME.schema.json; returns the document."""
    r = subprocess.run([netlab] + args, capture_output=True, text=True, timeout=120)
    what = "netlab " + " ".join(args)
    if r.returncode not in codes:
        fail(f"{what} exited {r.returncode}, expected {codes}: {r.stderr.strip()[:300]}")
        return None
    try:
        doc = json.loads(r.stdout)
    except json.JSONDecodeError as e:
        fail(f"{what}: not JSON ({e}): {r.stdout[:200]}")
        return None
    if name not in outputs:
        return doc
    errors = list(outputs[name].iter_errors(doc))
    for e in errors[:5]:
        fail(f"{what}: /{'/'.join(map(str, e.path))}: {e.message}")
    if not errors:
        checked[name] += 1
    return doc


for path in sorted(glob.glob(os.path.join(src, "topologies", "*.yaml"))):
    check_output("plan", ["plan", "--offline", "-o", "json", path])
    check_output("validate", ["validate", "-o", "json", path])
invalid_files = sorted(glob.glob(os.path.join(src, "tests", "data", "invalid", "*.yaml")))
doc = check_output("validate", ["validate", "-o", "json"] + invalid_files, codes=(1,))
if doc is not None:
    bad = [f["file"] for f in doc["files"] if f["valid"] or not f["errors"]]
    if bad:
        fail(f"validate -o json calls these invalid files valid: {bad[:5]}")
    nopos = [e for f in doc["files"] for e in f["errors"] if e["line"] is None]
    if nopos:
        fail(f"validate -o json: errors without a line: {nopos[:3]}")
    elif len(doc["files"]) == len(invalid_files):
        passed += 1
        print(f"ok: validate -o json gives each of {len(invalid_files)} invalid files "
              "its errors with file, line and column")

if os.geteuid() == 0:
    import tempfile
    state = tempfile.mkdtemp(prefix="netlab-schema.", dir="/run")
    topo = os.path.join(src, "topologies", "netns-demo-03.yaml")
    lab = ["--prefix", f"sc{os.getpid()}-", "--state-dir", state]
    try:
        r = subprocess.run([netlab, "up", topo, "-q"] + lab, capture_output=True, text=True,
                           timeout=120)
        if r.returncode != 0:
            fail(f"netlab up demo 03 exited {r.returncode}: {r.stderr.strip()[:300]}")
        else:
            check_output("plan", ["plan", "-o", "json", topo] + lab)
            check_output("status", ["status", "-o", "json", topo] + lab)
            check_output("test", ["test", "-o", "json", topo] + lab)
            doc = check_output("ls", ["ls", "-o", "json", "--state-dir", state])
            if doc is not None and [l["name"] for l in doc["labs"]] != [f"sc{os.getpid()}-demo03"]:
                fail(f"ls -o json lists {doc['labs']}, expected the one lab sc{os.getpid()}-demo03")
    finally:
        subprocess.run([netlab, "down", topo, "-q"] + lab, capture_output=True, timeout=120)
        subprocess.run(["rm", "-rf", state])
else:
    print("skip: plan, status, test and ls of a lab that is up need root")
for name, n in checked.items():
    if n:
        passed += 1
        print(f"ok: {n} outputs of netlab {name} -o json are valid against "
              f"schema/output/{name}.schema.json")
    elif os.geteuid() == 0 or name in ("plan", "validate"):
        fail(f"no output of netlab {name} -o json was checked")

print(f"schema: {passed} passed, {len(failures)} failed "
      f"({len(valid)} valid files, {len(invalid)} invalid files)")
sys.exit(1 if failures else 0)
PY
