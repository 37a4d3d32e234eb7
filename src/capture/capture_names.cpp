#include "capture/capture_names.hpp"

#include <cerrno>
#include <ctime>

namespace netlab::capture {

Result<InterfaceArg> parse_interface_arg(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::Process,
                      "'" + text + "': " + why + " (expected NS:IF, e.g. red:eth0)", EINVAL);
  };
  std::size_t colon = text.find(':');
  if (colon == std::string::npos) return bad("no ':' between namespace and interface");
  InterfaceArg a{text.substr(0, colon), text.substr(colon + 1)};
  if (a.netns.empty()) return bad("no namespace before ':'");
  if (a.interface.empty()) return bad("no interface after ':'");
  // IFNAMSIZ is 16 with the terminating NUL; the kernel refuses '/', ':'
  // and whitespace in a name.
  if (a.interface.size() > 15) return bad("an interface name has at most 15 characters");
  for (char ch : a.interface)
    if (ch == '/' || ch == ':' || static_cast<unsigned char>(ch) <= ' ')
      return bad("'" + a.interface + "' is not an interface name");
  return a;
}

std::string file_name_part(const std::string& text, std::size_t max_length) {
  std::string out;
  bool gap = false;  // a run of dropped characters is pending
  auto put = [&](const std::string& s) {
    if (gap && !out.empty()) out += '_';
    gap = false;
    out += s;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                ch == '.' || ch == '-' || ch == '+';
    if (ch == '-' && i + 1 < text.size() && text[i + 1] == '>') {
      gap = true;
      put("to");
      gap = true;
      ++i;
    } else if (!keep || (out.empty() && (ch == '.' || ch == '-'))) {
      gap = true;
    } else {
      put(std::string(1, ch));
    }
  }
  if (out.size() > max_length) out.resize(max_length);
  while (!out.empty() && (out.back() == '_')) out.pop_back();
  return out.empty() ? "capture" : out;
}

std::string default_capture_file(const InterfaceArg& arg, long long when) {
  std::time_t t = static_cast<std::time_t>(when);
  std::tm tm{};
  localtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  return file_name_part(arg.netns) + "-" + file_name_part(arg.interface) + "-" + stamp + ".pcap";
}

}  // namespace netlab::capture
