// Packet capture on an interface inside a lab namespace, written as a pcap
// file (libpcap; no tcpdump process, no shell): what `netlab capture` and
// `netlab test --capture` use, and what a test fixture can hold.
//
// The capture socket is opened by a thread of its own that enters the
// namespace first: a packet socket stays bound to the namespace it was made
// in, and no other thread (least of all the caller's) changes namespace.
// The same thread then reads the packets and writes the file until stopped.
//
//     auto cap = netlab::Capture::start({.netns = "red", .interface = "eth0",
//                                        .path = "/tmp/red-eth0.pcap"});
//     if (!cap) ...;            // cap.error(): no such interface, a bad filter, ...
//     ... traffic ...
//     auto stats = (*cap)->stop();  // every packet captured so far is in the file
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "netlab/error.hpp"

namespace netlab {

struct CaptureOptions {
  /// Named network namespace (/run/netns/NAME); "" = this process's own.
  std::string netns{};
  /// The interface in that namespace; "any" = all of them (Linux cooked
  /// frames instead of Ethernet, as with tcpdump -i any).
  std::string interface {};
  /// A BPF filter in pcap-filter(7) syntax; "" = every packet.
  std::string filter{};
  /// The pcap file written (created or truncated); "-" = standard output.
  std::string path{};
  /// Stop after this many packets; 0 = no limit.
  std::uint64_t max_packets = 0;
  /// Bytes kept of each packet (tcpdump's default).
  int snaplen = 262144;
  /// The kernel's ring buffer for the capture, in bytes: room for bursts
  /// between two reads. Setting it up costs time in proportion (the kernel
  /// clears it): small for short, quiet captures.
  int buffer_bytes = 2 << 20;
};

struct CaptureStats {
  std::uint64_t packets = 0;  ///< written to the file
  std::uint64_t dropped = 0;  ///< dropped by the kernel (buffer full), as pcap_stats says
};

/// A running capture; destroying it stops it (the file stays, complete).
class Capture {
 public:
  /// Opens `options.interface` inside `options.netns`, compiles the filter
  /// and creates the file; returns once packets are being captured, so that
  /// traffic sent after it returns is in the file. Errors name the interface
  /// and say why: no such interface or namespace, a filter pcap cannot
  /// compile (with pcap's message), a file that cannot be written.
  static Result<std::unique_ptr<Capture>> start(CaptureOptions options);

  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  /// Ends the capture: the packets the kernel holds for it are written,
  /// the file flushed and closed (a valid pcap file). Later calls return
  /// the same result. An error says what broke while capturing (the
  /// interface went away, the file could not be written).
  Result<CaptureStats> stop();

  /// Whether the capture has ended on its own: `max_packets` reached, or
  /// an error (which stop() returns).
  bool finished() const;
  /// Waits up to `timeout` for finished(); returns finished().
  bool wait_finished(std::chrono::milliseconds timeout) const;
  /// Packets written so far.
  std::uint64_t packets() const;
  const CaptureOptions& options() const;

 private:
  struct Impl;
  explicit Capture(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace netlab
