#include "lab/parse_cache.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <utility>

#include "core/text.hpp"
#include "core/unique_fd.hpp"
#include "model/resource_graph.hpp"
#include "netlab/state_dir.hpp"
#include "parse/topology_codec.hpp"

namespace netlab {
namespace {

constexpr std::string_view kMagic = "netlab parse cache\n";
// The body's checksum (text_hash: 16 hex digits) ends the entry: a body cut
// short or changed is parsed again rather than read as another model.
constexpr std::size_t kSumBytes = 16;
// No entry is larger (the file alone may be 16 MiB, and aliases multiply
// it): a larger one is not written, and a file that says so is not read.
constexpr std::size_t kMaxEntryBytes = 256u << 20;

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>(v >> (8 * i));
}

void put_bytes(std::string& out, std::string_view s) {
  put_u64(out, s.size());
  out += s;
}

// Ours: of this user, and nobody else may write it.
bool ours(const struct stat& st) { return st.st_uid == geteuid() && (st.st_mode & 022) == 0; }

// The cache directory, when it is a directory (not a symlink to one) of ours.
UniqueFd open_own_directory(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || fstat(fd.get(), &st) != 0 || !S_ISDIR(st.st_mode) || !ours(st)) return {};
  return fd;
}

// One entry per file: named by its absolute path, as Lab records it.
std::string entry_name(const std::string& path) {
  std::error_code ec;
  auto absolute = std::filesystem::absolute(path, ec);
  if (!ec) absolute = std::filesystem::weakly_canonical(absolute, ec);
  return text_hash(ec ? path : absolute.string());
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool read_all(int fd, std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // shorter than fstat said: changed under us
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::string executable_identity() {
  struct stat st {};
  if (::stat("/proc/self/exe", &st) != 0) return "";
  return std::to_string(st.st_dev) + " " + std::to_string(st.st_ino) + " " +
         std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

ParseCache::ParseCache(std::string state_root, std::string executable, std::uint32_t format)
    : root_(std::move(state_root)), executable_(std::move(executable)), format_(format) {}

std::string ParseCache::directory() const { return root_ + "/" + kParseCacheDir; }

std::string ParseCache::entry_path(const std::string& path) const {
  return directory() + "/" + entry_name(path);
}

std::string ParseCache::header(const std::string& path, const Variables& variables,
                               std::string_view text) const {
  std::string h(kMagic);
  put_u64(h, format_);
  put_bytes(h, executable_);
  put_bytes(h, path);
  put_u64(h, variables.size());  // a std::map: sorted by name
  for (const auto& [name, value] : variables) {
    put_bytes(h, name);
    put_bytes(h, value);
  }
  put_bytes(h, text);
  return h;
}

std::string ParseCache::entry(const std::string& path, const Variables& variables,
                              std::string_view text, const Topology& topology) const {
  if (executable_.empty()) return "";
  std::string out = header(path, variables, text);
  const std::string body = encode_topology(topology);
  if (out.size() + body.size() + kSumBytes > kMaxEntryBytes) return "";
  out += body;
  out += text_hash(body);
  return out;
}

std::optional<Topology> ParseCache::lookup(const std::string& path, const Variables& variables,
                                           std::string_view text) const {
  if (executable_.empty()) return std::nullopt;
  UniqueFd dir = open_own_directory(directory());
  if (!dir.valid()) return std::nullopt;
  const std::string name = entry_name(path);
  // A regular file (not followed through a link) of ours, of one name only.
  UniqueFd fd(::openat(dir.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  struct stat st {};
  if (!fd.valid() || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || !ours(st) ||
      st.st_nlink != 1)
    return std::nullopt;
  const std::string head = header(path, variables, text);
  const auto size = static_cast<std::size_t>(st.st_size);
  if (st.st_size < 0 || size < head.size() + kSumBytes || size > kMaxEntryBytes)
    return std::nullopt;
  std::string bytes(size, '\0');
  if (!read_all(fd.get(), bytes)) return std::nullopt;
  // Exactly this input: compared byte for byte, no hash trusted.
  if (bytes.compare(0, head.size(), head) != 0) return std::nullopt;
  const std::string_view all(bytes);
  const std::string_view body = all.substr(head.size(), size - head.size() - kSumBytes);
  if (text_hash(body) != all.substr(size - kSumBytes)) return std::nullopt;
  return decode_topology(body);
}

bool ParseCache::store(const std::string& path, const std::string& entry) const {
  if (entry.empty()) return false;
  ::mkdir(directory().c_str(), 0700);  // EEXIST: checked below like any other
  UniqueFd dir = open_own_directory(directory());
  if (!dir.valid()) return false;
  const std::string name = entry_name(path);
  // A fresh file renamed over the entry: a reader sees the old entry or the
  // new one, never half. O_EXCL refuses anything planted at the name.
  const std::string tmp = name + ".tmp." + std::to_string(::getpid());
  ::unlinkat(dir.get(), tmp.c_str(), 0);
  UniqueFd fd(
      ::openat(dir.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return false;
  bool ok = write_all(fd.get(), entry) && ::fchmod(fd.get(), 0600) == 0;
  ok = ::close(fd.release()) == 0 && ok;
  ok = ok && ::renameat(dir.get(), tmp.c_str(), dir.get(), name.c_str()) == 0;
  if (!ok) ::unlinkat(dir.get(), tmp.c_str(), 0);
  return ok;
}

void ParseCache::forget(const std::string& path) const {
  UniqueFd dir(::open(directory().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) return;
  if (!path.empty()) ::unlinkat(dir.get(), entry_name(path).c_str(), 0);
  if (StateDir::list_labs(root_).empty()) {
    // No lab stands here any more: no entry is wanted (one of a file that
    // moved, or of a lab brought up from another file).
    if (DIR* d = ::fdopendir(::dup(dir.get()))) {
      while (const dirent* e = ::readdir(d)) {
        const std::string n = e->d_name;
        if (n != "." && n != "..") ::unlinkat(dir.get(), n.c_str(), 0);
      }
      ::closedir(d);
    }
  }
  // Only when empty: other labs' entries stay.
  ::rmdir(directory().c_str());
}

CachedParse parse_with_cache(const ParseCache& cache, std::string_view text,
                             const std::string& path, const Variables& variables) {
  CachedParse out;
  if (auto kept = cache.lookup(path, variables, text)) {
    out.loaded.topology = std::move(*kept);
    out.hit = true;
    return out;
  }
  out.loaded = parse_topology(text, path, variables);
  if (!out.loaded.ok()) return out;
  // Every object must be creatable in some order: no cycle, no dangling need.
  out.loaded.errors = build_resource_graph(*out.loaded.topology).check();
  return out;
}

}  // namespace netlab
