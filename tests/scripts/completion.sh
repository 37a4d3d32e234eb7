#!/usr/bin/env bash
# The bash completion, as `netlab --generate-bash-completion` writes it from
# the CLI definition, driven the way bash drives it (COMP_WORDS, COMP_CWORD,
# the function _netlab, COMPREPLY):
#  - commands, each command's options (every one its --help lists), the
#    values of options with a fixed set;
#  - topology files (*.yaml, *.yml, directories) for FILE arguments;
#  - lab names for down/status (test takes a FILE) and namespace names for exec
#    and capture, from a real lab (demo 01 with its own prefix and state
#    directory, given by --state-dir or NETLAB_STATE_DIR);
#  - the script the build generated is the one this binary writes.
# Usage: bash completion.sh SOURCE_DIR NETLAB_BINARY
set -u
src=${1:?usage: completion.sh SOURCE_DIR NETLAB_BINARY}
netlab=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

tmp=$(mktemp -d /tmp/netlab-completion.XXXXXX)
state=$(mktemp -d /run/netlab-completion.XXXXXX)
prefix="cp$$-"
topology=$src/topologies/netns-demo-01.yaml
lab=(--prefix "$prefix" --state-dir "$state")
cleanup() {
  "$netlab" down "$topology" "${lab[@]}" -q >/dev/null 2>&1
  rm -rf "$tmp" "$state"
}
trap cleanup EXIT

if ! "$netlab" --generate-bash-completion >"$tmp/netlab.bash"; then
  fail "$netlab --generate-bash-completion exited $?"
  exit 1
fi
if bash -n "$tmp/netlab.bash" 2>"$tmp/syntax"; then
  ok "the script is valid bash"
else
  fail "the script is not valid bash: $(cat "$tmp/syntax")"
fi

mkdir -p "$tmp/work/subdir"
touch "$tmp/work/one.yaml" "$tmp/work/two.yml" "$tmp/work/notes.txt"

# complete_line WORD... : COMPREPLY (sorted, one line) for the command line WORD...,
# the last word being the one under the cursor; run in $tmp/work.
complete_line() {
  (
    cd "$tmp/work" || exit 1
    # shellcheck source=/dev/null
    source "$tmp/netlab.bash"
    # The command as typed: lab names come from this binary's `ls`.
    COMP_WORDS=("$netlab" "${@:2}")
    COMP_CWORD=$(($# - 1))
    COMPREPLY=()
    _netlab
    printf '%s\n' "${COMPREPLY[@]}" | sort -u | paste -sd' '
  ) 2>&1
}

# expect "WORDS" "EXPECTED": the exact reply.
expect() {
  local got
  read -r -a words <<<"$1"
  [[ $1 == *" " ]] && words+=("")
  got=$(complete_line "${words[@]}")
  if [ "$got" = "$2" ]; then ok "'$1<TAB>' -> $2"; else fail "'$1<TAB>' gave '$got', expected '$2'"; fi
}
# expect_has "WORDS" WORD...: the reply holds each WORD.
expect_has() {
  local line=$1 got w missing=
  shift
  read -r -a words <<<"$line"
  [[ $line == *" " ]] && words+=("")
  got=" $(complete_line "${words[@]}") "
  for w in "$@"; do [[ $got == *" $w "* ]] || missing+=" $w"; done
  if [ -z "$missing" ]; then ok "'$line<TAB>' offers $*"; else fail "'$line<TAB>' gave '$got', lacks$missing"; fi
}

expect "netlab st" "status"
expect "netlab up --pr" "--prefix"
expect "netlab up " "one.yaml subdir two.yml"
expect "netlab -q plan " "one.yaml subdir two.yml"
expect "netlab validate one.yaml " "one.yaml subdir two.yml"
expect "netlab up one.yaml " ""
expect "netlab plan -o " "json text"
expect "netlab plan one.yaml --output j" "json"
expect "netlab --color " "always auto never"
expect "netlab graph --format " "dot mermaid"
expect "netlab up --state-dir sub" "subdir"
expect "netlab exec red " "--"
expect_has "netlab exec red -- pin" ping
expect_has "netlab " validate graph plan up down status ls exec test capture
expect "netlab capture -w " "notes.txt one.yaml subdir two.yml"
expect "netlab test one.yaml --capture " "subdir"
expect_has "netlab --" --help --version --verbose --quiet --color

# Every option of every command's --help is offered after `netlab CMD -`.
commands=$("$netlab" --help | awk '/^Subcommands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
[ "$(echo "$commands" | wc -w)" -ge 9 ] || fail "netlab --help lists only: $commands"
for cmd in $commands; do
  options=$("$netlab" "$cmd" --help | awk '/^Options:/ {on = 1; next} /^[^ ]/ {on = 0}
    on && /^  -/ {split($1, names, ","); for (i in names) print names[i]}')
  # shellcheck disable=SC2086
  expect_has "netlab $cmd -" $options
done

# Lab names and namespaces of a lab that is up (demo 01, our own copy).
if out=$("$netlab" up "$topology" "${lab[@]}" 2>&1); then
  name=${prefix}demo01
  expect_has "netlab down --state-dir $state " "$name" one.yaml
  expect_has "netlab status --state-dir $state " "$name"
  expect "netlab status --state-dir $state ${prefix}d" "$name"
  expect "netlab exec --state-dir $state " "${prefix}blue ${prefix}red"
  expect "netlab exec --state-dir $state ${prefix}r" "${prefix}red"
  expect "netlab capture --state-dir $state ${prefix}b" "${prefix}blue"
  # NETLAB_STATE_DIR instead of the flag, as netlab itself reads it.
  NETLAB_STATE_DIR=$state expect "netlab exec " "${prefix}blue ${prefix}red"
  NETLAB_STATE_DIR=$state expect_has "netlab down " "$name"
  NETLAB_STATE_DIR=/nonexistent expect "netlab exec --state-dir $state ${prefix}r" "${prefix}red"
else
  fail "netlab up demo 01: $out"
fi

built=$(dirname "$netlab")/netlab.bash-completion
if [ -f "$built" ]; then
  if cmp -s "$built" "$tmp/netlab.bash"; then
    ok "$built (installed as completions/netlab) is current"
  else
    fail "$built differs from --generate-bash-completion: rebuild (target netlab_generated_docs)"
  fi
fi

echo "completion: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
