#include "parse/reader.hpp"

#include <charconv>

#include "parse/suggest.hpp"

namespace netlab {

std::string ctx(std::string_view context) {
  return context.empty() ? std::string() : std::string(context) + ": ";
}

void Reader::error(const SourcePos& pos, std::string message) {
  errors_.push_back(Error{ErrorKind::InvalidTopology, std::move(message), pos});
}

std::string Reader::describe(const yaml::Node& n) {
  switch (n.kind) {
    case yaml::Kind::Null:
      return "nothing";
    case yaml::Kind::Sequence:
      return "a list";
    case yaml::Kind::Map:
      return "a map";
    case yaml::Kind::Scalar: {
      std::string t = n.text.size() > 40 ? n.text.substr(0, 40) + "..." : n.text;
      return "a scalar '" + t + "'";
    }
  }
  return "something else";
}

bool Reader::expect_map(const yaml::Node& n, std::string_view context, std::string_view what) {
  if (n.is_map() || n.is_null()) return true;
  error(n.pos, ctx(context) + "expected " + std::string(what) + ", got " + describe(n));
  return false;
}

bool Reader::expect_list(const yaml::Node& n, std::string_view context, std::string_view what) {
  if (n.is_seq() || n.is_null()) return true;
  std::string msg = ctx(context) + "expected " + std::string(what) + ", got " + describe(n);
  if (n.is_scalar()) msg += "; write it as a list: [" + n.text + "]";
  error(n.pos, std::move(msg));
  return false;
}

void Reader::check_keys(const yaml::Node& map, const std::vector<std::string>& known,
                        std::string_view context) {
  for (const auto& [k, v] : map.entries) {
    bool ok = false;
    for (const auto& name : known) ok = ok || k.text == name;
    if (ok) continue;
    std::string msg = ctx(context) + "unknown key '" + k.text + "'";
    std::string h = hint(k.text, known);
    if (!h.empty()) {
      msg += h;
    } else {
      msg += "; expected one of: ";
      for (std::size_t i = 0; i < known.size(); ++i) msg += (i ? ", " : "") + known[i];
    }
    error(k.pos, std::move(msg));
  }
}

std::optional<std::string> Reader::scalar(const yaml::Node& n, std::string_view context,
                                          std::string_view what) {
  if (n.is_scalar()) return n.text;
  error(n.pos, ctx(context) + "expected " + std::string(what) + ", got " + describe(n));
  return std::nullopt;
}

std::optional<int> Reader::integer(const yaml::Node& n, std::string_view context,
                                   std::string_view what) {
  if (!n.is_scalar()) {
    error(n.pos,
          ctx(context) + "expected " + std::string(what) + " (a number), got " + describe(n));
    return std::nullopt;
  }
  const std::string& t = n.text;
  int v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (!t.empty() && ec == std::errc::result_out_of_range) {
    error(n.pos, ctx(context) + std::string(what) + " " +
                     (t.size() > 24 ? t.substr(0, 24) + "..." : t) + " is out of range");
    return std::nullopt;
  }
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size()) {
    error(n.pos,
          ctx(context) + "expected " + std::string(what) + " (a whole number), got " + describe(n));
    return std::nullopt;
  }
  if (!n.plain) {
    error(n.pos, ctx(context) + std::string(what) + " must be a number, not the string \"" + t +
                     "\"; remove the quotes");
    return std::nullopt;
  }
  return v;
}

std::optional<bool> Reader::boolean(const yaml::Node& n, std::string_view context,
                                    std::string_view what) {
  if (n.is_scalar() && n.plain) {
    const std::string& t = n.text;
    if (t == "true" || t == "True" || t == "TRUE") return true;
    if (t == "false" || t == "False" || t == "FALSE") return false;
  }
  error(n.pos,
        ctx(context) + "expected true or false for " + std::string(what) + ", got " + describe(n));
  return std::nullopt;
}

std::optional<IpAddress> Reader::address(const yaml::Node& n, std::string_view context,
                                         std::string_view what) {
  auto t = scalar(n, context, what);
  if (!t) return std::nullopt;
  if (auto a = IpAddress::parse(*t)) return a;
  std::string msg =
      ctx(context) + std::string(what) + " '" + *t + "' is not an IPv4 or IPv6 address";
  if (t->find('/') != std::string::npos) msg += "; drop the /prefix length here";
  error(n.pos, std::move(msg));
  return std::nullopt;
}

std::optional<IpPrefix> Reader::prefix(const yaml::Node& n, std::string_view context,
                                       std::string_view what) {
  auto t = scalar(n, context, what);
  if (!t) return std::nullopt;
  if (auto p = IpPrefix::parse(*t)) return p;
  std::string msg =
      ctx(context) + std::string(what) + " '" + *t + "' is not an address with a prefix length";
  if (t->find('/') == std::string::npos && IpAddress::parse(*t)) {
    msg +=
        "; add the prefix length, e.g. " + *t + (t->find(':') == std::string::npos ? "/24" : "/64");
  } else {
    msg += " (like 10.0.0.1/24 or fd00::1/64)";
  }
  error(n.pos, std::move(msg));
  return std::nullopt;
}

}  // namespace netlab
