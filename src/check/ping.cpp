#include "check/ping.hpp"

#include <cstdio>
#include <sstream>

#include "check/shared_address.hpp"
#include "check/target.hpp"
#include "core/quantity.hpp"

namespace netlab::check {

namespace {

std::string format_ms(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g ms", ms);
  return buf;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && s[b] == ' ') ++b;
  return s.substr(b);
}

/// "2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1002ms".
bool parse_statistics(const std::string& line, PingOutput& out) {
  int tx = 0, rx = 0;
  if (std::sscanf(line.c_str(), "%d packets transmitted, %d", &tx, &rx) != 2) return false;
  out.transmitted = tx;
  out.received = rx;
  return true;
}

/// "rtt min/avg/max/mdev = 0.050/0.091/0.132/0.041 ms" (iputils) or
/// "round-trip min/avg/max = 0.059/0.059/0.059 ms" (busybox).
bool parse_rtt(const std::string& line, PingOutput& out) {
  if (line.rfind("rtt ", 0) != 0 && line.rfind("round-trip ", 0) != 0) return false;
  auto eq = line.find('=');
  if (eq == std::string::npos) return false;
  double mn = 0, avg = 0, mx = 0;
  if (std::sscanf(line.c_str() + eq + 1, " %lf/%lf/%lf", &mn, &avg, &mx) != 3) return false;
  out.rtt_min_ms = mn;
  out.rtt_avg_ms = avg;
  out.rtt_max_ms = mx;
  return true;
}

bool is_error_line(const std::string& line) {
  if (line.rfind("ping:", 0) == 0) return true;
  // "From 10.0.0.1 icmp_seq=1 Destination Host Unreachable", "... Time to live exceeded"
  return line.rfind("From ", 0) == 0;
}

std::string replies_text(const PingOutput& o) {
  if (o.transmitted < 0) return "no statistics from ping";
  return std::to_string(o.received) + "/" + std::to_string(o.transmitted) + " replies";
}

bool has_bounds(const PingTest& t) { return t.rtt_ms || t.loss; }

/// "loss at most 5%", "rtt between 1 ms and 5 ms".
std::string bounds_text(const std::string& what, const Bounds& b, QuantityKind kind) {
  auto q = [&](double v) { return format_quantity(v, kind); };
  if (b.min && b.max) return what + " between " + q(*b.min) + " and " + q(*b.max);
  if (b.max) return what + " at most " + q(*b.max);
  if (b.min) return what + " at least " + q(*b.min);
  return what + " measured";
}

/// "loss 30% above max 5%", or "" when within.
std::string violation(const std::string& what, double v, const Bounds& b, QuantityKind kind) {
  auto q = [&](double x) { return format_quantity(x, kind); };
  if (b.max && v > *b.max) return what + " " + q(v) + " is above max " + q(*b.max);
  if (b.min && v < *b.min) return what + " " + q(v) + " is below min " + q(*b.min);
  return "";
}

/// "200 sent, 140 received, 30% loss, rtt min/avg/max 0.031/0.052/0.1 ms".
std::string measured_text(const PingOutput& o, double loss) {
  std::string s = std::to_string(o.transmitted) + " sent, " + std::to_string(o.received) +
                  " received, " + format_quantity(loss, QuantityKind::Percent) + " loss";
  if (o.rtt_min_ms && o.rtt_avg_ms && o.rtt_max_ms) {
    char buf[96];
    std::snprintf(buf, sizeof buf, ", rtt min/avg/max %.3g/%.3g/%.3g ms", *o.rtt_min_ms,
                  *o.rtt_avg_ms, *o.rtt_max_ms);
    s += buf;
  }
  return s;
}

std::vector<Measurement> measurements(const PingOutput& o, double loss) {
  std::vector<Measurement> m = {{"sent", static_cast<double>(o.transmitted)},
                                {"received", static_cast<double>(o.received)},
                                {"loss_percent", loss}};
  if (o.rtt_min_ms) m.push_back({"rtt_min_ms", *o.rtt_min_ms});
  if (o.rtt_avg_ms) m.push_back({"rtt_avg_ms", *o.rtt_avg_ms});
  if (o.rtt_max_ms) m.push_back({"rtt_max_ms", *o.rtt_max_ms});
  return m;
}

}  // namespace

namespace {

std::string interval_seconds(int interval_ms) {
  if (interval_ms < 1) interval_ms = 1;
  char interval[32];
  std::snprintf(interval, sizeof interval, "%g", interval_ms / 1000.0);
  return interval;
}

}  // namespace

std::vector<std::string> ping_argv(const IpAddress& address, int count, int interval_ms) {
  return {"ping",       "-c", std::to_string(count < 1 ? 1 : count), "-W",
          "1",          "-i", interval_seconds(interval_ms),         "-n",
          address.str()};
}

std::vector<std::string> reachability_ping_argv(const IpAddress& address, int interval_ms) {
  return {"ping",
          "-c",
          "1",
          "-w",
          std::to_string(kReachabilityDeadlineSeconds),
          "-i",
          interval_seconds(interval_ms),
          "-n",
          address.str()};
}

std::chrono::milliseconds reachability_ping_timeout() {
  return std::chrono::milliseconds(kReachabilityDeadlineSeconds * 1000 + 3000);
}

std::chrono::milliseconds ping_timeout(int count, int interval_ms) {
  if (count < 1) count = 1;
  if (interval_ms < 1) interval_ms = 1;
  return std::chrono::milliseconds(static_cast<long long>(interval_ms) * count + 1000 + 3000);
}

PingOutput parse_ping_output(const std::string& text) {
  PingOutput out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    if (parse_statistics(line, out) || parse_rtt(line, out)) continue;
    if (out.error.empty() && is_error_line(line)) out.error = line;
  }
  return out;
}

CheckResult run_ping(const PingTest& test, const Model& model, const Observed& observed,
                     Processes& processes, ArpProber& arp) {
  CheckResult r;
  bool expect_fail = test.expect == Expect::Fail;
  std::string suffix = expect_fail ? ", expect fail" : "";
  std::string from_ns = netns_of(test.from);
  auto target = resolve_target(model, test.to, observed);
  if (!target.ok()) {
    r.name = "ping " + test.from + " -> " + test.to.str() + suffix;
    r.expected = expect_fail ? "no reply from " + test.to.str() : "reply from " + test.to.str();
    r.actual = target.error().message;
    r.detail = target.error().message;
    return r;
  }
  std::string addr = target->address.str();
  int count = test.count < 1 ? 1 : test.count;
  r.name = "ping " + test.from + " -> " + target->label + suffix;
  r.expected = expect_fail ? "no reply from " + addr : "reply from " + addr;
  if (has_bounds(test)) {
    std::string what;
    if (test.loss) what = bounds_text("loss", *test.loss, QuantityKind::Percent);
    if (test.rtt_ms)
      what += (what.empty() ? "" : ", ") +
              bounds_text("average rtt", *test.rtt_ms, QuantityKind::Duration);
    r.expected = what + " over " + std::to_string(count) + " pings to " + addr;
  }
  if (auto shared = probe_shared_address(test.to, test.from, *target, observed, arp, test.count)) {
    if (shared->error) {
      r.actual = r.detail = *shared->error;
      return r;
    }
    std::string how = " (" + shared->note + ": asked with ARP instead of ping)";
    if (has_bounds(test)) {
      // ARP tells reachability only: there is no rtt or loss of pings to judge.
      r.actual = shared->actual + how + "; rtt and loss cannot be measured that way";
      r.detail = r.actual;
      return r;
    }
    r.actual = shared->actual;
    r.passed = shared->reached != expect_fail;
    if (shared->reached)
      r.detail = (expect_fail ? "got a reply: " : "") + r.actual + how;
    else
      r.detail = expect_fail ? "no reply, as expected" + how : r.actual + how;
    return r;
  }

  bool reachability = count == 1 && !has_bounds(test) && !expect_fail;
  auto run = reachability
                 ? processes.run(from_ns, reachability_ping_argv(target->address, test.interval_ms),
                                 reachability_ping_timeout())
                 : processes.run(from_ns, ping_argv(target->address, count, test.interval_ms),
                                 ping_timeout(count, test.interval_ms));
  if (!run.ok()) {
    // Not an answer from the network: ping itself could not run (or hung).
    r.actual = "ping could not run in " + where(from_ns) + ": " + run.error().message;
    r.detail = r.actual;
    return r;
  }
  PingOutput out = parse_ping_output(run->output);
  bool replied = run->exit_code == 0 && out.received != 0;
  // iputils: 0 = replies, 1 = no reply, 2 = an error such as "Network is
  // unreachable". Anything else (127, a signal) means ping did not work.
  bool no_reply = !replied && (run->exit_code == 1 || run->exit_code == 2);
  double loss = 0;
  if (out.transmitted > 0) {
    loss = 100.0 * (out.transmitted - out.received) / out.transmitted;
    r.measured = measurements(out, loss);
  }
  if (has_bounds(test) && (replied || no_reply)) {
    if (out.transmitted <= 0) {
      r.actual = "no statistics from ping" + (out.error.empty() ? "" : ": " + out.error);
      r.detail = r.actual;
      return r;
    }
    std::vector<std::string> broken;
    if (test.loss) broken.push_back(violation("loss", loss, *test.loss, QuantityKind::Percent));
    if (test.rtt_ms) {
      if (!out.rtt_avg_ms)
        broken.push_back("no reply, so no rtt to measure");
      else
        broken.push_back(
            violation("average rtt", *out.rtt_avg_ms, *test.rtt_ms, QuantityKind::Duration));
    }
    std::erase(broken, std::string());
    r.actual = measured_text(out, loss);
    if (!out.error.empty() && out.received == 0) r.actual += ": " + out.error;
    r.passed = broken.empty();
    r.detail = r.actual + " (" + addr + ")";
    for (const auto& b : broken) r.detail += "; " + b;
    if (!broken.empty()) r.actual = r.detail;
    return r;
  }
  if (replied) {
    r.actual = replies_text(out);
    if (out.rtt_avg_ms) r.actual += ", rtt " + format_ms(*out.rtt_avg_ms);
    r.passed = !expect_fail;
    r.detail = out.rtt_avg_ms ? "rtt " + format_ms(*out.rtt_avg_ms) : "replied";
    if (count > 1 || out.received != out.transmitted) r.detail += ", " + replies_text(out);
    r.detail += " (" + addr + ")";
    if (expect_fail) r.detail = "got a reply: " + r.actual;
    return r;
  }
  if (no_reply) {
    r.actual = "no reply";
    if (out.transmitted >= 0) r.actual += " (" + replies_text(out) + ")";
    if (!out.error.empty()) r.actual += ": " + out.error;
    r.passed = expect_fail;
    r.detail = expect_fail ? "no reply, as expected (" + addr + ")" : r.actual;
    return r;
  }
  std::string tail = trim(run->output);
  r.actual = "ping exited with " + std::to_string(run->exit_code) +
             (tail.empty() ? std::string() : ": " + tail);
  r.detail = r.actual;
  return r;
}

}  // namespace netlab::check
