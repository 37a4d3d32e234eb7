// Capture: one thread per capture enters the namespace, opens the pcap
// handle there and stays the only reader of it, writing each packet to the
// file as it arrives (why a thread that enters and never returns:
// kernel/netns_file.hpp). The handle runs in immediate mode, so a packet is
// readable as soon as the kernel has it: stop() drains what is there and
// nothing the kernel saw before stop() is lost.
#include "netlab/capture.hpp"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/eventfd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "core/unique_fd.hpp"
#include "kernel/netns_file.hpp"

namespace netlab {

namespace {

// libpcap's filter compiler kept global state in versions before 1.8;
// one compilation at a time costs nothing next to a capture's life.
std::mutex compile_mu;

std::string where(const CaptureOptions& o) {
  return o.netns.empty() ? "the root namespace" : "namespace " + o.netns;
}

std::string target_text(const CaptureOptions& o) {
  return (o.netns.empty() ? "" : o.netns + ":") + o.interface;
}

Error activate_error(pcap_t* p, int rc, const CaptureOptions& o) {
  const std::string what = "capture on " + target_text(o);
  std::string detail = pcap_geterr(p);
  switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
      return make_error(ErrorKind::Kernel,
                        what + ": no interface " + o.interface + " in " + where(o), ENODEV);
    case PCAP_ERROR_PERM_DENIED:
      return make_error(ErrorKind::Permission,
                        what + ": permission denied (" + detail + "); capturing needs root", EPERM);
    case PCAP_ERROR_IFACE_NOT_UP:
      return make_error(ErrorKind::Kernel, what + ": the interface is down", ENETDOWN);
    default:
      if (detail.empty()) detail = pcap_statustostr(rc);
      return make_error(ErrorKind::Kernel, what + ": " + detail);
  }
}

}  // namespace

struct Capture::Impl {
  CaptureOptions opt;
  std::thread thread;
  UniqueFd stop_fd;  // an eventfd: written once by stop()
  std::atomic<std::uint64_t> packets{0};

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  bool ended = false;                           // the thread is done (guarded by mu)
  std::optional<Error> failure;                 // what ended it early (guarded by mu)
  CaptureStats stats;                           // final (guarded by mu)
  std::optional<Result<CaptureStats>> outcome;  // stop()'s answer, once joined

  void end(std::optional<Error> err, CaptureStats s) {
    std::lock_guard lock(mu);
    failure = std::move(err);
    stats = s;
    ended = true;
    cv.notify_all();
  }

  // The capture thread. `ready` gets the outcome of opening everything.
  void run(UniqueFd ns_fd, std::promise<Status> ready);
};

void Capture::Impl::run(UniqueFd ns_fd, std::promise<Status> ready) {
  const CaptureOptions& o = opt;
  auto fail_start = [&](Error e) {
    ready.set_value(Status(e));
    end(std::move(e), {});
  };
  if (ns_fd.valid()) {
    if (int err = nl::enter_netns(ns_fd.get()))
      return fail_start(nl::enter_netns_error(ErrorKind::Kernel, o.netns, err));
    ns_fd.reset();
  }
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t* p = pcap_create(o.interface.c_str(), errbuf);
  if (!p)
    return fail_start(
        make_error(ErrorKind::Kernel, "capture on " + target_text(o) + ": " + errbuf));
  struct Closer {
    pcap_t* p;
    ~Closer() { pcap_close(p); }
  } closer{p};
  pcap_set_snaplen(p, o.snaplen);
  // Not promiscuous: a capture must not change the interface it watches;
  // an end of a veth sees its own traffic anyway.
  pcap_set_promisc(p, 0);
  pcap_set_immediate_mode(p, 1);
  pcap_set_buffer_size(p, o.buffer_bytes);
  if (int rc = pcap_activate(p); rc < 0) return fail_start(activate_error(p, rc, o));

  if (!o.filter.empty()) {
    bpf_program prog{};
    int rc;
    {
      std::lock_guard lock(compile_mu);
      rc = pcap_compile(p, &prog, o.filter.c_str(), 1, PCAP_NETMASK_UNKNOWN);
    }
    if (rc != 0)
      return fail_start(make_error(ErrorKind::Process,
                                   "invalid capture filter '" + o.filter + "': " + pcap_geterr(p) +
                                       " (the syntax: man 7 pcap-filter)",
                                   EINVAL));
    rc = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (rc != 0)
      return fail_start(make_error(
          ErrorKind::Kernel,
          "capture on " + target_text(o) + ": cannot set the filter: " + pcap_geterr(p)));
  }
  if (pcap_setnonblock(p, 1, errbuf) != 0)
    return fail_start(
        make_error(ErrorKind::Kernel, "capture on " + target_text(o) + ": " + errbuf));

  // Standard output through a duplicate: closing the dump closes only that.
  const bool to_stdout = o.path == "-";
  const std::string file_text = to_stdout ? "standard output" : o.path;
  FILE* out = nullptr;
  if (to_stdout) {
    int fd = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);
    if (fd >= 0 && !(out = ::fdopen(fd, "wb"))) ::close(fd);
  } else {
    out = std::fopen(o.path.c_str(), "wbe");
  }
  if (!out) return fail_start(system_error(ErrorKind::Process, "open " + file_text, errno));
  pcap_dumper_t* dumper = pcap_dump_fopen(p, out);
  if (!dumper) {
    std::fclose(out);
    return fail_start(make_error(ErrorKind::Process, "write " + file_text + ": " + pcap_geterr(p)));
  }
  // The header goes out now: the file is a valid (empty) capture from the
  // start, and a reader at the other end of a pipe starts at once.
  if (pcap_dump_flush(dumper) != 0) {
    int err = errno;
    pcap_dump_close(dumper);
    return fail_start(system_error(ErrorKind::Process, "write " + file_text, err));
  }
  ready.set_value(Status());

  struct Sink {
    pcap_dumper_t* dumper;
    std::atomic<std::uint64_t>* packets;
  } sink{dumper, &packets};
  auto on_packet = [](u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
    auto* s = reinterpret_cast<Sink*>(user);
    pcap_dump(reinterpret_cast<u_char*>(s->dumper), h, bytes);
    s->packets->fetch_add(1, std::memory_order_relaxed);
  };
  auto remaining = [&]() -> int {
    if (o.max_packets == 0) return -1;
    std::uint64_t n = packets.load(std::memory_order_relaxed);
    return n >= o.max_packets
               ? 0
               : static_cast<int>(std::min<std::uint64_t>(o.max_packets - n, 1 << 20));
  };

  std::optional<Error> failure;
  bool stopping = false;
  pollfd fds[2] = {{pcap_get_selectable_fd(p), POLLIN, 0}, {stop_fd.get(), POLLIN, 0}};
  while (!failure && !stopping && remaining() != 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      failure = system_error(ErrorKind::Kernel, "capture on " + target_text(o) + ": poll", errno);
      break;
    }
    stopping = fds[1].revents != 0;
    // Read all there is (when stopping too: what the kernel holds is the
    // end of the capture).
    int got = 0;
    for (int want = remaining(); want != 0; want = remaining()) {
      int n = pcap_dispatch(p, want, on_packet, reinterpret_cast<u_char*>(&sink));
      if (n < 0) {
        failure = make_error(ErrorKind::Kernel,
                             "capture on " + target_text(o) + " ended: " + pcap_geterr(p));
        break;
      }
      if (n == 0) break;
      got += n;
    }
    if (!failure && got == 0 && (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)))
      failure = make_error(ErrorKind::Kernel, "capture on " + target_text(o) +
                                                  " ended: the interface went down or away");
    if (pcap_dump_flush(dumper) != 0 && !failure)
      failure = system_error(ErrorKind::Process, "write " + file_text, errno);
  }
  CaptureStats stats;
  stats.packets = packets.load();
  pcap_stat ps{};
  if (pcap_stats(p, &ps) == 0) stats.dropped = ps.ps_drop;
  pcap_dump_close(dumper);
  end(std::move(failure), stats);
}

Capture::Capture(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Capture::~Capture() { (void)stop(); }

Result<std::unique_ptr<Capture>> Capture::start(CaptureOptions options) {
  if (options.interface.empty())
    return make_error(ErrorKind::Bug, "capture: no interface given", EINVAL);
  if (options.path.empty())
    return make_error(ErrorKind::Bug, "capture on " + target_text(options) + ": no file given",
                      EINVAL);
  UniqueFd ns_fd;
  if (!options.netns.empty()) {
    auto fd = nl::open_netns(options.netns);
    if (!fd) return fd.error();
    ns_fd = std::move(*fd);
  }
  auto impl = std::make_unique<Impl>();
  impl->opt = std::move(options);
  impl->stop_fd.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!impl->stop_fd.valid()) return system_error(ErrorKind::Process, "eventfd", errno);
  std::promise<Status> ready;
  std::future<Status> opened = ready.get_future();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw, fd = std::move(ns_fd), r = std::move(ready)]() mutable {
    raw->run(std::move(fd), std::move(r));
  });
  Status st = opened.get();
  if (!st.ok()) {
    impl->thread.join();
    return st.error();
  }
  return std::unique_ptr<Capture>(new Capture(std::move(impl)));
}

Result<CaptureStats> Capture::stop() {
  Impl& m = *impl_;
  if (m.outcome) return *m.outcome;
  std::uint64_t one = 1;
  if (::write(m.stop_fd.get(), &one, sizeof one) < 0) {
    // An eventfd write fails only on overflow: the thread is told already.
  }
  m.thread.join();
  std::lock_guard lock(m.mu);
  if (m.failure)
    m.outcome = Result<CaptureStats>(*m.failure);
  else
    m.outcome = Result<CaptureStats>(m.stats);
  return *m.outcome;
}

bool Capture::finished() const {
  std::lock_guard lock(impl_->mu);
  return impl_->ended;
}

bool Capture::wait_finished(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->ended; });
}

std::uint64_t Capture::packets() const { return impl_->packets.load(); }

const CaptureOptions& Capture::options() const { return impl_->opt; }

}  // namespace netlab
