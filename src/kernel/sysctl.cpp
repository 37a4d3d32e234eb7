#include "kernel/sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "core/unique_fd.hpp"
#include "kernel/missing_sysctl.hpp"
#include "kernel/nl_error.hpp"

namespace netlab::nl {
namespace {

std::string describe(const std::string& op, const std::string& key, const NetnsHandle& h) {
  return op + " sysctl " + object_in(key, h.name);
}

// Reads a whole small file; errno on failure.
int slurp(const std::string& path, std::string& out) {
  UniqueFd f(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!f.valid()) return errno;
  char buf[4096];
  ssize_t n;
  out.clear();
  while ((n = read(f.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  if (n < 0) return errno;
  auto end = out.find_last_not_of(" \t\n");
  out.erase(end == std::string::npos ? 0 : end + 1);
  return 0;
}

}  // namespace

std::string sysctl_path(const std::string& key) {
  // Defence in depth: validate refuses keys outside net. already
  // (src/parse/sysctl_keys.cpp), but this is the one place that opens a
  // sysctl for writing as root, so it keeps its own fence: a plain relative
  // path of named components under /proc/sys/net, whatever the caller passes.
  std::string rel = key;
  if (rel.find('/') == std::string::npos)
    for (char& c : rel)
      if (c == '.') c = '/';
  if (rel.rfind("net/", 0) != 0) return "";
  std::size_t start = 0;
  while (start <= rel.size()) {
    std::size_t end = rel.find('/', start);
    if (end == std::string::npos) end = rel.size();
    std::string_view part(rel.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") return "";
    for (char c : part) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || c == '.';
      if (!ok) return "";
    }
    start = end + 1;
  }
  return "/proc/sys/" + rel;
}

std::map<std::string, std::string> read_sysctls(NetnsHandle& h,
                                                const std::vector<std::string>& keys,
                                                std::set<std::string>* missing,
                                                std::vector<Error>* errors) {
  std::map<std::string, std::string> out;
  if (keys.empty()) return out;
  std::vector<std::string> absent;
  std::vector<std::pair<std::string, int>> failed;
  int err = run_in_netns(h.fd.get(), [&] {
    for (const auto& k : keys) {
      std::string path = sysctl_path(k), value;
      if (path.empty()) {
        failed.emplace_back(k, EINVAL);
        continue;
      }
      int e = slurp(path, value);
      if (e == 0)
        out[k] = value;
      else if (e == ENOENT)
        absent.push_back(k);
      else
        failed.emplace_back(k, e);
    }
  });
  if (missing && !err) missing->insert(absent.begin(), absent.end());
  if (errors) {
    if (err)
      errors->push_back(kernel_error("read sysctls in " + object_in("namespace", h.name), err));
    for (const auto& [k, e] : failed) errors->push_back(kernel_error(describe("read", k, h), e));
  }
  return out;
}

namespace {

// A key the namespace does not have (kernel/missing_sysctl.hpp).
Error sysctl_error(const std::string& op, const std::string& key, const NetnsHandle& h, int e) {
  Error err = kernel_error(op, e);
  if (e == ENOENT) err.message += ": " + missing_sysctl_problem(h.name, key);
  return err;
}

}  // namespace

Result<std::string> read_sysctl(NetnsHandle& h, const std::string& key) {
  std::string path = sysctl_path(key), value;
  if (path.empty()) return kernel_error(describe("read", key, h), EINVAL);
  int e = 0;
  int err = run_in_netns(h.fd.get(), [&] { e = slurp(path, value); });
  if (err) return kernel_error(describe("read", key, h), err);
  if (e) return sysctl_error(describe("read", key, h), key, h, e);
  return value;
}

Status write_sysctl(NetnsHandle& h, const std::string& key, const std::string& value) {
  std::string path = sysctl_path(key);
  const std::string op = describe("write", key, h) + " = " + value;
  if (path.empty()) return kernel_error(op, EINVAL);
  int e = 0;
  int err = run_in_netns(h.fd.get(), [&] {
    UniqueFd f(open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!f.valid()) {
      e = errno;
      return;
    }
    std::string data = value + "\n";
    errno = 0;
    if (write(f.get(), data.data(), data.size()) != static_cast<ssize_t>(data.size()))
      e = errno ? errno : EIO;
  });
  if (err) return kernel_error(op, err);
  if (e) return sysctl_error(op, key, h, e);
  return {};
}

}  // namespace netlab::nl
