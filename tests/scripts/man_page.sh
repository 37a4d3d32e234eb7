#!/usr/bin/env bash
# netlab(1), as `netlab --generate-man` writes it from the CLI definition:
#  - groff and man render it without a warning (-ww);
#  - it has the sections a Unix user expects;
#  - every command of `netlab --help`, and every option and positional of
#    `netlab --help` and `netlab CMD --help`, with its description, is in the
#    rendered page, in that command's section: the generator walks all of it;
#  - the page the build generated (build dir, installed and packaged) is
#    the one this binary writes.
# Usage: bash man_page.sh SOURCE_DIR NETLAB_BINARY
set -u
src=${1:?usage: man_page.sh SOURCE_DIR NETLAB_BINARY}
netlab=${2:?usage: man_page.sh SOURCE_DIR NETLAB_BINARY}

tmp=$(mktemp -d /tmp/netlab-man.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if ! "$netlab" --generate-man >"$tmp/netlab.1"; then
  echo "FAIL: $netlab --generate-man exited $?"
  exit 1
fi
groff -ww -z -man "$tmp/netlab.1" >"$tmp/groff.txt" 2>&1
LC_ALL=C.UTF-8 MANWIDTH=1000 man --warnings -l "$tmp/netlab.1" >"$tmp/rendered.txt" 2>"$tmp/man.txt"

python3 - "$netlab" "$tmp" "$(dirname "$netlab")" <<'PY'
import os, re, subprocess, sys

netlab, tmp, build_dir = sys.argv[1], sys.argv[2], sys.argv[3]
failures, passed = [], 0


def ok(msg):
    global passed
    passed += 1
    print("ok:", msg)


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def read(name):
    with open(os.path.join(tmp, name), encoding="utf-8") as f:
        return f.read()


for tool in ("groff.txt", "man.txt"):
    warnings = read(tool).strip()
    if warnings:
        fail(f"{tool[:-4]} warns: {warnings[:500]}")
    else:
        ok(f"{tool[:-4]} renders the page without a warning")

# Overstrike (bold, underline) out, whitespace runs folded: the text as read.
rendered = re.sub(r".\x08", "", read("rendered.txt"))
flat = lambda s: " ".join(s.split())

sections = re.findall(r"^([A-Z][A-Z ]+)$", rendered, re.M)
for want in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "EXIT STATUS", "FILES",
             "ENVIRONMENT", "EXAMPLES", "SEE ALSO"]:
    if want in sections:
        ok(f"section {want}")
    else:
        fail(f"no section {want} (sections: {sections})")
for code in ("0", "1", "2", "3"):
    if not re.search(rf"^\s+{code}\s", rendered.split("EXIT STATUS")[-1], re.M):
        fail(f"EXIT STATUS does not list {code}")
for path in ("/run/netlab/", "/run/netlab/lab.lock", "/run/netns/"):
    if path not in flat(rendered.split("FILES")[-1]):
        fail(f"FILES does not name {path}")


def help_of(args):
    r = subprocess.run([netlab] + args + ["--help"], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"netlab {' '.join(args)} --help exited {r.returncode}")
    return r.stdout


def entries(help_text, section):
    """(names, description) of each entry of a --help section (Options:,
    Positionals:, Subcommands:); a long name puts its description on the next line."""
    out, inside, lines = [], False, help_text.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^\S", line):
            inside = line.strip() == section
            continue
        m = re.match(r"^  (\S+)((?: \S+)*)(?:\s{2,}(.*))?$", line)
        if not inside or not m:
            continue
        desc = m.group(3)
        if desc is None and i + 1 < len(lines) and re.match(r"^\s{10,}\S", lines[i + 1]):
            desc = lines[i + 1].strip()
        out.append((m.group(1).split(","), (desc or "").strip()))
    return out


# The page's parts: global OPTIONS, and one part per command under COMMANDS.
body = rendered.split("\nOPTIONS\n", 1)[-1]
global_part, commands_part = body.split("\nCOMMANDS\n", 1)
commands_part = commands_part.split("\nEXIT STATUS\n", 1)[0]
parts = dict(re.findall(r"^   netlab (\S+)\n(.*?)(?=^   netlab \S+\n|\Z)", commands_part,
                        re.M | re.S))


def check_entries(where, help_text, part):
    n = 0
    for section in ("Positionals:", "Options:"):
        for names, desc in entries(help_text, section):
            for name in names:
                if not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", part):
                    fail(f"{where}: {name} of --help is not on the man page")
            if desc and flat(desc) not in flat(part):
                fail(f"{where}: the description of {names[0]} ('{desc}') is not on the man page")
            n += 1
    return n


failed_before = len(failures)
top = help_of([])
n = check_entries("netlab", top, global_part)
commands = entries(top, "Subcommands:")
if len(commands) < 9:
    fail(f"netlab --help lists {len(commands)} commands, expected at least 9")
for names, desc in commands:
    cmd = names[0]
    part = parts.get(cmd)
    if part is None:
        fail(f"command {cmd} of --help has no section on the man page")
        continue
    if flat(desc) not in flat(part):
        fail(f"netlab {cmd}: its description '{desc}' is not on the man page")
    n += check_entries(f"netlab {cmd}", help_of([cmd]), part)
    if not re.search(rf"^\s+netlab {cmd}\b", rendered.split("SYNOPSIS")[1], re.M):
        fail(f"SYNOPSIS has no line for netlab {cmd}")
if len(failures) == failed_before:
    ok(f"{len(commands)} commands and {n} options of --help, each with its description, "
       "are on the man page")
if set(parts) - {names[0] for names, _ in commands}:
    fail(f"the man page has commands --help does not list: {set(parts) - {c[0][0] for c in commands}}")

# What the build installs is what this binary writes.
built = os.path.join(build_dir, "netlab.1")
if os.path.exists(built):
    with open(built, encoding="utf-8") as f:
        if f.read() == read("netlab.1"):
            ok(f"{built} (installed as netlab.1.gz) is current")
        else:
            fail(f"{built} differs from `netlab --generate-man`: rebuild (target netlab_generated_docs)")

print(f"man_page: {passed} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
PY
