# Sourced by the whole-lab benchmarks: the namespaces section of a generated
# topology.
namespaces_yaml() {  # namespaces_yaml PREFIX N: N namespaces PREFIX0.., eth0 10.100+.x.1/24 each
  local prefix=$1 n=$2 i
  echo "namespaces:"
  for ((i = 0; i < n; i++)); do
    echo "  $prefix$i:"
    echo "    interfaces:"
    echo "      eth0: {addresses: [10.$((100 + i / 250)).$((i % 250)).1/24]}"
  done
}
