// netlab capture NS:IF [FILTER...]: the packets of an interface of a lab
// namespace, as a pcap file, from inside the namespace (libpcap; no tcpdump,
// no shell).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <ctime>

#include "capture/capture_names.hpp"
#include "cli/context.hpp"
#include "netlab/capture.hpp"
#include "netlab/state_dir.hpp"

namespace netlab::cli {

namespace {

// SIGINT and SIGTERM blocked while alive, so that they end the capture by
// being waited for (sigtimedwait) instead of killing the process with the
// file half-written. Blocked before the capture thread starts: it inherits
// the mask, so the signal is left to this thread.
class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~StopSignals() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  /// Waits up to `timeout` for one of them; true if one came.
  bool wait(std::chrono::milliseconds timeout) {
    timespec ts{static_cast<time_t>(timeout.count() / 1000),
                static_cast<long>(timeout.count() % 1000) * 1000000L};
    return sigtimedwait(&set_, nullptr, &ts) > 0;
  }

 private:
  sigset_t set_, old_;
};

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace

void add_capture(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "capture", "capture the packets of an interface of a lab namespace into a pcap file");
  struct Opts {
    std::string target;
    std::vector<std::string> filter;
    std::string file;
    double duration = 0;
    std::uint64_t count = 0;
    std::string state_root = kDefaultStateRoot;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("interface", o->target,
                  "NS:IF, an interface of a namespace of a lab that is up (IF any: all of them)")
      ->required();
  cmd->add_option("filter", o->filter,
                  "which packets, as a pcap-filter(7) expression (icmp, tcp port 80, ...)");
  cmd->add_option("-w,--write", o->file,
                  "pcap file to write, - for standard output (default: standard output when it "
                  "is not a terminal, else NS-IF-TIME.pcap here)");
  cmd->add_option("--duration", o->duration, "stop after this many seconds")
      ->check(CLI::PositiveNumber);
  cmd->add_option("-c,--count", o->count, "stop after this many packets")
      ->check(CLI::PositiveNumber);
  add_state_dir_flag(cmd, o->state_root);
  cmd->callback([&ctx, o] {
    if (!require_privileges(ctx, "capture")) return;
    const auto& rep = ctx.reporter;
    auto arg = capture::parse_interface_arg(o->target);
    if (!arg) {
      rep.error(arg.error());
      ctx.exit_code = kError;
      return;
    }
    // Only the labs' own namespaces, as netlab exec: the state directories
    // say which namespaces netlab made.
    bool known = false;
    for (const auto& lab : StateDir::list_labs(o->state_root))
      known |= StateDir(o->state_root, lab).namespaces().count(arg->netns) > 0;
    if (!known) {
      rep.error("'" + arg->netns +
                "' is not a namespace of a lab that is up (see netlab ls, netlab status)");
      ctx.exit_code = kError;
      return;
    }

    CaptureOptions opt;
    opt.netns = arg->netns;
    opt.interface = arg->interface;
    opt.filter = join(o->filter);
    opt.max_packets = o->count;
    opt.path = o->file;
    if (opt.path.empty())
      opt.path =
          ::isatty(STDOUT_FILENO) ? capture::default_capture_file(*arg, std::time(nullptr)) : "-";

    StopSignals signals;
    auto cap = Capture::start(opt);
    if (!cap) {
      rep.error(cap.error());
      ctx.exit_code = kError;
      return;
    }
    rep.info("capturing on " + o->target + (opt.filter.empty() ? "" : " (" + opt.filter + ")") +
             " into " + (opt.path == "-" ? std::string("standard output") : opt.path) +
             "; Ctrl-C stops");
    using clock = std::chrono::steady_clock;
    const auto deadline = o->duration > 0
                              ? clock::now() + std::chrono::duration_cast<clock::duration>(
                                                   std::chrono::duration<double>(o->duration))
                              : clock::time_point::max();
    while (!(*cap)->finished()) {
      auto now = clock::now();
      if (now >= deadline) break;
      auto step = std::chrono::milliseconds(50);
      if (deadline - now < step)
        step = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
      if (signals.wait(step)) break;
    }
    auto stats = (*cap)->stop();
    if (!stats) {
      rep.error(stats.error());
      ctx.exit_code = kError;
      return;
    }
    rep.info(std::to_string(stats->packets) + " packets captured" +
             (stats->dropped ? ", " + std::to_string(stats->dropped) + " dropped by the kernel"
                             : std::string()));
  });
}

}  // namespace netlab::cli
