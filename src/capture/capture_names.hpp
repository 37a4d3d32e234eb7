// The names around a capture: the NS:IF argument of `netlab capture`, and
// file names made of free text (an assertion's name) that are safe on any
// file system and in a CI system's artifact links.
#pragma once

#include <string>

#include "netlab/error.hpp"

namespace netlab::capture {

/// An interface in a namespace: "red:eth0" -> {"red", "eth0"}.
struct InterfaceArg {
  std::string netns;
  std::string interface;
};

/// Splits NS:IF at its first ':'. Errors (kind Process, EINVAL) say what
/// was expected: no ':', an empty side, an interface name the kernel could
/// not have (longer than 15 characters, '/', whitespace).
Result<InterfaceArg> parse_interface_arg(const std::string& text);

/// `text` as a piece of a file name: letters, digits, '.', '-', '+' kept;
/// "->" becomes "to"; every other run of characters one '_'; no leading
/// '.', '-' or '_', no trailing '_'; at most `max_length` characters; never
/// empty ("capture"). "ping red -> blue:eth0 (10.0.0.2)" ->
/// "ping_red_to_blue_eth0_10.0.0.2".
std::string file_name_part(const std::string& text, std::size_t max_length = 100);

/// The default file of `netlab capture` on a terminal: "NS-IF-YYYYmmdd-HHMMSS.pcap"
/// for the local time `when` (seconds since the epoch).
std::string default_capture_file(const InterfaceArg& arg, long long when);

}  // namespace netlab::capture
