#include "services/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>

namespace netlab::services {

Status make_dirs(const std::string& dir, mode_t mode) {
  if (dir.empty()) return Status();
  std::string partial;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    partial = dir.substr(0, pos);
    if (partial.empty()) continue;
    if (::mkdir(partial.c_str(), mode) != 0 && errno != EEXIST)
      return system_error(ErrorKind::Permission, "create directory " + partial, errno);
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return make_error(ErrorKind::Conflict, "create directory " + dir + ": not a directory");
  return Status();
}

Status write_file_atomic(const std::string& path, const std::string& text, mode_t mode) {
  // A fresh file, never one that is there already: O_EXCL also refuses a
  // symlink or a hard link planted at the temporary name (O_TRUNC would
  // empty the file it points to). rename() replaces a symlink at `path`
  // itself, never the file it points to. A leftover of a crashed run with
  // the same pid is ours to remove.
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return system_error(ErrorKind::Permission, "write " + path, errno);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return system_error(ErrorKind::Permission, "write " + path, err);
    }
    done += static_cast<size_t>(n);
  }
  ::fchmod(fd, mode);  // O_CREAT's mode is filtered by the umask
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return system_error(ErrorKind::Permission, "write " + path, err);
  }
  return Status();
}

Result<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return system_error(ErrorKind::Process, "read " + path, errno);
  std::string out;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return system_error(ErrorKind::Process, "read " + path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return system_error(ErrorKind::Permission, "remove " + path, errno);
  return Status();
}

std::string file_tail(const std::string& path, size_t max_bytes) {
  auto text = read_file(path);
  if (!text || text->empty()) {
    // A daemon that could not write its log says nothing there: the usual
    // cause is a full state directory (faults_state.sh, tmpfs of 32k).
    struct statvfs fs {};
    if (::statvfs(dir_of(path).c_str(), &fs) == 0 && fs.f_bavail == 0)
      return "(no log: its file system is full, " + errno_text(ENOSPC) + ")";
    return "";
  }
  const std::string& s = *text;
  return s.size() <= max_bytes ? s : "..." + s.substr(s.size() - max_bytes);
}

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace netlab::services
