// Link conditions: per veth end, the root qdisc that shapes its egress
// (tbf, or netem where the kernel has it) and, without netem, the drop on
// the ingress of the other end (the lab's netdev nftables table there). One
// row per end: `~ conditions eth0 (netns red): loss 1% -> 5%`.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "plan/conditions.hpp"
#include "plan/families.hpp"

namespace netlab {

namespace {

// tbf's token bucket when the topology gives none: 10 ms of the rate, at
// least four full frames (a GSO burst of a veth is segmented to fit).
std::uint32_t default_burst(std::uint64_t rate) {
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(rate / 8 / 100, 4 * 1514, 64u << 20));
}
// tbf's queue when the topology gives none: 50 ms of the rate plus the
// burst, at least 64 KiB (TCP's window then fills the pipe, not the queue).
std::uint32_t default_limit(std::uint64_t rate, std::uint32_t burst) {
  return static_cast<std::uint32_t>(
      std::clamp<std::uint64_t>(rate / 8 / 20 + burst, 64u << 10, 256u << 20));
}

std::string rate_text(std::uint64_t bits) {
  const std::pair<std::uint64_t, const char*> units[] = {
      {1000000000, "gbit"}, {1000000, "mbit"}, {1000, "kbit"}};
  for (const auto& [f, u] : units)
    if (bits >= f && bits % f == 0) return std::to_string(bits / f) + u;
  for (const auto& [f, u] : units)
    if (bits >= f) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.3g%s", static_cast<double>(bits) / f, u);
      return buf;
    }
  return std::to_string(bits) + "bit";
}

std::string percent_text(std::uint32_t ppm) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", ppm / 1e4);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s + "%";
}

std::string time_text(std::uint32_t us) {
  if (us % 1000 == 0) return std::to_string(us / 1000) + "ms";
  return std::to_string(us) + "us";
}

// Read back from the kernel, tbf's bucket passes through the scheduler's
// clock ticks and may come back a few bytes off; netem's times likewise.
bool near(std::uint64_t a, std::uint64_t b, std::uint64_t slack) {
  return (a > b ? a - b : b - a) <= slack;
}

bool same_qdisc(const RootQdisc& want, const RootQdisc& have) {
  if (want.kind != have.kind || want.handle != have.handle) return false;
  if (want.kind == "tbf")
    return want.tbf.rate == have.tbf.rate && want.tbf.limit == have.tbf.limit &&
           near(want.tbf.burst, have.tbf.burst, std::max<std::uint64_t>(want.tbf.burst / 100, 8));
  const NetemParams &w = want.netem, &h = have.netem;
  return near(w.delay, h.delay, 1) && near(w.jitter, h.jitter, 1) &&
         near(w.delay_correlation, h.delay_correlation, 1) && near(w.loss, h.loss, 1) &&
         near(w.duplicate, h.duplicate, 1) && near(w.reorder, h.reorder, 1) &&
         near(w.corrupt, h.corrupt, 1) && w.rate == h.rate && w.limit == h.limit;
}

struct End {
  const DesiredLink* want = nullptr;  // nullptr: a stale drop on a device no end asks for
  std::string ns, name;               // the end
};

}  // namespace

std::string conditions_backend(const KernelCapabilities& caps) {
  return caps.netem ? "netem" : "tbf + nftables";
}

RealisedConditions realise(const LinkConditions& c, const KernelCapabilities& caps,
                           std::string& missing) {
  RealisedConditions r;
  missing.clear();
  if (caps.netem) {
    RootQdisc q;
    q.kind = "netem";
    q.handle = kConditionsQdiscHandle;
    NetemParams& n = q.netem;
    n.limit = 1000;
    if (c.rate) n.rate = c.rate->value / 8 * 8;
    if (c.loss) n.loss = c.loss->value;
    if (c.delay) n.delay = c.delay->value;
    if (c.jitter) n.jitter = c.jitter->value;
    if (c.correlation) n.delay_correlation = c.correlation->value;
    if (c.duplicate) n.duplicate = c.duplicate->value;
    if (c.reorder) n.reorder = c.reorder->value;
    if (c.corrupt) n.corrupt = c.corrupt->value;
    r.qdisc = q;
    return r;
  }
  auto lacks = [&](bool given, const char* what) {
    if (given) missing += (missing.empty() ? "" : ", ") + std::string(what);
  };
  lacks(c.delay.has_value(), "delay");
  lacks(c.jitter.has_value(), "jitter");
  lacks(c.correlation.has_value(), "correlation");
  lacks(c.duplicate.has_value(), "duplicate");
  lacks(c.reorder.has_value(), "reorder");
  lacks(c.corrupt.has_value(), "corrupt");
  if (c.rate) {
    if (!caps.tbf) lacks(true, "rate");
    RootQdisc q;
    q.kind = "tbf";
    q.handle = kConditionsQdiscHandle;
    q.tbf.rate = c.rate->value / 8 * 8;  // the kernel keeps bytes per second
    q.tbf.burst = c.burst ? c.burst->value : default_burst(q.tbf.rate);
    q.tbf.limit = c.limit ? c.limit->value : default_limit(q.tbf.rate, q.tbf.burst);
    r.qdisc = q;
  }
  if (c.loss) r.peer_loss = c.loss->value;
  return r;
}

std::string conditions_text(const RealisedConditions& c) {
  std::vector<std::string> parts;
  if (c.qdisc) {
    const RootQdisc& q = *c.qdisc;
    if (q.kind == "tbf") {
      parts.push_back("rate " + rate_text(q.tbf.rate));
    } else if (q.kind == "netem") {
      const NetemParams& n = q.netem;
      if (n.rate) parts.push_back("rate " + rate_text(n.rate));
      if (n.loss) parts.push_back("loss " + percent_text(n.loss));
      if (n.delay) parts.push_back("delay " + time_text(n.delay));
      if (n.jitter) parts.push_back("jitter " + time_text(n.jitter));
      if (n.delay_correlation) parts.push_back("correlation " + percent_text(n.delay_correlation));
      if (n.duplicate) parts.push_back("duplicate " + percent_text(n.duplicate));
      if (n.reorder) parts.push_back("reorder " + percent_text(n.reorder));
      if (n.corrupt) parts.push_back("corrupt " + percent_text(n.corrupt));
    } else {
      parts.push_back("qdisc " + q.kind);
    }
  }
  if (c.peer_loss) parts.push_back("loss " + percent_text(c.peer_loss));
  if (parts.empty()) return "none";
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : ", ") + p;
  return s;
}

void plan_conditions(const DesiredState& d, const LiveState& live, PlanBuilder& b) {
  const KernelCapabilities& caps = b.options().capabilities;
  std::set<std::string> kept_ns{""};
  for (const auto& n : d.namespaces) kept_ns.insert(n.name);
  // Drops the lab has, by (namespace, device); those an end accounts for are erased.
  std::map<std::pair<std::string, std::string>, std::uint32_t> stale_drops;
  if (live.loss)
    for (const auto& [ns, table] : *live.loss)
      for (const auto& c : table.chains) stale_drops[{ns, c.device}] = c.ppm;
  auto live_drop = [&](const std::string& ns, const std::string& dev) -> std::uint32_t {
    if (!live.loss) return 0;
    auto t = live.loss->find(ns);
    if (t == live.loss->end()) return 0;
    const LossChainState* c = t->second.find(dev);
    return c ? c->ppm : 0;
  };

  for (const auto& l : d.links) {
    if (l.kind != LinkKind::Veth) continue;
    const bool fresh = b.link_is_created(l.ns, l.name);
    const LinkState* have = fresh ? nullptr : b.live_link(l.ns, l.name);
    const bool peer_fresh = b.link_is_created(l.peer_ns, l.peer_name);
    stale_drops.erase({l.peer_ns, l.peer_name});
    if (have && !b.may_manage(l, *have)) continue;  // plan_links reports the conflict
    if (!have && !fresh) continue;

    RealisedConditions want;
    if (l.conditions) {
      std::string missing;
      want = realise(*l.conditions, caps, missing);
      if (!missing.empty()) {
        const LinkConditions& c = *l.conditions;
        SourcePos at = c.pos;
        for (const auto* v :
             {&c.corrupt, &c.reorder, &c.duplicate, &c.correlation, &c.jitter, &c.delay})
          if (*v) at = (*v)->pos;  // the first in the file's order of keys netlab reads
        const bool one = missing.find(',') == std::string::npos;
        b.error(ErrorKind::Unsupported,
                "interface " + l.name + " (" + where(l.ns) + "): " + missing +
                    (one ? " needs" : " need") +
                    " the kernel's netem qdisc (sch_netem), which this kernel lacks; load it "
                    "(modprobe sch_netem) or drop " +
                    (one ? "it" : "them") +
                    ". Without netem, netlab does rate (tbf) and loss (nftables) only; "
                    "nothing was changed",
                at);
        continue;
      }
      if (want.peer_loss && l.tx_checksum_off) {
        // The OVS userspace datapath reads its ports through packet sockets,
        // which see a frame before the ingress hook could drop it.
        b.error(ErrorKind::Unsupported,
                "interface " + l.name + " (" + where(l.ns) +
                    "): loss toward an Open vSwitch "
                    "port needs the kernel's netem qdisc (sch_netem), which this kernel lacks; "
                    "put the loss on the link's other end or on a link without OVS",
                l.conditions->loss->pos);
        continue;
      }
    }
    RealisedConditions now;
    if (have && have->qdisc) {
      if (!have->qdisc->ours() && !b.options().adopt) {
        if (want.qdisc)
          b.error(ErrorKind::Conflict,
                  "interface " + l.name + " (" + where(l.ns) + ") has a root qdisc " +
                      have->qdisc->kind + " that netlab did not make (its handle is not " +
                      "4e4c:); remove it (tc qdisc del dev " + l.name +
                      " root) or run with --adopt to replace it",
                  l.pos);
        // Someone else's, not asked to replace: left alone.
      } else {
        now.qdisc = have->qdisc;
      }
    }
    if (!peer_fresh) now.peer_loss = live_drop(l.peer_ns, l.peer_name);
    if (have && have->qdisc && !have->qdisc->ours() && !b.options().adopt) {
      if (want.qdisc) continue;
      want.qdisc.reset();
    }

    const bool qdisc_same = (!want.qdisc && !now.qdisc) ||
                            (want.qdisc && now.qdisc && same_qdisc(*want.qdisc, *now.qdisc));
    const bool loss_same = want.peer_loss == now.peer_loss;
    if (qdisc_same && loss_same) continue;

    Action a;
    a.kind = now.empty()    ? ActionKind::Create
             : want.empty() ? ActionKind::Delete
                            : ActionKind::Modify;
    a.resource = "conditions";
    a.ns = l.ns;
    a.object = l.name;
    // The backend, from the capability probe, is part of the reason.
    std::string with;
    if (want.qdisc) with += want.qdisc->kind;
    if (want.peer_loss)
      with += (with.empty() ? "" : " + ") + std::string("nftables drop on ") + l.peer_name +
              (l.peer_ns.empty() ? "" : " (netns " + l.peer_ns + ")");
    if (!with.empty()) with = "; by " + with;
    if (a.kind == ActionKind::Create)
      a.reason = conditions_text(want) + with;
    else if (a.kind == ActionKind::Delete)
      a.reason = conditions_text(now) + " -> none (not in topology)";
    else
      a.reason = conditions_text(now) + " -> " + conditions_text(want) + with;
    a.pos = l.conditions ? l.conditions->pos : l.pos;
    a.phase = Phase::Configure;
    a.subjects = {{ObjectRef::Kind::Conditions, l.ns, l.name}};
    if (!qdisc_same) {
      if (want.qdisc)
        a.ops.push_back(op::SetQdisc{l.ns, l.name, *want.qdisc});
      else
        a.ops.push_back(op::DeleteQdisc{l.ns, l.name});
      if (now.qdisc)
        a.undo.push_back(op::SetQdisc{l.ns, l.name, *now.qdisc});
      else
        a.undo.push_back(op::DeleteQdisc{l.ns, l.name});
    }
    if (!loss_same) {
      if (want.peer_loss)
        a.ops.push_back(op::SetLoss{d.lab, l.peer_ns, l.peer_name, want.peer_loss});
      else
        a.ops.push_back(op::ClearLoss{d.lab, l.peer_ns, l.peer_name});
      if (now.peer_loss)
        a.undo.insert(a.undo.begin(), op::SetLoss{d.lab, l.peer_ns, l.peer_name, now.peer_loss});
      else
        a.undo.insert(a.undo.begin(), op::ClearLoss{d.lab, l.peer_ns, l.peer_name});
    }
    b.add(std::move(a));
  }

  // Drops of the lab on devices no end of the topology points at, in
  // namespaces that stay (a namespace that goes takes its table along).
  for (const auto& [key, ppm] : stale_drops) {
    const auto& [ns, dev] = key;
    if (!kept_ns.count(ns)) continue;
    Action a;
    a.kind = ActionKind::Delete;
    a.resource = "conditions";
    a.ns = ns;
    a.object = "drop on " + dev;
    a.reason = "loss " + percent_text(ppm) + " owned but no longer in topology";
    a.phase = Phase::Configure;
    a.subjects = {{ObjectRef::Kind::Conditions, ns, "drop on " + dev}};
    a.ops = {op::ClearLoss{d.lab, ns, dev}};
    a.undo = {op::SetLoss{d.lab, ns, dev, ppm}};
    b.add(std::move(a));
  }
}

}  // namespace netlab
