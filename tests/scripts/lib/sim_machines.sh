# shellcheck shell=bash
# Sourced by tests that need several machines on one: simulated machines.
#
# A simulated machine is
#   - a network namespace (the machine's "root" namespace, named
#     <prefix>m<i> in the host's /run/netns), with one veth "eth0" holding its
#     underlay address, its other end on an underlay Linux bridge in the
#     host's root namespace (the host holds .254 on it, where Ansible runs);
#   - its own mount namespace, held by a `sleep` (the holder), in which /run
#     is a private tmpfs: /run/netns, /run/netlab (netlab's state root),
#     /run/sshd and /run/openvswitch are the machine's own, so it sees only
#     the namespaces and lab state that it made, and no host OVS; /sys is a
#     sysfs of the machine's network namespace;
#   - an sshd (Debian openssh-server) in both namespaces, listening on the
#     underlay address only, with its own host key and configuration in a
#     temporary directory, root login by a generated key only.
# Ansible, or sim_exec below, reach it like a real host.
#
# Usage:
#   source lib/sim_machines.sh
#   sim_init 3          # three machines; installs the cleanup trap
#   sim_exec 2 ip -br link          # a command on machine 2
#   sim_ssh 2 'netlab status'       # the same over SSH
#   sim_inventory FILE              # an Ansible inventory of the machines
# sim_cleanup runs on EXIT, INT and TERM: it kills every process in each
# machine's namespaces, removes the machines, the underlay and the temporary
# directory, then verifies that nothing is left (namespace, link, process,
# mount) and makes the script fail otherwise. A test may define
# sim_before_cleanup, called first (e.g. to try `netlab down` on each machine).
#
# The mount namespace is a slave of the host's: an `ip netns del` on the host
# unmounts the copies in every machine, so a machine never pins a namespace
# of the host's (a private copy would hold it until the machine is gone).

SIM_N=0
SIM_PREFIX=""
SIM_DIR=""
SIM_NET=""    # e.g. 192.168.77 (a /24 not in use on the host)
SIM_BRIDGE=""
SIM_HOLDER=() # pid of each machine's mount-namespace holder, by index
SIM_LEFT=0    # what sim_cleanup found left behind

sim__die() {
  echo "sim_machines: $*" >&2
  exit 1
}

# sim_require: the tools, or a message saying how to get them. Nothing is
# skipped: a missing tool fails the test.
sim_require() {
  local missing=() t
  for t in /usr/sbin/sshd ssh ssh-keygen ansible-playbook unshare nsenter lsns ip; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "sim_machines: missing ${missing[*]}: run scripts/setup.sh as root" \
      "(it installs openssh-server and ansible-core)" >&2
    return 1
  fi
  [ "$(id -u)" -eq 0 ] || {
    echo "sim_machines: needs root (namespaces, mounts)" >&2
    return 1
  }
}

# A /24 that no address or route of the host is in.
sim__free_net() {
  local n
  for n in $(seq 77 120); do
    if ! ip -4 -o addr | grep -q " 192\.168\.$n\." &&
      ! ip -4 route | grep -q "^192\.168\.$n\."; then
      echo "192.168.$n"
      return
    fi
  done
  return 1
}

sim_addr() { echo "$SIM_NET.$1"; }     # underlay address of machine I
sim_netns() { echo "${SIM_PREFIX}m$1"; } # its network namespace on the host

# sim_exec I CMD...: CMD in machine I's network and mount namespaces, as its
# sshd sessions run.
sim_exec() {
  local i=$1
  shift
  nsenter --mount="/proc/${SIM_HOLDER[$i]}/ns/mnt" --net="/run/netns/$(sim_netns "$i")" -- "$@"
}

# sim_ssh I 'COMMAND LINE': over SSH, as Ansible reaches the machine.
sim_ssh() {
  local i=$1
  shift
  ssh -F "$SIM_DIR/ssh_config" "m$i" "$@"
}

sim_init() {
  local n=$1 i
  sim_require || exit 1
  SIM_N=$n
  SIM_PREFIX=${SIM_PREFIX_OVERRIDE:-ms$$}
  SIM_BRIDGE="${SIM_PREFIX}ul"
  trap sim__on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  SIM_DIR=$(mktemp -d "/tmp/${SIM_PREFIX}.XXXXXX")
  chmod 700 "$SIM_DIR"
  # Ansible's persistent SSH connections (ControlPersist) in our directory:
  # the cleanup finds and ends them first (an open connection whose server
  # end is killed holds the machine's namespace until TCP gives up on it).
  mkdir -p "$SIM_DIR/cp" "$SIM_DIR/ansible"
  export ANSIBLE_SSH_CONTROL_PATH_DIR="$SIM_DIR/cp"
  # Nothing of Ansible's in the user's home (~/.ansible) either; the
  # machines' remote temporary directory is in their private /run.
  export ANSIBLE_HOME="$SIM_DIR/ansible" ANSIBLE_LOCAL_TEMP="$SIM_DIR/ansible/tmp"
  export ANSIBLE_REMOTE_TEMP=/run/ansible-tmp
  SIM_NET=$(sim__free_net) || sim__die "no free 192.168.N.0/24 for the underlay"
  ssh-keygen -q -t ed25519 -N '' -C "sim-machines-client" -f "$SIM_DIR/client_key" ||
    sim__die "ssh-keygen failed"
  cp "$SIM_DIR/client_key.pub" "$SIM_DIR/authorized_keys"
  ip link add "$SIM_BRIDGE" type bridge || sim__die "cannot create the underlay bridge $SIM_BRIDGE"
  ip addr add "$SIM_NET.254/24" dev "$SIM_BRIDGE"
  ip link set "$SIM_BRIDGE" up
  : >"$SIM_DIR/known_hosts"
  : >"$SIM_DIR/ssh_config"
  for i in $(seq "$n"); do sim__start_machine "$i"; done
  for i in $(seq "$n"); do sim__wait_ssh "$i" || sim__die "machine $i: sshd does not answer"; done
}

sim__start_machine() {
  local i=$1 ns veth addr mdir
  ns=$(sim_netns "$i")
  veth="${SIM_PREFIX}m${i}h"
  addr=$(sim_addr "$i")
  mdir="$SIM_DIR/m$i"
  mkdir -p "$mdir"
  ip netns add "$ns" || sim__die "cannot create namespace $ns"
  ip link add "$veth" type veth peer name eth0 netns "$ns" || sim__die "cannot create veth $veth"
  ip link set "$veth" master "$SIM_BRIDGE" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set eth0 up
  # The holder: a new mount namespace (a slave of the host's, see above),
  # entered into the machine's network namespace, with /run and /sys made
  # the machine's own, then kept alive by sleep. It says "ready" on a fifo
  # once the mounts are in place.
  mkfifo "$mdir/ready"
  unshare --mount --propagation slave -- nsenter --net="/run/netns/$ns" -- sh -c '
    set -e
    mount -t tmpfs -o mode=755,size=64m "sim-run-'"$ns"'" /run
    mkdir -p /run/netns /run/netlab /run/sshd /run/lock
    chmod 700 /run/netlab
    umount -l /sys
    mount -t sysfs "sim-sys-'"$ns"'" /sys
    echo ready >"'"$mdir"'/ready"
    exec sleep infinity' >"$mdir/holder.log" 2>&1 &
  SIM_HOLDER[$i]=$!
  echo "${SIM_HOLDER[$i]}" >"$mdir/holder.pid"
  local line
  read -r -t 10 line <"$mdir/ready" || true
  [ "$line" = ready ] || sim__die "machine $i: mount namespace not set up: $(cat "$mdir/holder.log")"

  ssh-keygen -q -t ed25519 -N '' -C "sim-machine-$i" -f "$mdir/host_key" || sim__die "ssh-keygen"
  cat >"$mdir/sshd_config" <<EOF
ListenAddress $addr
Port 22
HostKey $mdir/host_key
PidFile $mdir/sshd.pid
AuthorizedKeysFile $SIM_DIR/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
X11Forwarding no
PrintMotd no
MaxStartups 100:30:200
MaxSessions 50
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
  sim_exec "$i" /usr/sbin/sshd -t -f "$mdir/sshd_config" || sim__die "machine $i: sshd config rejected"
  sim_exec "$i" /usr/sbin/sshd -f "$mdir/sshd_config" -E "$mdir/sshd.log" ||
    sim__die "machine $i: sshd did not start: $(cat "$mdir/sshd.log")"
  echo "$addr $(cut -d' ' -f1,2 "$mdir/host_key.pub")" >>"$SIM_DIR/known_hosts"
  cat >>"$SIM_DIR/ssh_config" <<EOF
Host m$i
  HostName $addr
  User root
  IdentityFile $SIM_DIR/client_key
  IdentitiesOnly yes
  UserKnownHostsFile $SIM_DIR/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 10
EOF
}

# sim_stop_sshd I / sim_start_sshd I: machine I unreachable, and back (its
# namespaces and labs stay as they are, like a host whose network is cut).
sim_stop_sshd() {
  local i=$1 pids p
  # The listener and every session; and the host's persistent connections
  # (Ansible's SSH masters), which would otherwise still reach it.
  pids=$(for p in $(sim__pids "$i"); do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = sshd ] && echo "$p"
  done)
  pids+=" $(pgrep -f "$SIM_DIR/cp/")"
  # shellcheck disable=SC2086
  kill $pids 2>/dev/null
  for _ in $(seq 50); do
    # shellcheck disable=SC2086
    [ -z "$(sim__alive $pids)" ] && return 0
    sleep 0.1
  done
  return 1
}
sim_start_sshd() {
  local i=$1
  sim_exec "$i" /usr/sbin/sshd -f "$SIM_DIR/m$i/sshd_config" -E "$SIM_DIR/m$i/sshd.log" &&
    sim__wait_ssh "$i"
}

sim__wait_ssh() {
  local i=$1 t
  for t in $(seq 50); do
    sim_ssh "$i" true 2>/dev/null && return 0
    sleep 0.2
  done
  sim_ssh "$i" true
}

# sim_inventory FILE [LINE...]: an Ansible inventory (YAML) of the machines
# m1..mN in group "netlab", reached by key over the underlay; each LINE
# ("name: value", YAML) is added to the group's vars.
sim_inventory() {
  local f=$1 i kv
  shift
  {
    echo "netlab:"
    echo "  hosts:"
    for i in $(seq "$SIM_N"); do
      echo "    m$i: {ansible_host: $(sim_addr "$i")}"
    done
    echo "  vars:"
    echo "    ansible_user: root"
    echo "    ansible_ssh_private_key_file: $SIM_DIR/client_key"
    echo "    ansible_ssh_common_args: -o UserKnownHostsFile=$SIM_DIR/known_hosts -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes"
    echo "    ansible_python_interpreter: /usr/bin/python3"
    for kv in "$@"; do echo "    $kv"; done
  } >"$f"
}

# Inodes of the network namespaces machine I holds: its own and every one
# in its /run/netns.
sim__netns_inodes() {
  local i=$1
  stat -L -c %i "/run/netns/$(sim_netns "$i")" 2>/dev/null
  sim_exec "$i" sh -c 'for f in /run/netns/*; do [ -e "$f" ] && stat -L -c %i "$f"; done' 2>/dev/null
}

# Pids of every process in machine I: in its mount namespace, or in one of
# its network namespaces (a daemon in a lab namespace may have a mount
# namespace of its own).
sim__pids() {
  local i=$1 mnt inodes p pn pm
  mnt=$(stat -L -c %i "/proc/${SIM_HOLDER[$i]}/ns/mnt" 2>/dev/null) || return 0
  inodes=" $(sim__netns_inodes "$i" | tr '\n' ' ') "
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = "$$" ] && continue
    pm=$(stat -L -c %i "/proc/$p/ns/mnt" 2>/dev/null) || continue
    pn=$(stat -L -c %i "/proc/$p/ns/net" 2>/dev/null) || continue
    if [ "$pm" = "$mnt" ] || [[ "$inodes" == *" $pn "* ]]; then echo "$p"; fi
  done
}

sim__alive() {  # sim__alive PID...: the ones that still run (not zombies)
  local p s
  for p in "$@"; do
    s=$(awk '/^State:/ {print $2}' "/proc/$p/status" 2>/dev/null) || continue
    [ -n "$s" ] && [ "$s" != Z ] && echo "$p"
  done
}

# What the machines left: one line each, nothing when all is gone.
sim__leftovers() {
  local inodes=$1 i
  for i in $inodes; do
    lsns -t net -n -o NS 2>/dev/null | grep -qx "$i" && echo "network namespace (inode $i)"
  done
  [ -n "$SIM_PREFIX" ] || return 0
  ip netns list | grep "^${SIM_PREFIX}" | sed 's/^/namespace /'
  ip -o link | grep ": ${SIM_PREFIX}" | cut -d: -f2 | sed 's/^ */link /'
  grep -l "sim-run-${SIM_PREFIX}\|sim-sys-${SIM_PREFIX}" /proc/[0-9]*/mountinfo 2>/dev/null |
    sed 's/^/mount seen by /'
  [ -n "$SIM_DIR" ] && pgrep -af "$SIM_DIR" | sed 's/^/process /'
  return 0
}

sim_cleanup() {
  local i pids all_inodes="" t left
  SIM_LEFT=0
  # First the host's clients of the machines (Ansible's SSH masters, a
  # running playbook): they close their connections while the servers and
  # the underlay still answer, so no TCP socket of a machine outlives it.
  if [ -n "$SIM_DIR" ] && pids=$(pgrep -f "$SIM_DIR/cp/|ansible.*$SIM_DIR"); then
    # shellcheck disable=SC2086
    kill $pids 2>/dev/null
    for t in $(seq 20); do
      # shellcheck disable=SC2086
      [ -z "$(sim__alive $pids)" ] && break
      sleep 0.1
    done
  fi
  for i in $(seq "$SIM_N"); do
    [ -n "${SIM_HOLDER[$i]:-}" ] || continue
    # Remember what the machine holds, to verify below that it is gone.
    all_inodes+=" $(sim__netns_inodes "$i" | tr '\n' ' ')"
    # Every process of the machine but the holder, asked first (sshd closes
    # its connections), then killed; then the holder: the mount namespace
    # (and with it /run/netns, pinning the lab namespaces) goes with it.
    pids=$(sim__pids "$i" | grep -vx "${SIM_HOLDER[$i]}")
    if [ -n "$pids" ]; then
      # shellcheck disable=SC2086
      kill $pids 2>/dev/null
      for t in $(seq 20); do
        # shellcheck disable=SC2086
        [ -z "$(sim__alive $pids)" ] && break
        sleep 0.1
      done
      # shellcheck disable=SC2086
      kill -9 $pids 2>/dev/null
      for t in $(seq 50); do
        # shellcheck disable=SC2086
        [ -z "$(sim__alive $pids)" ] && break
        sleep 0.1
      done
    fi
    sim_exec "$i" sh -c 'for f in /run/netns/*; do [ -e "$f" ] && umount -l "$f"; done' 2>/dev/null
    kill -9 "${SIM_HOLDER[$i]}" 2>/dev/null
    wait "${SIM_HOLDER[$i]}" 2>/dev/null
    ip netns del "$(sim_netns "$i")" 2>/dev/null
  done
  # The underlay goes last, once every machine's veth is gone with its
  # namespace: until then a closing connection can still finish over it.
  for t in $(seq 50); do
    ip -o link | grep -q ": ${SIM_PREFIX}m[0-9]*h[@:]" || break
    sleep 0.2
  done
  ip link del "$SIM_BRIDGE" 2>/dev/null
  # Verify. A namespace is freed, and its veths with it, once nothing holds
  # it, asynchronously; killed processes stay zombies for about a second.
  for t in $(seq 50); do
    left=$(sim__leftovers "$all_inodes")
    [ -z "$left" ] && break
    sleep 0.2
  done
  if [ -n "$left" ]; then
    echo "sim_machines: left behind:" >&2
    echo "$left" >&2
    SIM_LEFT=1
  fi
  [ -n "$SIM_DIR" ] && rm -rf "$SIM_DIR"
  return $SIM_LEFT
}

sim__on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  if declare -F sim_before_cleanup >/dev/null; then sim_before_cleanup || true; fi
  if ! sim_cleanup; then
    echo "sim_machines: FAIL: the simulated machines left something behind" >&2
    [ "$rc" -eq 0 ] && rc=1
  fi
  exit "$rc"
}
