#include "kernel/netns_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "kernel/nl_error.hpp"

namespace netlab::nl {
namespace {

// Fills fd/dev/ino of `h` from an open namespace file.
int identify(NetnsHandle& h) {
  struct stat st {};
  if (fstat(h.fd.get(), &st) != 0) return errno;
  h.dev = st.st_dev;
  h.ino = st.st_ino;
  return 0;
}

}  // namespace

NetnsStore::NetnsStore() : root_(std::make_shared<NetnsHandle>()) {
  root_->fd = above_select_range(UniqueFd(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)));
  identify(*root_);
  // A failure here surfaces on first use of the root socket.
  if (auto s = open_route_socket()) root_->sock = std::move(*s);
}

Result<std::shared_ptr<NetnsHandle>> NetnsStore::get(const std::string& ns) {
  if (ns.empty()) {
    if (!root_->sock) return system_error(ErrorKind::Kernel, "open netlink socket", EBADF);
    return root_;
  }
  const std::string op = "netns " + ns;
  if (!valid_netns_name(ns)) return system_error(ErrorKind::Kernel, op, EINVAL);
  const std::string path = netns_path(ns);
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    int err = errno;
    forget(ns);
    return system_error(ErrorKind::Kernel, op, err);
  }
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(ns);
    if (it != cache_.end()) {
      if (it->second->dev == st.st_dev && it->second->ino == st.st_ino) return it->second;
      cache_.erase(it);  // replaced behind our back: the old socket is stale
    }
  }
  auto h = std::make_shared<NetnsHandle>();
  h->name = ns;
  auto fd = open_netns(ns);
  if (!fd) return system_error(ErrorKind::Kernel, op, fd.error().sys_errno);
  h->fd = std::move(*fd);
  if (int err = identify(*h)) return system_error(ErrorKind::Kernel, op, err);
  // A file under /run/netns that is not (yet) a bind mount of a namespace
  // is a plain file on tmpfs: refuse it rather than setns into garbage.
  Error sock_error;
  int err = run_in_netns(h->fd.get(), [&] {
    auto s = open_route_socket();
    if (s)
      h->sock = std::move(*s);
    else
      sock_error = s.error();
  });
  if (err) return system_error(ErrorKind::Kernel, op + ": enter namespace", err);
  if (!h->sock)
    return Error{sock_error.kind, op + ": " + sock_error.message, {}, sock_error.sys_errno};
  std::lock_guard lock(mu_);
  auto [it, inserted] = cache_.emplace(ns, h);
  if (!inserted) {
    // Another thread opened it concurrently; keep one.
    if (it->second->dev == h->dev && it->second->ino == h->ino) return it->second;
    it->second = h;
  }
  return h;
}

Status NetnsStore::ensure_run_dir() {
  std::lock_guard lock(mu_);
  if (run_dir_ready_) return {};
  // As iproute2: /run/netns is a shared mount, so that namespace bind mounts
  // propagate to mount namespaces created later (ip netns exec's own).
  if (mkdir(kNetnsRunDir, 0755) != 0 && errno != EEXIST)
    return system_error(ErrorKind::Kernel, std::string("create ") + kNetnsRunDir, errno);
  bool made_mount = false;
  while (mount("", kNetnsRunDir, "none", MS_SHARED | MS_REC, nullptr) != 0) {
    if (errno != EINVAL || made_mount)
      return system_error(ErrorKind::Kernel, std::string("make ") + kNetnsRunDir + " shared",
                          errno);
    // Not a mount point yet: bind it onto itself, then retry.
    if (mount(kNetnsRunDir, kNetnsRunDir, "none", MS_BIND | MS_REC, nullptr) != 0)
      return system_error(ErrorKind::Kernel, std::string("bind-mount ") + kNetnsRunDir, errno);
    made_mount = true;
  }
  run_dir_ready_ = true;
  return {};
}

Status NetnsStore::create(const std::string& ns) {
  const std::string op = "create namespace " + ns;
  if (!valid_netns_name(ns)) return system_error(ErrorKind::Kernel, op, EINVAL);
  if (auto s = ensure_run_dir(); !s)
    return Error{s.error().kind, op + ": " + s.error().message, {}, s.error().sys_errno};
  const std::string path = netns_path(ns);
  {
    UniqueFd f(open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
    if (!f.valid()) return system_error(ErrorKind::Kernel, op, errno);
  }
  auto h = std::make_shared<NetnsHandle>();
  h->name = ns;
  int err = 0;
  const char* step = "";
  Error sock_error;
  {
    // unshare() moves only the calling thread into the new namespace, and
    // `back` returns it there; the bind mount of its /proc/thread-self/ns/net
    // keeps the namespace alive after that. The socket opened here is bound
    // to the new namespace for good.
    NetnsReturn back;
    [&] {
      if ((err = back.error())) {
        step = "open own namespace";
        return;
      }
      if (unshare(CLONE_NEWNET) != 0) {
        err = errno, step = "unshare";
        return;
      }
      if (mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) {
        err = errno, step = "bind-mount";
        return;
      }
      h->fd = above_select_range(UniqueFd(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)));
      if (!h->fd.valid()) {
        err = errno, step = "open";
        return;
      }
      auto s = open_route_socket();
      if (s)
        h->sock = std::move(*s);
      else
        sock_error = s.error();
    }();
  }
  if (!err && !h->sock) err = sock_error.sys_errno ? sock_error.sys_errno : EIO, step = "socket";
  if (!err) err = identify(*h), step = "stat";
  if (err) {
    umount2(path.c_str(), MNT_DETACH);
    unlink(path.c_str());
    return system_error(ErrorKind::Kernel, op + " (" + step + ")", err);
  }
  std::lock_guard lock(mu_);
  cache_[ns] = std::move(h);
  return {};
}

void NetnsStore::forget(const std::string& ns) {
  std::shared_ptr<NetnsHandle> drop;  // released outside the lock
  std::lock_guard lock(mu_);
  auto it = cache_.find(ns);
  if (it != cache_.end()) {
    drop = std::move(it->second);
    cache_.erase(it);
  }
}

Status NetnsStore::remove(const std::string& ns) {
  const std::string op = "delete namespace " + ns;
  if (!valid_netns_name(ns)) return system_error(ErrorKind::Kernel, op, EINVAL);
  forget(ns);
  const std::string path = netns_path(ns);
  if (access(path.c_str(), F_OK) != 0) return system_error(ErrorKind::Kernel, op, errno);
  // As iproute2: a lazy unmount (a process may still be inside), then the
  // file. The namespace dies when its last user goes.
  umount2(path.c_str(), MNT_DETACH);
  if (unlink(path.c_str()) != 0) return system_error(ErrorKind::Kernel, op, errno);
  return {};
}

Result<std::vector<std::string>> NetnsStore::list() const {
  std::vector<std::string> out;
  DIR* d = opendir(kNetnsRunDir);
  if (!d) {
    if (errno == ENOENT) return out;
    return system_error(ErrorKind::Kernel, std::string("list ") + kNetnsRunDir, errno);
  }
  std::unique_ptr<DIR, int (*)(DIR*)> guard(d, closedir);
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    out.push_back(std::move(n));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace netlab::nl
