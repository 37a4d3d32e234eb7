#include "support/system.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace netlab::testing {

namespace {

// Runs argv with stdout into a pipe; stderr into `err_fd` when it is >= 0.
Output run_with(const std::vector<std::string>& argv, int err_fd) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], 1);
    if (err_fd >= 0) dup2(err_fd, 2);
    close(pipefd[0]);
    close(pipefd[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(pipefd[1]);
  Output out;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0) out.text.append(buf, n);
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return out;
}

}  // namespace

Output run(const std::vector<std::string>& argv) { return run_with(argv, -1); }

Output run_both(const std::vector<std::string>& argv) {
  // stderr into an unlinked temporary file: no second pipe to drain at once.
  char path[] = "/tmp/netlab-stderr-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return {};
  unlink(path);
  Output out = run_with(argv, fd);
  lseek(fd, 0, SEEK_SET);
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.err.append(buf, n);
  close(fd);
  return out;
}

nlohmann::json run_json(const std::vector<std::string>& argv) {
  auto out = run(argv);
  if (out.exit_code != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += a + " ";
    throw std::runtime_error("command failed (" + std::to_string(out.exit_code) + "): " + cmd);
  }
  if (out.text.find_first_not_of(" \n") == std::string::npos) return nlohmann::json::array();
  return nlohmann::json::parse(out.text);
}

std::string unique_name(const std::string& suffix) {
  static std::atomic<int> counter{0};
  std::string base =
      "t" + std::to_string(getpid() % 100000) + static_cast<char>('a' + counter++ % 26);
  std::string name = base + suffix;
  if (name.size() > 15) name = name.substr(0, 15);
  return name;
}

bool namespace_exists(const std::string& ns) {
  return access(("/run/netns/" + ns).c_str(), F_OK) == 0;
}

static std::vector<std::string> ip_prefix(const std::string& ns) {
  std::vector<std::string> argv{"ip"};
  if (!ns.empty()) argv.insert(argv.end(), {"-n", ns});
  return argv;
}

nlohmann::json ip_links(const std::string& ns) {
  auto argv = ip_prefix(ns);
  argv.insert(argv.end(), {"-j", "-d", "link", "show"});
  return run_json(argv);
}

nlohmann::json ip_link(const std::string& ns, const std::string& name) {
  for (const auto& l : ip_links(ns))
    if (l.value("ifname", "") == name) return l;
  return nullptr;
}

std::vector<std::string> ip_addresses(const std::string& ns, const std::string& ifname) {
  auto argv = ip_prefix(ns);
  argv.insert(argv.end(), {"-j", "addr", "show", "dev", ifname});
  std::vector<std::string> out;
  for (const auto& l : run_json(argv))
    for (const auto& a : l.value("addr_info", nlohmann::json::array()))
      out.push_back(a.value("local", "") + "/" + std::to_string(a.value("prefixlen", 0)));
  return out;
}

void remove_namespace(const std::string& ns) {
  if (namespace_exists(ns)) run({"ip", "netns", "del", ns});
}

void remove_link(const std::string& ns, const std::string& name) {
  auto argv = ip_prefix(ns);
  argv.insert(argv.end(), {"link", "del", name});
  run(argv);
}

}  // namespace netlab::testing
