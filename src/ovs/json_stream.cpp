#include "ovs/json_stream.hpp"

#include "ovs/messages.hpp"

namespace netlab::ovs {

bool JsonStreamSplitter::feed(std::string_view bytes) {
  if (!error_.empty()) return false;
  for (char c : bytes) {
    if (depth_ == 0) {
      // Between texts: only whitespace, or the start of the next text.
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
      if (c != '{' && c != '[') {
        error_ = std::string("unexpected byte '") + c + "' between JSON-RPC messages";
        buf_.clear();
        return false;
      }
      buf_.push_back(c);
      depth_ = 1;
      continue;
    }
    buf_.push_back(c);
    if (in_string_) {
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string_ = true;
        break;
      case '{':
      case '[':
        ++depth_;
        break;
      case '}':
      case ']':
        if (--depth_ == 0) {
          ready_.push_back(std::move(buf_));
          buf_.clear();
        }
        break;
      default:
        break;
    }
  }
  return true;
}

std::optional<std::string> JsonStreamSplitter::next() {
  if (ready_.empty()) return std::nullopt;
  std::string text = std::move(ready_.front());
  ready_.pop_front();
  return text;
}

}  // namespace netlab::ovs
