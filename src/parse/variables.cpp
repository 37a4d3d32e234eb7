#include "parse/variables.hpp"

namespace netlab {

namespace {

bool name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

// The position of byte `offset` of a scalar: exact for a plain scalar on one
// line (its text stands in the file as written), the scalar's start otherwise.
SourcePos at(const yaml::Node& n, std::size_t offset) {
  SourcePos p = n.pos;
  if (n.plain && n.text.find('\n') == std::string::npos) p.column += static_cast<int>(offset);
  return p;
}

void expand_scalar(yaml::Node& n, const std::map<std::string, std::string>& values,
                   std::vector<Error>& errors) {
  const std::string& s = n.text;
  if (s.find('$') == std::string::npos) return;
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s.compare(i, 3, "$${") == 0) {  // a literal "${"
      out += "${";
      i += 3;
      continue;
    }
    if (s.compare(i, 2, "${") != 0) {
      out += s[i++];
      continue;
    }
    std::size_t close = s.find('}', i + 2);
    std::size_t name_end = i + 2;
    while (name_end < s.size() && name_char(s[name_end])) ++name_end;
    const std::string name = s.substr(i + 2, name_end - i - 2);
    const bool has_default = s.compare(name_end, 2, ":-") == 0;
    if (close == std::string::npos || name.empty() || !name_start(name[0]) ||
        (!has_default && name_end != close)) {
      errors.push_back(Error{ErrorKind::InvalidTopology,
                             "malformed variable reference in '" + s +
                                 "': write ${NAME} or ${NAME:-default} (NAME: letters, digits, "
                                 "'_'), or $${ for a literal ${",
                             at(n, i)});
      return;
    }
    if (auto it = values.find(name); it != values.end()) {
      out += it->second;
    } else if (has_default) {
      out += s.substr(name_end + 2, close - name_end - 2);
    } else {
      errors.push_back(Error{ErrorKind::InvalidTopology,
                             "variable '" + name + "' is not defined: give it with --var " + name +
                                 "=VALUE, in a --vars file, or as NETLAB_VAR_" + name +
                                 " in the environment, or write ${" + name + ":-default}",
                             at(n, i)});
      return;
    }
    i = close + 1;
  }
  n.text = std::move(out);
}

void walk(yaml::Node& n, const std::map<std::string, std::string>& values,
          std::vector<Error>& errors) {
  switch (n.kind) {
    case yaml::Kind::Scalar:
      expand_scalar(n, values, errors);
      break;
    case yaml::Kind::Sequence:
      for (auto& item : n.items) walk(item, values, errors);
      break;
    case yaml::Kind::Map:
      for (auto& [key, value] : n.entries) walk(value, values, errors);  // keys stay
      break;
    case yaml::Kind::Null:
      break;
  }
}

}  // namespace

void expand_variables(yaml::Node& root, const std::map<std::string, std::string>& values,
                      std::vector<Error>& errors) {
  walk(root, values, errors);
}

std::string variable_name_problem(const std::string& name) {
  if (name.empty()) return "is empty";
  if (!name_start(name[0])) return "must start with a letter or '_'";
  for (char c : name)
    if (!name_char(c)) return "may contain only letters, digits and '_'";
  return "";
}

}  // namespace netlab
