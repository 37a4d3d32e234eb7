// `conditions:` of a long-form link or of an interface: a rate, loss, delay
// and friends, each with its unit. Every value is checked here, at its own
// LINE:COL: a negative value, a percentage above 100 %, an unknown unit and
// `rate: 0` are errors (a zero rate would stop the link, which `state: down`
// says plainly).
#include <cmath>
#include <cstdlib>

#include "core/quantity.hpp"
#include "parse/parse.hpp"
#include "parse/sections.hpp"

namespace netlab {

namespace {

// A quantity of `kind` in its base unit (bit/s, ms, %, bytes), read by the
// same reader as the assertions' bounds (core/quantity); errors at the
// value's LINE:COL, and above `max`.
std::optional<double> quantity(Reader& r, const yaml::Node& n, const std::string& c,
                               const std::string& key, QuantityKind kind, double max,
                               const std::string& max_text) {
  auto text = r.scalar(n, c, key);
  if (!text) return std::nullopt;
  Quantity q = parse_quantity(*text, kind);
  if (!q.value) {
    r.error(n.pos, c + ": " + key + " " + q.problem);
    return std::nullopt;
  }
  if (*q.value > max) {
    r.error(n.pos, c + ": " + key + " '" + *text + "' is more than " + max_text);
    return std::nullopt;
  }
  return q.value;
}

// tbf's rate travels as 32-bit bytes per second through libnl (and netem's
// as 32 bits too, without the 64-bit attribute): 34 Gbit/s is the ceiling
// both share; 10 times a veth's usual measured throughput here.
constexpr double kMaxRate = 32e9;

std::optional<Located<std::uint32_t>> ppm(Reader& r, const yaml::Node& map, const char* key,
                                          const std::string& c) {
  const auto* v = map.find(key);
  if (!v) return std::nullopt;
  auto q = quantity(r, *v, c, key, QuantityKind::Percent, 100, "100%");
  if (!q) return std::nullopt;
  return Located<std::uint32_t>{static_cast<std::uint32_t>(std::llround(*q * 1e4)), v->pos};
}

std::optional<Located<std::uint32_t>> micros(Reader& r, const yaml::Node& map, const char* key,
                                             const std::string& c) {
  const auto* v = map.find(key);
  if (!v) return std::nullopt;
  // netem keeps delays in 32-bit ticks of the scheduler's clock: an hour is
  // far beyond any lab's need and safely inside.
  auto q = quantity(r, *v, c, key, QuantityKind::Duration, 3600e3, "an hour");
  if (!q) return std::nullopt;
  return Located<std::uint32_t>{static_cast<std::uint32_t>(std::llround(*q * 1e3)), v->pos};
}

std::optional<Located<std::uint32_t>> bytes(Reader& r, const yaml::Node& map, const char* key,
                                            const std::string& c) {
  const auto* v = map.find(key);
  if (!v) return std::nullopt;
  auto q = quantity(r, *v, c, key, QuantityKind::Size, 256.0 * 1024 * 1024, "256mb");
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
    const std::string stops = c + ": rate " + v->text +
                              " would stop all traffic; write state: down on the interface for "
                              "a link that carries nothing, or give a rate like 1mbit";
    // "0" has no unit, but what it says is clear: the zero is the mistake.
    auto zero =
        v->is_scalar() ? parse_quantity(v->text + "bit", QuantityKind::Rate).value : std::nullopt;
    if (zero && *zero == 0) {
      r.error(v->pos, stops);
    } else if (auto q = quantity(r, *v, c, "rate", QuantityKind::Rate, kMaxRate, "32gbit")) {
      if (*q < 1)
        r.error(v->pos, stops);
      else
        lc.rate = Located<std::uint64_t>{static_cast<std::uint64_t>(std::llround(*q)), v->pos};
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
