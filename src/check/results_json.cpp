// results_json: results for machines (`netlab test -o json`).
#include "netlab/check.hpp"

namespace netlab {

nlohmann::json results_json(const std::string& lab, const std::vector<CheckResult>& results) {
  nlohmann::json list = nlohmann::json::array();
  std::size_t passed = 0, skipped = 0;
  double total = 0;
  for (const auto& r : results) {
    if (r.passed) ++passed;
    if (r.skipped) ++skipped;
    total += r.seconds;
    nlohmann::json measured = nlohmann::json::object();
    for (const auto& m : r.measured) measured[m.name] = m.value;
    list.push_back({{"name", r.name},
                    {"passed", r.passed},
                    {"skipped", r.skipped},
                    {"expected", r.expected},
                    {"actual", r.actual},
                    {"detail", r.detail},
                    {"seconds", r.seconds},
                    {"position", r.pos.known() ? nlohmann::json(r.pos.str()) : nlohmann::json()},
                    {"captures", r.captures},
                    {"measured", measured}});
  }
  return {{"lab", lab},         {"passed", passed}, {"failed", results.size() - passed - skipped},
          {"skipped", skipped}, {"seconds", total}, {"results", list}};
}

}  // namespace netlab
