// netlab logs [LAB] [NAME] [-f]: the logs of a lab's services and DHCP
// daemons, from the lab's state directory (no process is touched).
#include <chrono>
#include <fstream>
#include <thread>

#include "cli/context.hpp"
#include "netlab/daemon_spec.hpp"

namespace netlab::cli {

namespace {

struct LogFile {
  std::string name;  ///< a service's name, or "dnsmasq:NS:IF" / "dhclient:NS:IF"
  std::string path;
};

std::vector<LogFile> logs_of(const std::map<std::string, DaemonSpec>& daemons) {
  std::vector<LogFile> out;
  for (const auto& [id, d] : daemons) {
    if (const auto* s = std::get_if<ServiceInstance>(&d.instance)) {
      out.push_back({s->name, s->log_file});
    } else if (const auto* m = std::get_if<DnsmasqInstance>(&d.instance)) {
      out.push_back({"dnsmasq:" + m->ns + ":" + m->interface, m->paths.log});
    } else {
      const auto& c = std::get<DhclientInstance>(d.instance);
      out.push_back({"dhclient:" + c.ns + ":" + c.interface, c.log_file});
    }
  }
  // Services first, in name order, then the DHCP daemons.
  std::stable_partition(out.begin(), out.end(),
                        [](const LogFile& l) { return l.name.find(':') == std::string::npos; });
  return out;
}

/// Prints what `path` holds from `offset` on; returns the new offset.
std::streamoff print_from(const LogFile& log, std::streamoff offset, const std::string& prefix,
                          Reporter& r) {
  std::ifstream in(log.path, std::ios::binary);
  if (!in) return offset;
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < offset) offset = 0;  // truncated or made again (a restart)
  if (size == offset) return offset;
  in.seekg(offset);
  std::string data(static_cast<std::size_t>(size - offset), '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  // Whole lines only while following: the rest is printed when complete.
  std::size_t end = data.rfind('\n');
  if (end == std::string::npos) return offset;
  data.resize(end + 1);
  if (prefix.empty()) {
    r.out(data);
  } else {
    std::string text;
    std::size_t start = 0;
    while (start < data.size()) {
      std::size_t nl = data.find('\n', start);
      text += prefix + data.substr(start, nl - start + 1);
      start = nl + 1;
    }
    r.out(text);
  }
  std::fflush(stdout);
  return offset + static_cast<std::streamoff>(data.size());
}

}  // namespace

void add_logs(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "logs", "show the logs of a lab's services and DHCP daemons (dnsmasq, dhclient)");
  struct Opts {
    std::string lab, name;
    bool follow = false;
    LabFlags flags;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("lab", o->lab, "lab name or topology file (default: the one lab that is up)");
  cmd->add_option("name", o->name, "a service, or dnsmasq:NS:IF / dhclient:NS:IF (default: all)");
  cmd->add_flag("-f,--follow", o->follow, "keep printing what is appended, until interrupted");
  cmd->add_option("--prefix", o->flags.prefix, "the prefix the lab was brought up with");
  add_state_dir_flag(cmd, o->flags.state_root);
  cmd->callback([&ctx, o] {
    if (!require_privileges(ctx, "logs")) return;
    auto lab = resolve_lab(o->lab, o->flags, FileArg::NamesLab);
    if (!lab.ok()) {
      ctx.reporter.error(lab.error());
      ctx.exit_code = kError;
      return;
    }
    auto daemons = lab->state().daemons();
    if (!daemons.ok()) {
      ctx.reporter.error(daemons.error());
      ctx.exit_code = kError;
      return;
    }
    auto all = logs_of(*daemons);
    std::vector<LogFile> chosen;
    for (const auto& l : all)
      if (o->name.empty() || l.name == o->name) chosen.push_back(l);
    if (chosen.empty()) {
      std::string names;
      for (const auto& l : all) names += " " + l.name;
      ctx.reporter.error(o->name.empty()
                             ? "lab '" + lab->name() + "' has no service or DHCP daemon, so no log"
                             : "lab '" + lab->name() + "' has no service or daemon '" + o->name +
                                   "'" + (names.empty() ? std::string() : "; it has:" + names));
      ctx.exit_code = kError;
      return;
    }
    const bool several = chosen.size() > 1;
    std::vector<std::streamoff> offsets(chosen.size(), 0);
    for (std::size_t i = 0; i < chosen.size(); ++i) {
      if (several && !o->follow) ctx.reporter.out("==> " + chosen[i].name + " <==\n");
      offsets[i] = print_from(chosen[i], 0, several && o->follow ? chosen[i].name + " | " : "",
                              ctx.reporter);
      if (several && !o->follow) {
        // A last line without its newline is shown too when not following.
        std::ifstream in(chosen[i].path, std::ios::binary);
        std::string rest((std::istreambuf_iterator<char>(in)), {});
        if (static_cast<std::streamoff>(rest.size()) > offsets[i])
          ctx.reporter.out(rest.substr(static_cast<std::size_t>(offsets[i])) + "\n");
      }
    }
    if (!several && !o->follow) {
      std::ifstream in(chosen[0].path, std::ios::binary);
      std::string rest((std::istreambuf_iterator<char>(in)), {});
      if (static_cast<std::streamoff>(rest.size()) > offsets[0])
        ctx.reporter.out(rest.substr(static_cast<std::size_t>(offsets[0])) + "\n");
    }
    if (!o->follow) return;
    // Until interrupted, or until the lab is gone (`down` removes its state).
    while (lab->state().exists()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      for (std::size_t i = 0; i < chosen.size(); ++i)
        offsets[i] =
            print_from(chosen[i], offsets[i], several ? chosen[i].name + " | " : "", ctx.reporter);
    }
  });
}

}  // namespace netlab::cli
