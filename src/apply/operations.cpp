// The operations of a plan against the seams: kernel, OVS, state directory,
// processes, nftables. The crash invariants these calls keep (record before
// create, a failed operation leaves nothing of its own behind) are listed at
// the top of executor.cpp.
#include "apply/operations.hpp"

#include <algorithm>

#include "netlab/dhcp.hpp"
#include "netlab/dhcp_client.hpp"
#include "netlab/nat.hpp"
#include "netlab/service.hpp"

namespace netlab {

void merge(OvsTransaction& into, const OvsTransaction& t) {
  if (into.lab.empty()) into.lab = t.lab;
  auto append = [](auto& a, const auto& b) { a.insert(a.end(), b.begin(), b.end()); };
  append(into.add_bridges, t.add_bridges);
  append(into.add_ports, t.add_ports);
  append(into.set_vlans, t.set_vlans);
  append(into.del_ports, t.del_ports);
  append(into.del_bridges, t.del_bridges);
  append(into.adopt_bridges, t.adopt_bridges);
  append(into.adopt_ports, t.adopt_ports);
  append(into.disown_bridges, t.disown_bridges);
  append(into.disown_ports, t.disown_ports);
}

bool delete_and_add(const OvsTransaction& a, const OvsTransaction& b) {
  auto clash = [](const OvsTransaction& del, const OvsTransaction& add) {
    for (const auto& d : del.del_ports)
      for (const auto& p : add.add_ports)
        if (d.name == p.name) return true;
    for (const auto& d : del.del_bridges)
      for (const auto& p : add.add_bridges)
        if (d == p.name) return true;
    return false;
  };
  return clash(a, b) || clash(b, a);
}

// A process inside a namespace keeps it, and its links (the root end of a
// veth), alive after the name is gone: a service's child that left its
// group (setsid), a shell opened with `netlab exec`. The namespace is the
// lab's, so is what runs in it; it stops before the namespace goes. A
// process that enters after the one scan of a run is not seen.
Status OperationRunner::stop_processes_inside(const std::string& ns) {
  if (!b_.processes) return {};
  auto id = b_.processes->netns_id(ns);
  if (!id) return {};  // no such namespace: the delete says so
  std::call_once(scan_once_, [&] {
    if (auto found = b_.processes->processes_by_netns()) processes_by_netns_ = std::move(*found);
  });
  auto it = processes_by_netns_.find(*id);
  if (it == processes_by_netns_.end()) return {};
  for (int pid : it->second) {
    // Read again: the pid may have ended, or been reused outside, since the scan.
    ProcessInfo info = b_.processes->inspect(pid);
    if (!info.alive || info.netns_id != *id) continue;
    if (auto st = b_.processes->terminate(pid, std::chrono::milliseconds(1000)); !st.ok())
      return make_error(st.error().kind, "stop process " + std::to_string(pid) + " inside netns " +
                                             ns + " before deleting it: " + st.error().message);
  }
  return {};
}

Status OperationRunner::record_root_link(const std::string& ns, const std::string& name) {
  return ns.empty() ? b_.state.record_root_link(name) : Status{};
}

Status OperationRunner::run(const Operation& operation, bool* cleaned) {
  Kernel& k = b_.kernel;
  return std::visit(
      [&](const auto& o) -> Status {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, op::CreateNamespace>) {
          // Record first: a crash between the two leaves a record, never an
          // unowned namespace that `down` would not remove.
          if (auto st = b_.state.record_namespace(o.ns); !st.ok()) return st;
          Status st = k.create_namespace(o.ns);
          // Not made (or someone else's, EEXIST): the record must not claim it.
          if (!st.ok()) (void)b_.state.forget_namespace(o.ns);
          return st;
        } else if constexpr (std::is_same_v<T, op::DeleteNamespace>) {
          if (auto st = stop_processes_inside(o.ns); !st.ok()) return st;
          if (auto st = k.delete_namespace(o.ns); !st.ok() && st.error().sys_errno != ENOENT)
            return st;
          return b_.state.forget_namespace(o.ns);
        } else if constexpr (std::is_same_v<T, op::AdoptNamespace>) {
          return b_.state.record_namespace(o.ns);
        } else if constexpr (std::is_same_v<T, op::ForgetNamespace>) {
          return b_.state.forget_namespace(o.ns);
        } else if constexpr (std::is_same_v<T, op::CreateVeth>) {
          // Root links are recorded before they exist, like namespaces: a
          // lab reads its root links by these names (StateDir::root_links).
          // A record of a link not made stays harmless: what is the lab's
          // is decided by the mark on the link.
          if (auto st = record_root_link(o.req.ns, o.req.name); !st.ok()) return st;
          if (auto st = record_root_link(o.req.peer_ns, o.req.peer_name); !st.ok()) return st;
          return k.create_veth(o.req);
        } else if constexpr (std::is_same_v<T, op::CreateBridge>) {
          if (auto st = record_root_link(o.ns, o.name); !st.ok()) return st;
          return k.create_bridge(o.ns, o.name, o.alias);
        } else if constexpr (std::is_same_v<T, op::CreateVlan>) {
          if (auto st = record_root_link(o.ns, o.name); !st.ok()) return st;
          return k.create_vlan(o.ns, o.name, o.parent, o.id, o.alias);
        } else if constexpr (std::is_same_v<T, op::CreateVxlan>) {
          if (auto st = record_root_link(o.req.ns, o.req.name); !st.ok()) return st;
          return k.create_vxlan(o.req);
        } else if constexpr (std::is_same_v<T, op::DeleteLink>) {
          // Already gone (a veth peer that went with its namespace) is done.
          Status st = k.delete_link(o.ns, o.name);
          if (!st.ok() && st.error().sys_errno != ENODEV) return st;
          // Best effort, as every forget here: a record of a link that is
          // gone costs one by-name request, and a full disk must not keep a
          // rollback from deleting what it made (faults_state.sh, tmpfs).
          if (o.ns.empty()) (void)b_.state.forget_root_link(o.name);
          return {};
        } else if constexpr (std::is_same_v<T, op::ChangeLink>) {
          // A mark set on a root link (--adopt) makes it the lab's.
          if (o.change.alias && !o.change.alias->empty())
            if (auto st = record_root_link(o.ns, o.name); !st.ok()) return st;
          return k.change_link(o.ns, o.name, o.change);
        } else if constexpr (std::is_same_v<T, op::MoveLink>) {
          // Into the root, or out of it: a device moved out of the root
          // (an internal port) may come back when its namespace goes.
          if (auto st = record_root_link(o.to_ns.empty() ? o.to_ns : o.ns, o.name); !st.ok())
            return st;
          return k.move_link(o.ns, o.name, o.to_ns);
        } else if constexpr (std::is_same_v<T, op::AddAddress>) {
          return k.add_address(o.ns, o.ifname, o.address);
        } else if constexpr (std::is_same_v<T, op::DeleteAddress>) {
          return k.delete_address(o.ns, o.ifname, o.address);
        } else if constexpr (std::is_same_v<T, op::AddRoute>) {
          return k.add_route(o.ns, o.route);
        } else if constexpr (std::is_same_v<T, op::DeleteRoute>) {
          return k.delete_route(o.ns, o.route);
        } else if constexpr (std::is_same_v<T, op::WriteSysctl>) {
          if (o.ns.empty()) {
            // Keep the host's value from before the lab, for `down` to restore.
            auto old = k.read_sysctl("", o.key);
            if (!old.ok()) return old.status();
            if (auto st = b_.state.save_host_sysctl(o.key, *old); !st.ok()) return st;
          }
          return k.write_sysctl(o.ns, o.key, o.value);
        } else if constexpr (std::is_same_v<T, op::Ovs>) {
          return apply_ovs(o.txn);
        } else if constexpr (std::is_same_v<T, op::WaitLinksGone>) {
          return k.wait_links_gone(o.ns, o.names, o_.wait_timeout);
        } else if constexpr (std::is_same_v<T, op::StartDaemon>) {
          return start_daemon(o.daemon, cleaned);
        } else if constexpr (std::is_same_v<T, op::StopDaemon>) {
          return stop(o.daemon, o.restart);
        } else if constexpr (std::is_same_v<T, op::ApplyNat>) {
          if (!b_.nat) return make_error(ErrorKind::Bug, "plan changes NAT but has no NAT tables");
          return b_.nat->apply(o.lab, o.rules);
        } else if constexpr (std::is_same_v<T, op::RemoveNat>) {
          if (!b_.nat) return make_error(ErrorKind::Bug, "plan changes NAT but has no NAT tables");
          return b_.nat->remove(o.lab);
        } else if constexpr (std::is_same_v<T, op::SetQdisc>) {
          return k.set_root_qdisc(o.ns, o.name, o.qdisc);
        } else if constexpr (std::is_same_v<T, op::DeleteQdisc>) {
          // Already gone (deleted by hand, or with its link) is done.
          Status st = k.delete_root_qdisc(o.ns, o.name);
          if (!st.ok() && (st.error().sys_errno == ENOENT || st.error().sys_errno == ENODEV))
            return {};
          return st;
        } else if constexpr (std::is_same_v<T, op::SetLoss> || std::is_same_v<T, op::ClearLoss>) {
          if (!b_.loss)
            return make_error(ErrorKind::Bug, "plan changes loss but has no loss tables");
          if constexpr (std::is_same_v<T, op::SetLoss>) {
            // Record first: observe reads the loss tables only where recorded.
            if (auto st = b_.state.record_loss_namespace(o.ns); !st.ok()) return st;
            return b_.loss->set(o.lab, o.ns, o.device, o.ppm);
          } else
            return b_.loss->clear(o.lab, o.ns, o.device);
        }
      },
      operation);
}

Status OperationRunner::start_daemon(const DaemonSpec& d, bool* cleaned) {
  if (!b_.processes) return make_error(ErrorKind::Bug, "plan starts daemons but has no processes");
  // Recorded before it starts: a crash in between leaves a record that
  // `down` follows (it only stops a process that proves to be ours).
  if (auto st = b_.state.record_daemon(d); !st.ok()) return st;
  Status st = start_recorded_daemon(d);
  if (st.ok()) return st;
  // A start that failed may have left a running process (a client without
  // its lease), its files and its record: stop and forget it, so that
  // neither a rollback nor --no-rollback leaves a daemon nobody recorded
  // in a namespace that is about to lose its name.
  if (Status undo = stop(d, false); !undo.ok()) {
    Error e = st.error();
    e.message += "; stopping it again failed too: " + undo.error().str();
    return e;
  }
  if (cleaned) *cleaned = true;
  return st;
}

Status OperationRunner::start_recorded_daemon(const DaemonSpec& d) {
  if (const auto* service = std::get_if<ServiceInstance>(&d.instance)) {
    // Waits until it is ready; on failure it is stopped already, the error
    // quotes its log.
    return start_service(*b_.processes, *service).status();
  }
  if (const auto* server = std::get_if<DnsmasqInstance>(&d.instance)) {
    auto pid = start_dnsmasq(*b_.processes, *server);
    return pid.status();
  }
  const auto& client = std::get<DhclientInstance>(d.instance);
  if (auto st = write_dhclient_files(client); !st.ok()) return st;
  auto pid = start_dhclient(*b_.processes, client);
  if (!pid.ok()) return pid.status();
  // The lab is usable only when the client holds its lease.
  auto lease = wait_for_lease(*b_.processes, client, *pid, o_.lease_timeout);
  if (!lease.ok()) {
    // This process is ours for sure (our unreaped child), whatever its
    // command line says: a wrapper script in PATH runs as /bin/sh, so the
    // stop that follows, which checks the command line, would leave it
    // running (faults_daemons.sh, "dhclient never gets a lease").
    (void)b_.processes->terminate(*pid, std::chrono::milliseconds(1000));
  }
  return lease.status();
}

Status OperationRunner::stop(const DaemonSpec& d, bool restart) {
  if (!b_.processes) return make_error(ErrorKind::Bug, "plan stops daemons but has no processes");
  if (const auto* service = std::get_if<ServiceInstance>(&d.instance)) {
    // A restart appends to the log; a stop for good removes it (the error
    // of a failed start quoted it already).
    if (auto st = stop_service(*b_.processes, *service, restart); !st.ok()) return st;
    if (restart) return {};
    forget_record_of(d);
    return {};
  }
  if (auto st = stop_daemon(*b_.processes, d.pid_file(), d.ns(), d.argv()); !st.ok()) return st;
  if (restart) return {};  // files and record are rewritten by the start that follows
  if (const auto* client = std::get_if<DhclientInstance>(&d.instance)) {
    // The client is gone, its address stays: remove what it leased.
    auto lease = leased_address(*client);
    if (lease.ok() && lease->has_value())
      (void)b_.kernel.delete_address(client->ns, client->interface, (*lease)->address);
    if (auto st = remove_dhclient_files(*client); !st.ok()) return st;
  } else {
    // The lease database stays (down removes the whole state directory):
    // a down killed between the stop of a server and of its clients left
    // clients holding leases their restarted server no longer knew, and
    // the lease assertions failed (faults_kill.sh, down at step 2).
    if (auto st = remove_dnsmasq_files(std::get<DnsmasqInstance>(d.instance), true); !st.ok())
      return st;
  }
  forget_record_of(d);
  return {};
}

void OperationRunner::forget_record_of(const DaemonSpec& d) {
  // The process is stopped and its files are gone: a record left behind is
  // harmless (records are written before a start so that `down` and `up`
  // follow stale ones: they stop only a process that proves to be ours).
  // A failure to rewrite it (a full disk) must not fail the stop, or a
  // rollback would keep the state directory of a lab it removed.
  (void)b_.state.forget_daemon(d.id());
}

Status OperationRunner::apply_ovs(const OvsTransaction& t) {
  if (t.empty()) return {};
  if (!b_.ovs) return make_error(ErrorKind::Bug, "plan has OVS changes but no OVS client");
  return b_.ovs->apply(t, o_.ovs_timeout);
}

Status OperationRunner::undo_ovs(OvsTransaction txn) {
  if (txn.empty() || !b_.ovs) return {};
  auto now = b_.ovs->observe();
  if (!now.ok()) return now.status();
  // Keep only what still applies: delete what exists and is ours, add what is missing.
  const std::string lab = txn.lab;
  std::erase_if(txn.del_ports, [&](const auto& p) {
    const OvsBridgeState* b = now->bridge_of_port(p.name);
    const OvsPortState* port = b ? b->find_port(p.name) : nullptr;
    return !port || port->owner() != lab;
  });
  std::erase_if(txn.del_bridges, [&](const auto& name) {
    const OvsBridgeState* b = now->find_bridge(name);
    return !b || b->owner() != lab;
  });
  std::erase_if(txn.add_bridges,
                [&](const auto& b) { return now->find_bridge(b.name) != nullptr; });
  std::erase_if(txn.add_ports,
                [&](const auto& p) { return now->bridge_of_port(p.name) != nullptr; });
  std::erase_if(txn.set_vlans, [&](const auto& v) {
    const OvsBridgeState* b = now->bridge_of_port(v.name);
    const OvsPortState* port = b ? b->find_port(v.name) : nullptr;
    return !port || port->owner() != lab;
  });
  // Ports of a bridge being deleted go with it.
  std::erase_if(txn.del_ports, [&](const auto& p) {
    return std::find(txn.del_bridges.begin(), txn.del_bridges.end(), p.bridge) !=
           txn.del_bridges.end();
  });
  return apply_ovs(txn);
}

}  // namespace netlab
