#include <algorithm>
#include <cmath>

#include "core/quantity.hpp"
#include "parse/sections.hpp"
#include "parse/suggest.hpp"

namespace netlab {

namespace {

std::optional<Target> parse_target(Reader& r, const yaml::Node& n, const std::string& c) {
  auto text = r.scalar(n, c, "NS:IF or an address for to");
  if (!text) return std::nullopt;
  Target t;
  t.pos = n.pos;
  if (auto a = IpAddress::parse(*text)) {
    t.address = *a;
    return t;
  }
  auto colon = text->find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text->size()) {
    r.error(n.pos, c + ": to '" + *text +
                       "' is neither NS:IF (like blue:eth0) nor an IPv4 or IPv6 address");
    return std::nullopt;
  }
  t.endpoint = Endpoint{text->substr(0, colon), text->substr(colon + 1), n.pos};
  return t;
}

std::optional<Expect> parse_expect(Reader& r, const yaml::Node& map, const std::string& c) {
  const auto* v = map.find("expect");
  if (!v) return Expect::Success;
  auto text = r.scalar(*v, c, "success or fail for expect");
  if (!text) return std::nullopt;
  if (*text == "success") return Expect::Success;
  if (*text == "fail") return Expect::Fail;
  r.error(v->pos, c + ": expect '" + *text + "' is unknown; use success or fail" +
                      hint(*text, {"success", "fail"}));
  return std::nullopt;
}

// `from:` and `to:` of ping and tcp.
bool parse_from_to(Reader& r, const yaml::Node& body, const std::string& c, std::string& from,
                   SourcePos& from_pos, Target& to) {
  bool ok = true;
  if (const auto* f = require(r, body, "from", c, "the namespace, or host, to test from")) {
    from_pos = f->pos;
    auto name = r.scalar(*f, c, "a namespace name for from");
    ok = ok && name;
    if (name) from = *name;
  } else {
    ok = false;
  }
  if (const auto* tn = require(r, body, "to", c, "NS:IF or an address")) {
    auto target = parse_target(r, *tn, c);
    ok = ok && target;
    if (target) to = *target;
  } else {
    ok = false;
  }
  return ok;
}

/// One quantity with its unit, or an error at its position.
std::optional<double> parse_value(Reader& r, const yaml::Node& n, const std::string& c,
                                  const std::string& key, QuantityKind kind) {
  auto text = r.scalar(n, c, key);
  if (!text) return std::nullopt;
  Quantity q = parse_quantity(*text, kind);
  if (!q.value) r.error(n.pos, c + ": " + key + " " + q.problem);
  return q.value;
}

/// `min:` and `max:` of `map` (either may be absent), each a quantity of
/// `kind`; min must not exceed max. `what` names them in errors ("rtt").
std::optional<Bounds> parse_min_max(Reader& r, const yaml::Node& map, const std::string& c,
                                    const std::string& what, QuantityKind kind) {
  Bounds b;
  b.pos = map.pos;
  bool ok = true;
  std::string prefix = what.empty() ? "" : what + " ";
  for (const char* key : {"min", "max"}) {
    const auto* v = map.find(key);
    if (!v) continue;
    auto value = parse_value(r, *v, c, prefix + key, kind);
    ok = ok && value;
    (std::string(key) == "min" ? b.min : b.max) = value;
  }
  if (ok && b.min && b.max && *b.min > *b.max) {
    r.error(map.find("max")->pos, c + ": " + prefix + "max " + format_quantity(*b.max, kind) +
                                      " is below " + prefix + "min " +
                                      format_quantity(*b.min, kind));
    ok = false;
  }
  if (!ok) return std::nullopt;
  return b;
}

/// `rtt: {max: 5ms}`, `loss: {min: 20%, max: 40%}`: a map of min and/or max.
std::optional<Bounds> parse_bounds(Reader& r, const yaml::Node& n, const std::string& c,
                                   const std::string& what, QuantityKind kind) {
  std::string example = kind == QuantityKind::Percent ? "{max: 5%}" : "{max: 5ms}";
  if (!n.is_map() || n.entries.empty()) {
    r.error(n.pos, c + ": " + what + " expects bounds like " + what + ": " + example +
                       " (min, max or both), got " + Reader::describe(n));
    return std::nullopt;
  }
  r.check_keys(n, {"min", "max"}, c + ", " + what);
  return parse_min_max(r, n, c, what, kind);
}

/// The settings of a `ping:`; `c` is "ping test".
std::optional<PingTest> parse_ping(Reader& r, const yaml::Node& body, const std::string& c) {
  r.check_keys(body, {"from", "to", "expect", "count", "interval", "rtt", "loss"}, c);
  PingTest p;
  bool ok = parse_from_to(r, body, c, p.from, p.from_pos, p.to);
  auto e = parse_expect(r, body, c);
  ok = ok && e;
  if (e) p.expect = *e;
  if (const auto* v = body.find("count")) {
    auto count = r.integer(*v, c, "count");
    if (count && (*count < 1 || *count > 1000)) {
      r.error(v->pos, c + ": count " + std::to_string(*count) + " is out of range 1-1000");
      count.reset();
    }
    ok = ok && count;
    if (count) p.count = *count;
  }
  if (const auto* v = body.find("interval")) {
    double ms = parse_value(r, *v, c, "interval", QuantityKind::Duration).value_or(-1);
    if (ms < 0) {
      ok = false;
    } else if (ms < 1 || ms > 10000) {
      r.error(v->pos, c + ": interval " + format_quantity(ms, QuantityKind::Duration) +
                          " is out of range 1ms-10s");
      ok = false;
    } else {
      p.interval_ms = static_cast<int>(std::lround(ms));
    }
  }
  if (const auto* v = body.find("rtt")) {
    p.rtt_ms = parse_bounds(r, *v, c, "rtt", QuantityKind::Duration);
    ok = ok && p.rtt_ms;
  }
  if (const auto* v = body.find("loss")) {
    p.loss = parse_bounds(r, *v, c, "loss", QuantityKind::Percent);
    ok = ok && p.loss;
  }
  // A bound measures the replies; expect: fail says there are none.
  if (p.expect == Expect::Fail && (body.find("rtt") || body.find("loss"))) {
    r.error(body.find("expect")->pos,
            c + ": expect: fail cannot go with rtt or loss bounds (they measure the replies); "
                "for a link that drops everything write loss: {min: 100%}");
    ok = false;
  }
  if (!ok) return std::nullopt;
  return p;
}

/// The settings of a `throughput:`; `c` is "throughput test".
std::optional<ThroughputTest> parse_throughput(Reader& r, const yaml::Node& body,
                                               const std::string& c) {
  r.check_keys(body, {"from", "to", "duration", "min", "max"}, c);
  ThroughputTest p;
  bool ok = parse_from_to(r, body, c, p.from, p.from_pos, p.to);
  if (const auto* v = body.find("duration")) {
    double ms = parse_value(r, *v, c, "duration", QuantityKind::Duration).value_or(-1);
    // libiperf measures whole seconds; the cap keeps `netlab test` short.
    if (ms < 0) {
      ok = false;
    } else if (ms < 1000 || ms > kMaxThroughputSeconds * 1000.0 || std::fmod(ms, 1000) != 0) {
      r.error(v->pos, c + ": duration " + format_quantity(ms, QuantityKind::Duration) +
                          " must be whole seconds from 1s to " +
                          std::to_string(kMaxThroughputSeconds) + "s");
      ok = false;
    } else {
      p.duration_s = static_cast<int>(ms / 1000);
    }
  }
  auto b = parse_min_max(r, body, c, "", QuantityKind::Rate);
  ok = ok && b;
  if (b) p.bits_per_second = *b;
  p.bits_per_second.pos = body.pos;
  if (!ok) return std::nullopt;
  return p;
}

std::optional<TestCase> parse_test(Reader& r, const yaml::Node& n) {
  const std::vector<std::string> kinds = {"ping", "lease", "tcp", "throughput"};
  if (!n.is_map() || n.entries.size() != 1) {
    r.error(n.pos, "test: expected one check like {ping: {from: red, to: blue:eth0}}, got " +
                       (n.is_map() ? "a map of " + std::to_string(n.entries.size()) + " keys"
                                   : Reader::describe(n)));
    return std::nullopt;
  }
  const auto& [key, body] = n.entries.front();
  const std::string& kind = key.text;
  std::string c = kind + " test";
  TestCase tc;
  tc.pos = n.pos;
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
    std::string h = hint(kind, kinds);
    r.error(key.pos, "test: unknown check '" + kind + "'" +
                         (h.empty() ? "; use ping, lease, tcp or throughput" : h));
    return std::nullopt;
  }
  if (!body.is_map()) {
    r.error(body.pos, c + ": expected a map of settings, got " + Reader::describe(body));
    return std::nullopt;
  }
  if (kind == "ping") {
    auto p = parse_ping(r, body, c);
    if (!p) return std::nullopt;
    tc.check = *p;
  } else if (kind == "tcp") {
    r.check_keys(body, {"from", "to", "port", "expect"}, c);
    TcpTest p;
    bool ok = parse_from_to(r, body, c, p.from, p.from_pos, p.to);
    auto e = parse_expect(r, body, c);
    ok = ok && e;
    if (e) p.expect = *e;
    if (const auto* v = require(r, body, "port", c, "the TCP port to connect to")) {
      auto port = r.integer(*v, c, "port");
      if (port && (*port < 1 || *port > 65535)) {
        r.error(v->pos, c + ": port " + std::to_string(*port) + " is out of range 1-65535");
        port.reset();
      }
      ok = ok && port;
      if (port) p.port = *port;
    } else {
      ok = false;
    }
    if (!ok) return std::nullopt;
    tc.check = p;
  } else if (kind == "throughput") {
    auto p = parse_throughput(r, body, c);
    if (!p) return std::nullopt;
    tc.check = *p;
  } else {
    r.check_keys(body, {"client", "server"}, c);
    LeaseTest p;
    bool ok = true;
    if (const auto* v = require(r, body, "client", c, "NS:IF of the dhcp: true interface")) {
      auto ep = parse_endpoint(r, *v, c);
      ok = ok && ep;
      if (ep) p.client = *ep;
    } else {
      ok = false;
    }
    if (const auto* v = require(r, body, "server", c, "the namespace of the DHCP server")) {
      p.server_pos = v->pos;
      auto s = r.scalar(*v, c, "a namespace name for server");
      ok = ok && s;
      if (s) p.server = *s;
    } else {
      ok = false;
    }
    if (!ok) return std::nullopt;
    tc.check = p;
  }
  return tc;
}

}  // namespace

void parse_tests(Reader& r, const yaml::Node& section, Topology& t) {
  if (!r.expect_list(section, "tests", "a list of tests (- ping: {from: red, to: blue:eth0})")) {
    return;
  }
  for (const auto& item : section.items) {
    if (auto tc = parse_test(r, item)) t.tests.push_back(std::move(*tc));
  }
}

}  // namespace netlab
