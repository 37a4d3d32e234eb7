#include "lab/kernel_features_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <sstream>
#include <utility>

#include "core/unique_fd.hpp"
#include "services/files.hpp"

namespace netlab {
namespace {

constexpr const char* kFile = "kernel-features";

std::string first_line(const std::string& path) {
  auto text = services::read_file(path);
  if (!text.ok()) return "none";
  std::string s = *text;
  if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  return s;
}

// Every field, in file order.
std::array<std::pair<const char*, bool KernelCapabilities::*>, 8> fields() {
  return {{{"veth", &KernelCapabilities::veth},
           {"bridge", &KernelCapabilities::bridge},
           {"bridge_vlan_filtering", &KernelCapabilities::bridge_vlan_filtering},
           {"vlan_8021q", &KernelCapabilities::vlan_8021q},
           {"vxlan", &KernelCapabilities::vxlan},
           {"macvlan", &KernelCapabilities::macvlan},
           {"tbf", &KernelCapabilities::tbf},
           {"netem", &KernelCapabilities::netem}}};
}

}  // namespace

std::string kernel_features_key() {
  utsname u{};
  std::string kernel = uname(&u) == 0 ? std::string(u.release) + " " + u.version : "unknown";
  std::string modules = "none";
  struct stat st {};
  if (uname(&u) == 0 &&
      stat(("/lib/modules/" + std::string(u.release) + "/modules.dep").c_str(), &st) == 0)
    modules = std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  return std::string("netlab ") + NETLAB_VERSION + "; boot " +
         first_line("/proc/sys/kernel/random/boot_id") + "; kernel " + kernel + "; modules " +
         modules;
}

std::string format_kernel_features(const std::string& key, const KernelCapabilities& caps) {
  std::string out = "key " + key + "\n";
  for (const auto& [name, member] : fields())
    out += std::string(name) + " " + (caps.*member ? "1" : "0") + "\n";
  return out;
}

bool parse_kernel_features(const std::string& text, const std::string& key,
                           KernelCapabilities& caps) {
  // Exactly what format_kernel_features writes for this key: then every
  // field was set by it.
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != "key " + key) return false;
  KernelCapabilities read;
  for (const auto& [name, member] : fields()) {
    if (!std::getline(in, line)) return false;
    const std::string prefix = std::string(name) + " ";
    if (line == prefix + "1")
      read.*member = true;
    else if (line != prefix + "0")
      return false;
  }
  if (std::getline(in, line) || format_kernel_features(key, read) != text) return false;
  caps = read;
  return true;
}

KernelCapabilities cached_kernel_features(const StateDir& state, Kernel& kernel) {
  const std::string path = state.path() + "/" + kFile;
  const std::string key = kernel_features_key();
  // Ours: a regular file (not followed through a link) of this user that
  // nobody else may write, small, in the exact format, for this key.
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  struct stat st {};
  if (fd.valid() && fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
      (st.st_mode & 022) == 0 && st.st_size > 0 && st.st_size < 4096) {
    std::string text(static_cast<std::size_t>(st.st_size), '\0');
    KernelCapabilities caps;
    if (read(fd.get(), text.data(), text.size()) == st.st_size &&
        parse_kernel_features(text, key, caps))
      return caps;
  }
  KernelCapabilities caps = kernel.capabilities();
  // Best effort: without a record the next run probes again.
  if (state.exists())
    (void)services::write_file_atomic(path, format_kernel_features(key, caps), 0600);
  return caps;
}

}  // namespace netlab
