#!/usr/bin/env bash
# Draws the pictures of docs/architecture.md from the sources that define
# them, so they cannot drift from the code:
#   docs/architecture/areas.png  the area graph, read from the netlab_area()
#                                lines of CMakeLists.txt (the same lines the
#                                build enforces: an area compiles only
#                                against the areas it names)
#   docs/architecture/flow.png   the data flow, from docs/architecture/flow.dot
# Needs Graphviz (`apt-get install graphviz`).
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/architecture
command -v dot >/dev/null || { echo "architecture.sh: needs dot (apt-get install graphviz)" >&2; exit 1; }
{
  echo 'digraph areas {'
  echo '  rankdir=BT; node [shape=box, fontname="Helvetica", style=rounded];'
  echo '  edge [color="#555555"];'
  # netlab_area(NAME DEPS a b HEADERS h LIBS x y), possibly over several
  # lines: one node, an arrow to each direct dependency.
  tr '\n' ' ' <CMakeLists.txt | grep -o 'netlab_area([^)]*)' | while read -r call; do
    words=$(sed 's/^netlab_area(//; s/)$//' <<<"$call")
    name=${words%% *}
    echo "  \"$name\" [label=\"src/$name\"];"
    deps=$(sed -n 's/.* DEPS \([a-z_ ]*\).*/\1/p' <<<"$words" | sed 's/ \(HEADERS\|LIBS\).*//')
    for d in $deps; do echo "  \"$name\" -> \"$d\";"; done
  done
  echo '  "cli" [label="src/cli (netlab)"]; "cli" -> "lab";'
  echo '}'
} >"$out/areas.dot"
dot -Tpng -Gdpi=80 "$out/areas.dot" -o "$out/areas.png"
dot -Tpng -Gdpi=80 "$out/flow.dot" -o "$out/flow.png"
echo "wrote $out/areas.png and $out/flow.png"
