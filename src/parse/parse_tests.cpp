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

std::optional<TestCase> parse_test(Reader& r, const yaml::Node& n) {
  const std::vector<std::string> kinds = {"ping", "lease", "tcp"};
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
  if (kind != "ping" && kind != "lease" && kind != "tcp") {
    std::string h = hint(kind, kinds);
    r.error(key.pos,
            "test: unknown check '" + kind + "'" + (h.empty() ? "; use ping, lease or tcp" : h));
    return std::nullopt;
  }
  if (!body.is_map()) {
    r.error(body.pos, c + ": expected a map of settings, got " + Reader::describe(body));
    return std::nullopt;
  }
  if (kind == "ping") {
    r.check_keys(body, {"from", "to", "expect", "count"}, c);
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
    if (!ok) return std::nullopt;
    tc.check = p;
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
