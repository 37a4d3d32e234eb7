#include "netlab/state_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>
#include <thread>

#include "apply/daemon_record.hpp"
#include "core/lab_name.hpp"
#include "core/text.hpp"
#include "core/unique_fd.hpp"
#include "services/files.hpp"

namespace netlab {

namespace fs = std::filesystem;

namespace {
constexpr const char* kRootLinks = "root-links";
// In lab.json: every netlab that wrote it kept the root-links record.
constexpr const char* kRootLinksKey = "root_links_recorded";
}  // namespace

StateDir::StateDir(std::string root, std::string lab)
    : root_(std::move(root)), lab_(std::move(lab)) {}

bool StateDir::exists() const {
  // A name that breaks the rule names no lab ("..": the root's parent).
  return !lab_name_problem(lab_) && fs::is_directory(path());
}

Status StateDir::ensure() {
  // The name is a path component: never create (or, below, remove) a path
  // from a name that breaks the rule, whoever built this StateDir.
  if (auto st = check_lab_name(lab_, "state directory of lab"); !st.ok()) return st;
  std::error_code ec;
  bool created = fs::create_directories(path(), ec);
  if (ec)
    return system_error(ErrorKind::Permission, "create state directory " + path(), ec.value());
  chmod(path().c_str(), 0700);
  // A new lab records its root links from the start (see root_links); a
  // crash before this write leaves no record, and observe reads every link.
  if (created) return write_file(kRootLinks, "");
  return {};
}

Status StateDir::remove() {
  if (auto st = check_lab_name(lab_, "state directory of lab"); !st.ok()) return st;
  std::error_code ec;
  fs::remove_all(path(), ec);
  if (ec)
    return system_error(ErrorKind::Permission, "remove state directory " + path(), ec.value());
  return {};
}

Status StateDir::write_file(const std::string& name, const std::string& content) const {
  if (auto st = check_lab_name(lab_, "state directory of lab"); !st.ok()) return st;
  // A temporary file renamed over the target, removed when the write fails
  // (a full or read-only state directory): never half a file, never a *.tmp.
  return services::write_file_atomic(path() + "/" + name, content, 0600);
}

std::string StateDir::read_file(const std::string& name) const {
  std::ifstream in(path() + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::set<std::string> StateDir::namespaces() const {
  std::lock_guard lock(mu_);
  return namespaces_unlocked();
}

std::set<std::string> StateDir::namespaces_unlocked() const {
  std::set<std::string> out;
  std::istringstream in(read_file("namespaces"));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.insert(line);
  return out;
}

static std::string join_lines(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += x + "\n";
  return out;
}

// Every read-modify-write holds the lock across the read: lanes of an apply
// record their namespaces concurrently.
Status StateDir::record_namespace(const std::string& ns) {
  std::lock_guard lock(mu_);
  auto current = namespaces_unlocked();
  if (current.count(ns)) return {};
  if (auto st = ensure(); !st.ok()) return st;
  current.insert(ns);
  return write_file("namespaces", join_lines(current));
}

Status StateDir::forget_namespace(const std::string& ns) {
  std::lock_guard lock(mu_);
  auto current = namespaces_unlocked();
  if (!current.erase(ns)) return {};
  return write_file("namespaces", join_lines(current));
}

std::set<std::string> StateDir::loss_namespaces() const {
  std::lock_guard lock(mu_);
  std::set<std::string> out;
  std::istringstream in(read_file("loss-namespaces"));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.insert(line);
  return out;
}

Status StateDir::record_loss_namespace(const std::string& ns) {
  if (ns.empty()) return {};  // the root namespace is always read
  std::lock_guard lock(mu_);
  std::set<std::string> current;
  std::istringstream in(read_file("loss-namespaces"));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) current.insert(line);
  if (current.count(ns)) return {};
  if (auto st = ensure(); !st.ok()) return st;
  current.insert(ns);
  return write_file("loss-namespaces", join_lines(current));
}

std::optional<std::set<std::string>> StateDir::root_links() const {
  std::lock_guard lock(mu_);
  return root_links_unlocked();
}

// No lab.json yet (a lab before its first write_applied), or one that
// carries the key: no netlab from before the record has written here.
bool StateDir::root_links_kept_unlocked() const {
  const std::string text = read_file("lab.json");
  if (text.empty()) return true;
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_object() && j.value(kRootLinksKey, false);
}

// The record is a log, one line per change, applied in order: "NAME" adds a
// name, "- NAME" removes it (no interface name holds a space). Only lines
// ended by '\n' count: a line cut short was written by a run that died before
// the change it announced (see append_root_links_line).
std::optional<std::set<std::string>> StateDir::root_links_unlocked() const {
  if (lab_name_problem(lab_) || !fs::is_regular_file(path() + "/" + kRootLinks) ||
      !root_links_kept_unlocked())
    return std::nullopt;
  std::set<std::string> out;
  const std::string text = read_file(kRootLinks);
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    std::string_view line(text.data() + start, end - start);
    if (line.rfind("- ", 0) == 0)
      out.erase(std::string(line.substr(2)));
    else if (!line.empty())
      out.insert(std::string(line));
  }
  return out;
}

// One write() with O_APPEND: recording costs the same for the thousandth
// link as for the first (rewriting the whole file per link made a 1000-host
// `up` 1.19x slower). A missing file means the lab has no record: never
// start one here (see record_root_link).
Status StateDir::append_root_links_line(const std::string& line, bool* no_record) const {
  const std::string file = path() + "/" + kRootLinks;
  UniqueFd fd(::open(file.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    if (errno == ENOENT) {
      *no_record = true;
      return {};
    }
    return system_error(ErrorKind::Permission, "open " + file, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return system_error(ErrorKind::Permission, "stat " + file, errno);
  off_t size = st.st_size;
  // A last line without its '\n' is what a run killed inside its write left:
  // the change it announced never ran. Cut it off, or this line would be
  // glued to it (a name recorded as another name, a link made unrecorded).
  char last = '\n';
  if (size > 0 && ::pread(fd.get(), &last, 1, size - 1) != 1)
    return system_error(ErrorKind::Permission, "read " + file, errno ? errno : EIO);
  if (last != '\n') {
    off_t from = size > 4096 ? size - 4096 : 0;
    std::string tail(static_cast<std::size_t>(size - from), '\0');
    if (::pread(fd.get(), tail.data(), tail.size(), from) != static_cast<ssize_t>(tail.size()))
      return system_error(ErrorKind::Permission, "read " + file, errno ? errno : EIO);
    auto nl = tail.rfind('\n');
    size = nl == std::string::npos ? from : from + static_cast<off_t>(nl) + 1;
    if (::ftruncate(fd.get(), size) != 0)
      return system_error(ErrorKind::Permission, "truncate " + file, errno);
  }
  const std::string text = line + "\n";
  ssize_t n = ::write(fd.get(), text.data(), text.size());
  if (n != static_cast<ssize_t>(text.size())) {
    int err = n < 0 ? errno : ENOSPC;
    // No half line left behind; should this fail too, the next append and
    // every reader pass over it all the same.
    [[maybe_unused]] int cut = ::ftruncate(fd.get(), size);
    return system_error(ErrorKind::Permission, "write " + file, err);
  }
  return {};
}

Status StateDir::record_root_link(const std::string& name) {
  std::lock_guard lock(mu_);
  if (auto st = check_lab_name(lab_, "state directory of lab"); !st.ok()) return st;
  bool no_record = false;
  if (auto st = append_root_links_line(name, &no_record); !st.ok() || !no_record) return st;
  // No file: the lab's first object may be this link. A directory made now
  // starts the record (ensure); one that is there without it was made by a
  // netlab before the record, whose root links the record would miss.
  if (exists()) return {};
  if (auto st = ensure(); !st.ok()) return st;
  return append_root_links_line(name, &no_record);
}

Status StateDir::forget_root_link(const std::string& name) {
  std::lock_guard lock(mu_);
  if (lab_name_problem(lab_)) return {};
  bool no_record = false;
  return append_root_links_line("- " + name, &no_record);
}

std::map<std::string, std::string> StateDir::saved_host_sysctls() const {
  std::lock_guard lock(mu_);
  return saved_host_sysctls_unlocked();
}

std::map<std::string, std::string> StateDir::saved_host_sysctls_unlocked() const {
  auto text = read_file("host-sysctls.json");
  if (text.empty()) return {};
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return {};
  return j.get<std::map<std::string, std::string>>();
}

Status StateDir::save_host_sysctl(const std::string& key, const std::string& value) {
  std::lock_guard lock(mu_);
  auto saved = saved_host_sysctls_unlocked();
  if (saved.count(key)) return {};
  if (auto st = ensure(); !st.ok()) return st;
  saved[key] = value;
  return write_file("host-sysctls.json", nlohmann::json(saved).dump(2) + "\n");
}

Status StateDir::forget_host_sysctl(const std::string& key) {
  std::lock_guard lock(mu_);
  auto saved = saved_host_sysctls_unlocked();
  if (!saved.erase(key)) return {};
  return write_file("host-sysctls.json", nlohmann::json(saved).dump(2) + "\n");
}

Result<std::map<std::string, DaemonSpec>> StateDir::daemons() const {
  std::lock_guard lock(mu_);
  return daemons_unlocked();
}

Result<std::map<std::string, DaemonSpec>> StateDir::daemons_unlocked() const {
  return daemons_from_text(read_file("daemons.json"), path() + "/daemons.json");
}

static std::string daemons_text(const std::map<std::string, DaemonSpec>& all) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [_, d] : all) j.push_back(daemon_to_json(d));
  return j.dump(2) + "\n";
}

// A corrupt record is never written over: it may be the only trace of a
// daemon the lab started.
Status StateDir::record_daemon(const DaemonSpec& spec) {
  std::lock_guard lock(mu_);
  auto all = daemons_unlocked();
  if (!all.ok()) return all.error();
  if (auto st = ensure(); !st.ok()) return st;
  all->insert_or_assign(spec.id(), spec);
  return write_file("daemons.json", daemons_text(*all));
}

Status StateDir::forget_daemon(const std::string& id) {
  std::lock_guard lock(mu_);
  auto all = daemons_unlocked();
  if (!all.ok()) return all.error();
  if (!all->erase(id)) return {};
  return write_file("daemons.json", daemons_text(*all));
}

Status StateDir::write_applied(const Applied& a) {
  std::lock_guard lock(mu_);
  if (auto st = ensure(); !st.ok()) return st;
  nlohmann::json j{{"lab", lab_},
                   {"file", a.file},
                   {"prefix", a.prefix},
                   {"hash", text_hash(a.text)},
                   {"variables", a.variables}};
  if (!a.ovs_datapath.empty()) j["ovs_datapath"] = a.ovs_datapath;
  // The root-links record stays trusted only while every netlab that wrote
  // here kept it: a netlab from before the record writes lab.json without
  // this key and makes root links it does not record. Then the record goes
  // for good, and observe reads every root link again.
  if (root_links_kept_unlocked()) {
    j[kRootLinksKey] = true;
  } else {
    std::error_code ec;
    fs::remove(path() + "/" + kRootLinks, ec);
    if (ec)
      return system_error(ErrorKind::Permission, "remove " + path() + "/" + kRootLinks, ec.value());
  }
  if (auto st = write_file("topology.yaml", a.text); !st.ok()) return st;
  return write_file("lab.json", j.dump(2) + "\n");
}

Result<StateDir::Applied> StateDir::read_applied() const {
  auto text = read_file("lab.json");
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (text.empty() || j.is_discarded() || !j.is_object()) {
    return make_error(ErrorKind::Bug, "lab '" + lab_ + "' has no applied topology in " + path());
  }
  Applied a;
  a.file = j.value("file", "");
  a.prefix = j.value("prefix", "");
  a.hash = j.value("hash", "");
  a.ovs_datapath = j.value("ovs_datapath", "");
  if (auto v = j.find("variables"); v != j.end() && v->is_object())
    for (const auto& [name, value] : v->items())
      if (value.is_string()) a.variables[name] = value.get<std::string>();
  a.text = read_file("topology.yaml");
  return a;
}

std::vector<std::string> StateDir::list_labs(const std::string& root) {
  std::vector<std::string> labs;
  std::error_code ec;
  // Only entries whose name is a lab name: anything else in the root (made
  // by hand or by another tool) is not a lab, and its name never reaches a path.
  for (const auto& e : fs::directory_iterator(root, ec))
    if (e.is_directory() && !lab_name_problem(e.path().filename().string()))
      labs.push_back(e.path().filename());
  std::sort(labs.begin(), labs.end());
  return labs;
}

Result<std::unique_ptr<LabLock>> LabLock::acquire(const std::string& root, const std::string& lab,
                                                  std::chrono::milliseconds timeout,
                                                  const std::function<void()>& on_wait) {
  if (auto st = check_lab_name(lab, "lock of lab"); !st.ok()) return st.error();
  std::error_code ec;
  fs::create_directories(root, ec);
  std::string path = root + "/" + lab + ".lock";
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool told = false;
  for (;;) {
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return system_error(ErrorKind::Permission, "open lock " + path, errno);
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK) {
        int err = errno;
        close(fd);
        return system_error(ErrorKind::Permission, "lock " + path, err);
      }
      if (!told && on_wait) on_wait();
      told = true;
      if (std::chrono::steady_clock::now() >= deadline) {
        close(fd);
        return Error{ErrorKind::Timeout,
                     "lab '" + lab + "' is locked by another netlab (" + path +
                         "); wait for it to finish or raise --lock-timeout",
                     {},
                     EWOULDBLOCK};
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    // The holder before us may have removed the file (LabLock::remove_file,
    // after a complete down): then our lock is on an orphan inode; open the
    // path again.
    struct stat held {
    }, now{};
    if (fstat(fd, &held) == 0 && stat(path.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
        held.st_dev == now.st_dev) {
      return std::unique_ptr<LabLock>(new LabLock(fd, path));
    }
    close(fd);
  }
}

void LabLock::remove_file() { unlink(path_.c_str()); }

LabLock::~LabLock() {
  // The lock file stays unless remove_file() took it while holding the lock
  // (acquire() then notices the orphan inode); flock is released on close.
  close(fd_);
}

Result<std::unique_ptr<StateRootLock>> StateRootLock::acquire(const std::string& root) {
  std::error_code ec;
  fs::create_directories(root, ec);
  int fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return system_error(ErrorKind::Permission, "open state root " + root, errno);
  int rc;
  do {
    rc = flock(fd, LOCK_EX);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int err = errno;
    close(fd);
    return system_error(ErrorKind::Permission, "lock state root " + root, err);
  }
  return std::unique_ptr<StateRootLock>(new StateRootLock(fd));
}

StateRootLock::~StateRootLock() {
  if (fd_ >= 0) close(fd_);  // closing releases the flock
}

}  // namespace netlab
