// Framing of an OVSDB JSON-RPC stream: the peer sends JSON texts back to back
// with no delimiter, and a read may hold half a text or several.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace netlab::ovs {

/// Splits a byte stream of concatenated JSON objects/arrays into complete
/// texts, incrementally: feed() whatever a read returned, then take texts with
/// next(). Only the bytes of texts not yet complete are kept. Whitespace
/// between texts is skipped; anything else outside an object or array is a
/// framing error (the stream cannot be resynchronised).
class JsonStreamSplitter {
 public:
  /// Appends `bytes` and scans them. Returns false on a framing error
  /// (then error() says what; further feeds are ignored).
  bool feed(std::string_view bytes);
  /// The next complete JSON text, or nullopt when none is complete yet.
  std::optional<std::string> next();
  /// Bytes held of an incomplete text.
  std::size_t pending() const { return buf_.size(); }
  /// "" while the stream is well-formed.
  const std::string& error() const { return error_; }

 private:
  std::string buf_;  // bytes of the text being assembled
  std::deque<std::string> ready_;
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
  std::string error_;
};

}  // namespace netlab::ovs
