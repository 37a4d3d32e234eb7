#include "check/capture_evidence.hpp"

#include <cstdio>
#include <filesystem>

#include "capture/capture_names.hpp"
#include "check/observed.hpp"

namespace netlab::check {

namespace {

void add_point(std::vector<CapturePoint>& points, CapturePoint p) {
  for (const auto& q : points)
    if (q == p) return;
  points.push_back(std::move(p));
}

void add_namespace_links(std::vector<CapturePoint>& points, const Model& model,
                         const std::string& ns) {
  if (!model.topology.find_namespace(ns)) return;
  for (const auto& l : model.desired.links)
    if (l.ns == ns && l.name != "lo") add_point(points, {ns, l.name});
}

void add_target(std::vector<CapturePoint>& points, const Model& model, const Target& to) {
  if (to.endpoint) {
    const std::string ns = netns_of(to.endpoint->owner);
    if (model.topology.find_namespace(ns)) add_point(points, {ns, to.endpoint->ifname});
    return;
  }
  if (!to.address) return;
  for (const auto& ns : model.desired.holders_of(*to.address)) {
    if (!model.topology.find_namespace(ns)) continue;
    for (const auto& l : model.desired.links) {
      if (l.ns != ns) continue;
      for (const auto& p : l.addresses)
        if (p.address == *to.address) add_point(points, {ns, l.name});
    }
  }
}

}  // namespace

std::vector<CapturePoint> capture_points(const TestCase& tc, const Model& model) {
  std::vector<CapturePoint> points;
  if (auto* p = std::get_if<PingTest>(&tc.check)) {
    add_namespace_links(points, model, netns_of(p->from));
    add_target(points, model, p->to);
  } else if (auto* c = std::get_if<TcpTest>(&tc.check)) {
    add_namespace_links(points, model, netns_of(c->from));
    add_target(points, model, c->to);
  }
  return points;
}

std::string capture_filter(const TestCase& tc, const IpAddress& target) {
  const std::string host = "host " + target.str();
  std::string own;
  if (std::holds_alternative<PingTest>(tc.check))
    own = host + (target.family == 6 ? " and icmp6" : " and icmp");
  else if (auto* c = std::get_if<TcpTest>(&tc.check))
    own = host + " and tcp port " + std::to_string(c->port);
  else
    return "";
  if (target.family == 6)
    return "(" + own +
           ") or (icmp6 and icmp6[icmp6type] != icmp6-echo and icmp6[icmp6type] != "
           "icmp6-echoreply)";
  return "(" + own +
         ") or arp or (icmp and icmp[icmptype] != icmp-echo and icmp[icmptype] != "
         "icmp-echoreply)";
}

CapturePlan capture_plan(const TestCase& tc, const Model& model, const Observed& observed) {
  CapturePlan plan{capture_points(tc, model), ""};
  const Target* to = nullptr;
  if (auto* p = std::get_if<PingTest>(&tc.check)) to = &p->to;
  if (auto* c = std::get_if<TcpTest>(&tc.check)) to = &c->to;
  if (to)
    if (auto resolved = resolve_target(model, *to, observed))
      plan.filter = capture_filter(tc, resolved->address);
  return plan;
}

std::string evidence_file_name(std::size_t index, std::size_t count, const std::string& assertion,
                               const CapturePoint& point) {
  int width = 2;
  for (std::size_t n = count; n >= 100; n /= 10) ++width;
  char number[32];
  std::snprintf(number, sizeof number, "%0*zu", width, index + 1);
  return std::string(number) + "-" + capture::file_name_part(assertion) + "." +
         capture::file_name_part(point.ns, 40) + "." + capture::file_name_part(point.ifname, 20) +
         ".pcap";
}

AssertionCapture::AssertionCapture(std::string dir, std::size_t index, std::size_t count,
                                   CapturePlan plan)
    : dir_(std::move(dir)), index_(index), count_(count) {
  const auto& points = plan.points;
  for (std::size_t k = 0; k < points.size(); ++k) {
    Running r;
    r.point = points[k];
    // Hidden until the verdict: a run that dies half-way leaves no file
    // that looks like evidence.
    r.temp_path =
        dir_ + "/.netlab-capture-" + std::to_string(index) + "-" + std::to_string(k) + ".pcap.part";
    CaptureOptions o;
    o.netns = r.point.ns;
    o.interface = r.point.ifname;
    o.filter = plan.filter;
    o.path = r.temp_path;
    // An assertion sends a few packets; a 4 MiB ring costs ~15 ms to set up.
    o.buffer_bytes = 256 << 10;
    auto cap = Capture::start(o);
    if (cap)
      r.capture = std::move(*cap);
    else
      r.error = cap.error().message;
    running_.push_back(std::move(r));
  }
}

AssertionCapture::~AssertionCapture() {
  // finish() was not reached (an exception): no evidence, no leftovers.
  for (auto& r : running_) {
    if (!r.capture) continue;
    (void)r.capture->stop();
    std::error_code ec;
    std::filesystem::remove(r.temp_path, ec);
  }
}

void AssertionCapture::finish(CheckResult& r) {
  std::vector<std::string> notes;
  for (auto& run : running_) {
    std::error_code ec;
    if (!run.capture) {
      notes.push_back(run.error);
      continue;
    }
    auto stats = run.capture->stop();
    run.capture.reset();
    if (r.passed) {
      std::filesystem::remove(run.temp_path, ec);
      continue;
    }
    if (!stats) notes.push_back(stats.error().message);
    std::string path = dir_ + "/" + evidence_file_name(index_, count_, r.name, run.point);
    std::filesystem::rename(run.temp_path, path, ec);
    if (ec) {
      notes.push_back("cannot keep the capture of " + run.point.ns + ":" + run.point.ifname +
                      " as " + path + ": " + ec.message());
      std::filesystem::remove(run.temp_path, ec);
      continue;
    }
    r.captures.push_back(path);
  }
  running_.clear();
  if (r.passed) return;
  for (const auto& n : notes) r.detail += (r.detail.empty() ? "" : "; ") + n;
}

}  // namespace netlab::check
