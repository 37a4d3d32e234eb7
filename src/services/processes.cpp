// The real processes seam: fork, join the target network namespace in the
// child, exec argv (PATH lookup, never a shell).
#include "netlab/processes.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/unique_fd.hpp"
#include "kernel/netns_file.hpp"
#include "services/files.hpp"

namespace netlab {
namespace {

using Clock = std::chrono::steady_clock;

std::string join_argv(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return s;
}

std::string where(const std::string& ns) { return ns.empty() ? "root namespace" : "netns " + ns; }

/// The namespace file the child setns()es into, opened before fork (see
/// kernel/netns_file.hpp); none for "" (stay in netlab's own namespace).
Result<UniqueFd> open_netns(const std::string& ns) {
  if (ns.empty()) return UniqueFd();
  return nl::open_netns(ns);
}

/// argv as the char* array execvp wants; built before fork (no allocation in
/// the child of a possibly multi-threaded parent).
std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> v;
  v.reserve(argv.size() + 1);
  for (const auto& a : argv) v.push_back(const_cast<char*>(a.c_str()));
  v.push_back(nullptr);
  return v;
}

/// In the child: report errno through the CLOEXEC pipe and die.
[[noreturn]] void child_fail(int err_fd, int err) {
  ssize_t r = ::write(err_fd, &err, sizeof err);
  (void)r;
  _exit(127);
}

/// In the child: closes every fd above 2 except `keep`.
void close_other_fds(int keep) {
  int maxfd = static_cast<int>(sysconf(_SC_OPEN_MAX));
  if (maxfd < 0 || maxfd > 65536) maxfd = 65536;
  for (int fd = 3; fd < maxfd; ++fd)
    if (fd != keep) ::close(fd);
}

/// In the child: default signal dispositions and an empty mask, so the
/// program starts as if from a clean shell.
void reset_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigprocmask(SIG_SETMASK, &set, nullptr);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGQUIT}) signal(s, SIG_DFL);
}

/// After fork, the parent reads the exec-error pipe: 0 bytes means exec
/// succeeded, otherwise the child's errno.
int read_exec_error(int fd) {
  int err = 0;
  ssize_t n;
  do {
    n = ::read(fd, &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(sizeof err) ? err : 0;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

/// Reaps `pid` if it is our child and has exited; harmless otherwise.
void reap_if_child(int pid) {
  int status;
  while (::waitpid(pid, &status, WNOHANG) < 0 && errno == EINTR) {
  }
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

/// Whether /proc/PID exists and is not a zombie (nor dead).
bool proc_alive(int pid) {
  std::string stat;
  if (!read_file("/proc/" + std::to_string(pid) + "/stat", stat) || stat.empty()) return false;
  // "PID (comm) S ...": comm may contain spaces and parentheses; the state
  // follows the last ')'.
  auto rp = stat.rfind(')');
  if (rp == std::string::npos || rp + 2 >= stat.size()) return false;
  char state = stat[rp + 2];
  return state != 'Z' && state != 'X' && state != 'x';
}

std::string format_ns_inode(ino_t ino) {
  return "net:[" + std::to_string(static_cast<unsigned long long>(ino)) + "]";
}

class RealProcesses final : public Processes {
 public:
  Result<CommandResult> run(const std::string& ns, const std::vector<std::string>& argv,
                            std::chrono::milliseconds timeout) override {
    if (argv.empty()) return make_error(ErrorKind::Bug, "run: empty argv");
    auto nsfd = open_netns(ns);
    if (!nsfd) return nsfd.error();
    int out[2], errp[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return system_error(ErrorKind::Process, "pipe", errno);
    UniqueFd out_r(out[0]), out_w(out[1]);
    if (::pipe2(errp, O_CLOEXEC) != 0) return system_error(ErrorKind::Process, "pipe", errno);
    UniqueFd err_r(errp[0]), err_w(errp[1]);
    auto args = c_argv(argv);
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0) return system_error(ErrorKind::Process, "open /dev/null", errno);
    UniqueFd null_fd(devnull);

    pid_t pid = ::fork();
    if (pid < 0) return system_error(ErrorKind::Process, "fork for " + argv[0], errno);
    if (pid == 0) {
      // Own process group, so a timeout kills the command and its children.
      ::setpgid(0, 0);
      reset_signals();
      if (nsfd->valid())
        if (int err = nl::enter_netns(nsfd->get())) child_fail(errp[1], err);
      if (::dup2(devnull, 0) < 0 || ::dup2(out[1], 1) < 0 || ::dup2(out[1], 2) < 0)
        child_fail(errp[1], errno);
      close_other_fds(errp[1]);
      ::execvp(args[0], args.data());
      child_fail(errp[1], errno);
    }
    out_w.reset();
    err_w.reset();
    int exec_err = read_exec_error(err_r.get());
    if (exec_err != 0) {
      int status;
      ::waitpid(pid, &status, 0);
      return system_error(ErrorKind::Process, "run '" + argv[0] + "' in " + where(ns), exec_err);
    }

    CommandResult result;
    auto deadline = Clock::now() + timeout;
    bool timed_out = false;
    char buf[4096];
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        timed_out = true;
        break;
      }
      pollfd p{out_r.get(), POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
      if (r < 0 && errno != EINTR) break;
      if (r <= 0) continue;
      ssize_t n = ::read(out_r.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // EOF: every writer (the command and its children) closed
      result.output.append(buf, static_cast<size_t>(n));
    }
    int status = 0;
    if (timed_out) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return make_error(ErrorKind::Timeout, "run '" + join_argv(argv) + "' in " + where(ns) +
                                                ": no exit after " +
                                                std::to_string(timeout.count()) +
                                                " ms (killed); output: " + result.output);
    }
    // EOF seen; the command may still be exiting. Bound that wait too.
    while (true) {
      pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid) break;
      if (w < 0 && errno != EINTR) break;
      if (Clock::now() > deadline) {
        ::kill(-pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        return make_error(ErrorKind::Timeout, "run '" + join_argv(argv) + "' in " + where(ns) +
                                                  ": no exit after " +
                                                  std::to_string(timeout.count()) + " ms (killed)");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    result.exit_code = decode_status(status);
    return result;
  }

  Result<int> spawn(const std::string& ns, const std::vector<std::string>& argv,
                    const std::string& log_file) override {
    if (argv.empty()) return make_error(ErrorKind::Bug, "spawn: empty argv");
    auto nsfd = open_netns(ns);
    if (!nsfd) return nsfd.error();
    int log =
        ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (log < 0) return system_error(ErrorKind::Process, "open log file " + log_file, errno);
    UniqueFd log_fd(log);
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0) return system_error(ErrorKind::Process, "open /dev/null", errno);
    UniqueFd null_fd(devnull);
    int errp[2];
    if (::pipe2(errp, O_CLOEXEC) != 0) return system_error(ErrorKind::Process, "pipe", errno);
    UniqueFd err_r(errp[0]), err_w(errp[1]);
    auto args = c_argv(argv);

    pid_t pid = ::fork();
    if (pid < 0) return system_error(ErrorKind::Process, "fork for " + argv[0], errno);
    if (pid == 0) {
      ::setsid();
      reset_signals();
      if (nsfd->valid())
        if (int err = nl::enter_netns(nsfd->get())) child_fail(errp[1], err);
      if (::dup2(devnull, 0) < 0 || ::dup2(log, 1) < 0 || ::dup2(log, 2) < 0)
        child_fail(errp[1], errno);
      close_other_fds(errp[1]);
      ::chdir("/");
      ::execvp(args[0], args.data());
      child_fail(errp[1], errno);
    }
    err_w.reset();
    int exec_err = read_exec_error(err_r.get());
    if (exec_err != 0) {
      int status;
      ::waitpid(pid, &status, 0);
      return system_error(ErrorKind::Process, "start '" + argv[0] + "' in " + where(ns), exec_err);
    }
    return static_cast<int>(pid);
  }

  Error exec_replace(const std::string& ns, const std::vector<std::string>& argv) override {
    if (argv.empty()) return make_error(ErrorKind::Bug, "exec: empty argv");
    auto nsfd = open_netns(ns);
    if (!nsfd) return nsfd.error();
    if (nsfd->valid())
      if (int err = nl::enter_netns(nsfd->get()))
        return nl::enter_netns_error(ErrorKind::Permission, ns, err);
    auto args = c_argv(argv);
    ::execvp(args[0], args.data());
    return system_error(ErrorKind::Process, "exec '" + argv[0] + "' in " + where(ns), errno);
  }

  ProcessInfo inspect(int pid) override {
    ProcessInfo info;
    if (pid <= 0) return info;
    reap_if_child(pid);
    std::string base = "/proc/" + std::to_string(pid);
    info.alive = proc_alive(pid);
    if (!info.alive) return info;
    char buf[256];
    ssize_t n = ::readlink((base + "/ns/net").c_str(), buf, sizeof buf - 1);
    if (n > 0) info.netns_id.assign(buf, static_cast<size_t>(n));
    std::string cmd;
    if (read_file(base + "/cmdline", cmd)) {
      size_t start = 0;
      while (start < cmd.size()) {
        size_t end = cmd.find('\0', start);
        if (end == std::string::npos) end = cmd.size();
        info.cmdline.push_back(cmd.substr(start, end - start));
        start = end + 1;
      }
    }
    return info;
  }

  Result<std::string> netns_id(const std::string& ns) override {
    // The bind-mounted /run/netns/NS file stats as the nsfs inode, the same
    // number readlink(/proc/PID/ns/net) shows.
    std::string path = ns.empty() ? "/proc/self/ns/net" : nl::netns_path(ns);
    if (!ns.empty() && !nl::valid_netns_name(ns))
      return make_error(ErrorKind::Bug, "invalid namespace name '" + ns + "'");
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
      return system_error(ErrorKind::Kernel, "stat namespace " + path, errno);
    return format_ns_inode(st.st_ino);
  }

  Status terminate(int pid, std::chrono::milliseconds timeout) override {
    if (pid <= 1)
      return make_error(ErrorKind::Bug, "terminate: refusing pid " + std::to_string(pid));
    reap_if_child(pid);
    if (!proc_alive(pid)) return Status();
    if (::kill(pid, SIGTERM) != 0) {
      if (errno == ESRCH) return Status();
      return system_error(ErrorKind::Process, "kill -TERM " + std::to_string(pid), errno);
    }
    if (wait_gone(pid, timeout)) return Status();
    if (::kill(pid, SIGKILL) != 0 && errno != ESRCH)
      return system_error(ErrorKind::Process, "kill -KILL " + std::to_string(pid), errno);
    if (wait_gone(pid, std::chrono::milliseconds(2000))) return Status();
    return make_error(ErrorKind::Timeout,
                      "process " + std::to_string(pid) + " still alive after SIGTERM and SIGKILL");
  }

 private:
  static bool wait_gone(int pid, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    auto step = std::chrono::milliseconds(1);
    while (true) {
      reap_if_child(pid);
      if (!proc_alive(pid)) return true;
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(step);
      step = std::min(step * 2, std::chrono::milliseconds(20));
    }
  }
};

}  // namespace

std::unique_ptr<Processes> make_real_processes() { return std::make_unique<RealProcesses>(); }

}  // namespace netlab
