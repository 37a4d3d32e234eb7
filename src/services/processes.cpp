// The real processes seam: fork, join the target network namespace in the
// child, exec argv (PATH lookup, never a shell).
#include "netlab/processes.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
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
/// Returns its exit status when this call collected it.
std::optional<int> reap_if_child(int pid) {
  int status;
  pid_t r;
  while ((r = ::waitpid(pid, &status, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (r == pid) return decode_status(status);
  return std::nullopt;
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

/// Field 22 of /proc/PID/stat (start time in clock ticks since boot), 0 when unreadable.
unsigned long long proc_start_time(int pid) {
  std::string stat;
  if (!read_file("/proc/" + std::to_string(pid) + "/stat", stat)) return 0;
  auto rp = stat.rfind(')');
  if (rp == std::string::npos) return 0;
  std::istringstream in(stat.substr(rp + 2));
  std::string field;
  // Fields 3.. follow the comm; the start time is the 20th of them.
  for (int i = 3; i <= 22; ++i)
    if (!(in >> field)) return 0;
  try {
    return std::stoull(field);
  } catch (...) {
    return 0;
  }
}

/// Whether /proc/PID/net/FILE lists a socket on local port `port` (for tcp
/// files: in state LISTEN, 0A). False when the file is missing (no IPv6).
bool proc_net_has_port(int pid, const std::string& file, bool listen_only, int port) {
  std::string text;
  if (!read_file("/proc/" + std::to_string(pid) + "/net/" + file, text)) return false;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::string sl, local, remote, st;
    if (!(l >> sl >> local >> remote >> st)) continue;
    auto colon = local.rfind(':');
    if (colon == std::string::npos) continue;
    unsigned long p = std::strtoul(local.c_str() + colon + 1, nullptr, 16);
    if (static_cast<int>(p) != port) continue;
    if (listen_only && st != "0A") continue;
    return true;
  }
  return false;
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
    SpawnOptions options;
    options.log_file = log_file;
    return spawn_with(ns, argv, options);
  }

  Result<int> spawn_with(const std::string& ns, const std::vector<std::string>& argv,
                         const SpawnOptions& o) override {
    if (argv.empty()) return make_error(ErrorKind::Bug, "spawn: empty argv");
    const std::string what = "start '" + argv[0] + "' in " + where(ns);
    // Everything the child needs is prepared here: after fork in a
    // multi-threaded parent only async-signal-safe calls are allowed.
    std::vector<std::pair<std::string, std::string>> env = o.env;
    bool as_user = !o.user.empty();
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
    if (as_user) {
      struct passwd pw, *found = nullptr;
      std::vector<char> buf(16384);
      int rc = ::getpwnam_r(o.user.c_str(), &pw, buf.data(), buf.size(), &found);
      if (rc != 0 || !found)
        return make_error(ErrorKind::Process, what + ": no user '" + o.user +
                                                  "' on this machine; create it or drop user:");
      uid = pw.pw_uid;
      gid = pw.pw_gid;
      int n = 64;
      groups.resize(static_cast<size_t>(n));
      if (::getgrouplist(pw.pw_name, gid, groups.data(), &n) < 0) {
        groups.resize(static_cast<size_t>(n));
        ::getgrouplist(pw.pw_name, gid, groups.data(), &n);
      }
      groups.resize(static_cast<size_t>(std::max(n, 0)));
      env.insert(env.begin(), {{"HOME", pw.pw_dir}, {"USER", pw.pw_name}, {"LOGNAME", pw.pw_name}});
    }
    std::vector<std::string> env_strings;
    for (char** e = environ; e && *e; ++e) {
      std::string kv = *e;
      std::string k = kv.substr(0, kv.find('='));
      bool overridden = false;
      for (const auto& [name, value] : env) overridden |= name == k;
      if (!overridden) env_strings.push_back(kv);
    }
    // A later entry of the same name wins.
    for (std::size_t i = 0; i < env.size(); ++i) {
      bool later = false;
      for (std::size_t j = i + 1; j < env.size(); ++j) later |= env[j].first == env[i].first;
      if (!later) env_strings.push_back(env[i].first + "=" + env[i].second);
    }
    auto envp = c_argv(env_strings);
    std::string workdir = o.workdir.empty() ? "/" : o.workdir;
    // The PATH the program is looked up in: the child's (env may set it).
    std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const auto& kv : env_strings)
      if (kv.rfind("PATH=", 0) == 0) path = kv.substr(5);
    std::vector<std::string> candidates;
    if (argv[0].find('/') != std::string::npos) {
      candidates.push_back(argv[0]);
    } else {
      std::size_t start = 0;
      while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(start, end - start);
        candidates.push_back((dir.empty() ? "." : dir) + "/" + argv[0]);
        start = end + 1;
      }
    }

    auto nsfd = open_netns(ns);
    if (!nsfd) return nsfd.error();
    int log =
        ::open(o.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (log < 0) return system_error(ErrorKind::Process, "open log file " + o.log_file, errno);
    UniqueFd log_fd(log);
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0) return system_error(ErrorKind::Process, "open /dev/null", errno);
    UniqueFd null_fd(devnull);
    int errp[2];
    if (::pipe2(errp, O_CLOEXEC) != 0) return system_error(ErrorKind::Process, "pipe", errno);
    UniqueFd err_r(errp[0]), err_w(errp[1]);
    auto args = c_argv(argv);

    // The child reports {step, errno} through the pipe.
    enum Step : int { kNetns = 1, kFds, kUser, kChdir, kExec };
    pid_t pid = ::fork();
    if (pid < 0) return system_error(ErrorKind::Process, "fork for " + argv[0], errno);
    if (pid == 0) {
      auto fail = [&](int step) {
        int msg[2] = {step, errno};
        ssize_t r = ::write(errp[1], msg, sizeof msg);
        (void)r;
        _exit(127);
      };
      ::setsid();
      reset_signals();
      if (nsfd->valid())
        if (int err = nl::enter_netns(nsfd->get())) {
          errno = err;
          fail(kNetns);
        }
      if (::dup2(devnull, 0) < 0 || ::dup2(log, 1) < 0 || ::dup2(log, 2) < 0) fail(kFds);
      close_other_fds(errp[1]);
      if (as_user) {
        if (::setgroups(groups.size(), groups.data()) != 0 || ::setgid(gid) != 0 ||
            ::setuid(uid) != 0)
          fail(kUser);
      }
      if (::chdir(workdir.c_str()) != 0) fail(kChdir);
      int last = ENOENT;
      for (const auto& c : candidates) {
        ::execve(c.c_str(), args.data(), envp.data());
        if (errno != ENOENT && errno != ENOTDIR) last = errno;
      }
      errno = last;
      fail(kExec);
    }
    err_w.reset();
    int msg[2] = {0, 0};
    ssize_t n;
    do {
      n = ::read(err_r.get(), msg, sizeof msg);
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof msg)) {
      int status;
      ::waitpid(pid, &status, 0);
      std::string step = msg[0] == kNetns   ? "enter the namespace"
                         : msg[0] == kFds   ? "redirect output to " + o.log_file
                         : msg[0] == kUser  ? "become user '" + o.user + "'"
                         : msg[0] == kChdir ? "change to workdir " + workdir
                                            : "exec " + argv[0];
      return system_error(ErrorKind::Process, what + ": " + step, msg[1]);
    }
    return static_cast<int>(pid);
  }

  Result<bool> port_bound(int pid, bool tcp, int port) override {
    if (!proc_alive(pid))
      return make_error(ErrorKind::Process, "process " + std::to_string(pid) + " is not running");
    // /proc/PID/net shows the sockets of PID's network namespace.
    if (tcp)
      return proc_net_has_port(pid, "tcp", true, port) ||
             proc_net_has_port(pid, "tcp6", true, port);
    return proc_net_has_port(pid, "udp", false, port) ||
           proc_net_has_port(pid, "udp6", false, port);
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
    info.exit_code = reap_if_child(pid);
    std::string base = "/proc/" + std::to_string(pid);
    info.alive = proc_alive(pid);
    if (!info.alive) return info;
    info.start_time = proc_start_time(pid);
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

  // A process that leads its own process group (every one spawn and
  // spawn_with start: they call setsid) is signalled with its group: what it
  // started in the background (a service's `sh -c "a & exec b"`, a wrapper
  // script's children) goes with it instead of living on as an orphan. The
  // caller has checked that the leader is its own; while any member lives,
  // the kernel does not hand the group's id to another process.
  Status terminate(int pid, std::chrono::milliseconds timeout) override {
    if (pid <= 1)
      return make_error(ErrorKind::Bug, "terminate: refusing pid " + std::to_string(pid));
    reap_if_child(pid);
    if (!proc_alive(pid)) return Status();
    const bool group = ::getpgid(pid) == pid;
    const int target = group ? -pid : pid;
    if (::kill(target, SIGTERM) != 0) {
      if (errno == ESRCH) return Status();
      return system_error(ErrorKind::Process, "kill -TERM " + std::to_string(target), errno);
    }
    auto deadline = Clock::now() + timeout;
    if (wait_gone(pid, timeout) &&
        (!group || wait_group_gone(pid, std::chrono::duration_cast<std::chrono::milliseconds>(
                                            deadline - Clock::now()))))
      return Status();
    if (::kill(target, SIGKILL) != 0 && errno != ESRCH)
      return system_error(ErrorKind::Process, "kill -KILL " + std::to_string(target), errno);
    if (wait_gone(pid, std::chrono::milliseconds(2000))) {
      // Members that are zombies now are their new parent's to reap.
      if (group) (void)wait_group_gone(pid, std::chrono::milliseconds(500));
      return Status();
    }
    return make_error(ErrorKind::Timeout,
                      "process " + std::to_string(pid) + " still alive after SIGTERM and SIGKILL");
  }

  Result<std::map<std::string, std::vector<int>>> processes_by_netns() override {
    std::map<std::string, std::vector<int>> out;
    DIR* d = ::opendir("/proc");
    if (!d) return system_error(ErrorKind::Process, "list /proc", errno);
    std::unique_ptr<DIR, int (*)(DIR*)> guard(d, ::closedir);
    char self_ns[64] = {};
    ::readlink("/proc/self/ns/net", self_ns, sizeof self_ns - 1);
    char buf[64];
    std::string path;
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
      path.assign("/proc/").append(e->d_name).append("/ns/net");
      ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
      if (n <= 0) continue;  // gone meanwhile, or a kernel thread
      buf[n] = 0;
      if (std::strcmp(buf, self_ns) == 0) continue;
      out[std::string(buf, static_cast<size_t>(n))].push_back(std::atoi(e->d_name));
    }
    return out;
  }

 private:
  // Whether process group `pgid` has no member left (ESRCH), within `timeout`.
  static bool wait_group_gone(int pgid, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (true) {
      if (::kill(-pgid, 0) != 0 && errno == ESRCH) return true;
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

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
