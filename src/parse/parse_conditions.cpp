// `conditions:` of a long-form link or of an interface: a rate, loss, delay
// and friends, each with its unit. Every value is checked here, at its own
// LINE:COL: a negative value, a percentage above 100 %, an unknown unit and
// `rate: 0` are errors (a zero rate would stop the link, which `state: down`
// says plainly).
#include <cmath>
#include <cstdlib>

#include "parse/parse.hpp"
#include "parse/sections.hpp"

namespace netlab {

namespace {

struct Unit {
  const char* name;
  double factor;
};

// "1.5" "gbit" from "1.5gbit"; nullopt when there is no number in front.
std::optional<std::pair<double, std::string>> split_number(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  std::size_t digits = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) {
    if (text[i] != '.') ++digits;
    ++i;
  }
  if (digits == 0) return std::nullopt;
  std::string number(text.substr(0, i));
  char* end = nullptr;
  double v = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || !std::isfinite(v)) return std::nullopt;
  std::string unit(text.substr(i));
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  return std::make_pair(v, unit);
}

std::string unit_list(const std::vector<Unit>& units) {
  std::string s;
  for (const auto& u : units) s += (s.empty() ? "" : ", ") + std::string(u.name);
  return s;
}

// A number with one of `units` (none matches the empty unit unless listed).
// Errors: no number, unknown unit, negative, out of [0, max] after scaling.
std::optional<double> quantity(Reader& r, const yaml::Node& n, const std::string& c,
                               const std::string& key, const std::vector<Unit>& units,
                               const std::string& example, double max,
                               const std::string& max_text) {
  auto text = r.scalar(n, c, key);
  if (!text) return std::nullopt;
  auto split = split_number(*text);
  if (!split) {
    r.error(n.pos, c + ": " + key + " '" + *text + "' is not a number with a unit; write it like " +
                       example);
    return std::nullopt;
  }
  const Unit* unit = nullptr;
  for (const auto& u : units)
    if (split->second == u.name) unit = &u;
  if (!unit) {
    r.error(n.pos, c + ": " + key + " '" + *text + "' has " +
                       (split->second.empty() ? std::string("no unit")
                                              : "an unknown unit '" + split->second + "'") +
                       "; use one of " + unit_list(units) + ", like " + example);
    return std::nullopt;
  }
  if (split->first < 0 || (*text)[0] == '-') {
    r.error(n.pos, c + ": " + key + " '" + *text + "' is negative; write it like " + example);
    return std::nullopt;
  }
  double v = split->first * unit->factor;
  if (v > max) {
    r.error(n.pos, c + ": " + key + " '" + *text + "' is more than " + max_text);
    return std::nullopt;
  }
  return v;
}

const std::vector<Unit> kRateUnits = {{"bit", 1},    {"kbit", 1e3},  {"mbit", 1e6},
                                      {"gbit", 1e9}, {"tbit", 1e12}, {"bps", 8},
                                      {"kbps", 8e3}, {"mbps", 8e6},  {"gbps", 8e9}};
const std::vector<Unit> kSizeUnits = {{"b", 1}, {"kb", 1024}, {"mb", 1024 * 1024}};
const std::vector<Unit> kTimeUnits = {{"us", 1}, {"ms", 1e3}, {"s", 1e6}};
const std::vector<Unit> kPercent = {{"%", 1e4}};  // -> ppm

// tbf's rate travels as 32-bit bytes per second through libnl (and netem's
// as 32 bits too, without the 64-bit attribute): 34 Gbit/s is the ceiling
// both share; 10 times a veth's usual measured throughput here.
constexpr double kMaxRate = 32e9;

std::optional<Located<std::uint32_t>> ppm(Reader& r, const yaml::Node& map, const char* key,
                                          const std::string& c) {
  const auto* v = map.find(key);
  if (!v) return std::nullopt;
  auto q = quantity(r, *v, c, key, kPercent, "0.5%", 1e6, "100%");
  if (!q) return std::nullopt;
  return Located<std::uint32_t>{static_cast<std::uint32_t>(std::llround(*q)), v->pos};
}

std::optional<Located<std::uint32_t>> micros(Reader& r, const yaml::Node& map, const char* key,
                                             const std::string& c) {
  const auto* v = map.find(key);
  if (!v) return std::nullopt;
  // netem keeps delays in 32-bit ticks of the scheduler's clock: an hour is
  // far beyond any lab's need and safely inside.
  auto q = quantity(r, *v, c, key, kTimeUnits, "20ms", 3600e6, "an hour");
  if (!q) return std::nullopt;
  return Located<std::uint32_t>{static_cast<std::uint32_t>(std::llround(*q)), v->pos};
}

std::optional<Located<std::uint32_t>> bytes(Reader& r, const yaml::Node& map, const char* key,
                                            const std::string& c) {
  const auto* v = map.find(key);
  if (!v) return std::nullopt;
  auto q = quantity(r, *v, c, key, kSizeUnits, "32kb", 256.0 * 1024 * 1024, "256mb");
  if (!q) return std::nullopt;
  if (*q < 1) {
    r.error(v->pos, c + ": " + key + " must be at least 1b");
    return std::nullopt;
  }
  return Located<std::uint32_t>{static_cast<std::uint32_t>(std::llround(*q)), v->pos};
}

}  // namespace

std::optional<LinkConditions> parse_conditions(Reader& r, const yaml::Node& n,
                                               const std::string& context) {
  std::string c = context + ", conditions";
  if (!r.expect_map(n, c, "a map like {rate: 10mbit, loss: 1%, delay: 20ms}")) return std::nullopt;
  r.check_keys(n,
               {"rate", "burst", "limit", "loss", "delay", "jitter", "correlation", "duplicate",
                "reorder", "corrupt"},
               c);
  LinkConditions lc;
  lc.pos = n.pos;
  const std::size_t before = r.count();
  if (const auto* v = n.find("rate")) {
    auto zero = v->is_scalar() ? split_number(v->text) : std::nullopt;
    if (zero && zero->first == 0) {
      r.error(v->pos, c + ": rate " + v->text +
                          " would stop all traffic; write state: down on the interface for a "
                          "link that carries nothing, or give a rate like 1mbit");
    } else if (auto q = quantity(r, *v, c, "rate", kRateUnits, "100mbit", kMaxRate, "32gbit")) {
      if (*q < 1) {
        r.error(v->pos, c + ": rate " + v->text +
                            " would stop all traffic; write state: down on the interface for a "
                            "link that carries nothing, or give a rate like 1mbit");
      } else {
        lc.rate = Located<std::uint64_t>{static_cast<std::uint64_t>(std::llround(*q)), v->pos};
      }
    }
  }
  lc.burst = bytes(r, n, "burst", c);
  lc.limit = bytes(r, n, "limit", c);
  lc.loss = ppm(r, n, "loss", c);
  lc.delay = micros(r, n, "delay", c);
  lc.jitter = micros(r, n, "jitter", c);
  lc.correlation = ppm(r, n, "correlation", c);
  lc.duplicate = ppm(r, n, "duplicate", c);
  lc.reorder = ppm(r, n, "reorder", c);
  lc.corrupt = ppm(r, n, "corrupt", c);
  if (r.count() != before) return std::nullopt;
  if ((lc.burst || lc.limit) && !lc.rate) {
    const auto& p = lc.burst ? lc.burst->pos : lc.limit->pos;
    r.error(p, c + ": " + (lc.burst ? "burst" : "limit") +
                   " shapes a rate limit; give rate: too, or drop it");
    return std::nullopt;
  }
  if ((lc.jitter || lc.correlation || lc.reorder) && !lc.delay) {
    const auto& p = lc.jitter        ? lc.jitter->pos
                    : lc.correlation ? lc.correlation->pos
                                     : lc.reorder->pos;
    r.error(p, c + ": " +
                   (lc.jitter        ? "jitter"
                    : lc.correlation ? "correlation"
                                     : "reorder") +
                   " varies a delay; give delay: too");
    return std::nullopt;
  }
  return lc;
}

Result<std::optional<LinkConditions>> parse_conditions_text(std::string_view text,
                                                            const std::string& where) {
  std::vector<Error> errors;
  auto tree = yaml::load_yaml(text, where, errors);
  if (!errors.empty()) return errors.front();
  if (!tree || tree->is_null()) return std::optional<LinkConditions>{};
  Reader r(errors);
  auto c = parse_conditions(r, *tree, where);
  if (!errors.empty()) return errors.front();
  if (!c || c->empty()) return std::optional<LinkConditions>{};
  return c;
}

}  // namespace netlab
