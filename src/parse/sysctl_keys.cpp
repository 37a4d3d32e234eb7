#include "parse/sysctl_keys.hpp"

#include <algorithm>
#include <array>

namespace netlab {

namespace {

// Keys under /proc/sys/net that exist only in the initial network namespace.
// In another namespace the kernel shows only the tables registered for that
// namespace, so writing one of these there fails (ENOENT) or, on a kernel that
// made it per namespace later, behaves differently from Debian 12's 6.1:
// either way a topology that sets one in a namespace is refused at validate.
//
// How the list was made: on Linux 6.18, `find /proc/sys/net -type f` in the
// root namespace (1078 files) against the same inside a fresh `ip netns add`
// (584 files); every path present only in the root namespace, minus the
// per-device directories (conf/IF, neigh/IF) of interfaces that live only
// there, is below. Kernel knowledge narrows net.core further: in 6.1
// (include/net/netns/core.h) only somaxconn and txrehash, plus the xfrm_*
// keys of net/xfrm/xfrm_sysctl.c, are per namespace; rmem_*/wmem_*,
// optmem_max, tstamp_allow_data and rps_default_mask became per namespace
// only in later kernels, so net.core is an allow list.
constexpr std::array kRootOnly = {
    // net/ipv4 (net/ipv4/sysctl_net_ipv4.c ipv4_table, cipso, inetpeer)
    "net/ipv4/cipso_cache_bucket_size", "net/ipv4/cipso_cache_enable", "net/ipv4/cipso_rbm_optfmt",
    "net/ipv4/cipso_rbm_strictvalid", "net/ipv4/fib_sync_mem", "net/ipv4/inet_peer_maxttl",
    "net/ipv4/inet_peer_minttl", "net/ipv4/inet_peer_threshold", "net/ipv4/ipfrag_secret_interval",
    "net/ipv4/tcp_available_ulp", "net/ipv4/tcp_low_latency", "net/ipv4/tcp_max_orphans",
    "net/ipv4/tcp_mem", "net/ipv4/udp_mem",
    // net/ipv4/route (net/ipv4/route.c ipv4_route_table; flush, min_pmtu,
    // min_adv_mss and mtu_expires are per namespace)
    "net/ipv4/route/error_burst", "net/ipv4/route/error_cost", "net/ipv4/route/gc_elasticity",
    "net/ipv4/route/gc_interval", "net/ipv4/route/gc_min_interval",
    "net/ipv4/route/gc_min_interval_ms", "net/ipv4/route/gc_thresh", "net/ipv4/route/gc_timeout",
    "net/ipv4/route/max_size", "net/ipv4/route/redirect_load", "net/ipv4/route/redirect_number",
    "net/ipv4/route/redirect_silence",
    // net/ipv6 (net/ipv6/sysctl_net_ipv6.c ipv6_rotable, calipso)
    "net/ipv6/calipso_cache_bucket_size", "net/ipv6/calipso_cache_enable",
    "net/ipv6/ip6frag_secret_interval", "net/ipv6/mld_max_msf", "net/ipv6/mld_qrv",
    // netfilter
    "net/netfilter/nf_log_all_netns", "net/nf_conntrack_max"};

// Whole directories that exist only in the initial namespace: the neighbour
// tables' defaults (neigh_sysctl_register with no device, init_net only).
constexpr std::array kRootOnlyDirs = {"net/ipv4/neigh/default/", "net/ipv6/neigh/default/"};

// net/core keys that are per namespace on every kernel from 6.1 on.
constexpr std::array kCorePerNamespace = {"somaxconn",          "txrehash",
                                          "xfrm_acq_expires",   "xfrm_aevent_etime",
                                          "xfrm_aevent_rseqth", "xfrm_larval_drop"};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '/';
}

// Why `rel` is not a plain relative path of named components.
std::optional<std::string> form_problem(std::string_view key, std::string_view rel) {
  if (key.empty()) return "is empty";
  for (char c : key) {
    if (!key_char(c)) {
      return "is not a sysctl name like net.ipv4.ip_forward (letters, digits, '.', '_', '-', "
             "'/')";
    }
  }
  std::size_t start = 0;
  while (start <= rel.size()) {
    std::size_t end = rel.find('/', start);
    if (end == std::string_view::npos) end = rel.size();
    std::string_view part = rel.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return "is not a sysctl name like net.ipv4.ip_forward: it has an empty, '.' or '..' part";
    }
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace

std::string sysctl_relative_path(std::string_view key) {
  std::string rel(key);
  if (rel.find('/') == std::string::npos) std::replace(rel.begin(), rel.end(), '.', '/');
  return rel;
}

std::optional<std::string> sysctl_key_problem(std::string_view key, bool in_namespace) {
  const std::string rel = sysctl_relative_path(key);
  if (auto p = form_problem(key, rel)) return p;
  if (!starts_with(rel, "net/")) {
    return "is not a networking sysctl: a topology may set only keys under net. (it would change "
           "the whole machine, not the lab)";
  }
  if (!in_namespace) return std::nullopt;
  const std::string root_only =
      "exists only in the root network namespace, so a namespace cannot set it; set it under "
      "host.sysctls if the host should have it";
  if (std::find(kRootOnly.begin(), kRootOnly.end(), rel) != kRootOnly.end()) return root_only;
  for (std::string_view dir : kRootOnlyDirs)
    if (starts_with(rel, dir)) return root_only;
  if (starts_with(rel, "net/core/")) {
    std::string_view leaf = std::string_view(rel).substr(std::string_view("net/core/").size());
    if (std::find(kCorePerNamespace.begin(), kCorePerNamespace.end(), leaf) ==
        kCorePerNamespace.end()) {
      return "is not per network namespace (of net.core only somaxconn, txrehash and xfrm_* are, "
             "on every kernel from Linux 6.1), so a namespace cannot set it; set it under "
             "host.sysctls if the host should have it";
    }
  }
  return std::nullopt;
}

}  // namespace netlab
