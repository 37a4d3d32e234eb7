// Graphviz DOT of a topology. Layout is left to right: namespaces that are
// clients of a bridge on the left, the root namespace with its bridges in the
// middle, namespaces reached through internal ports on the right. Labels are
// HTML-like (bold names, small detail lines), so every piece of user text
// goes through html(); node ids are quoted DOT strings through id().
#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/text.hpp"
#include "model/render.hpp"
#include "model/render_scene.hpp"

namespace netlab {

namespace {

using render_detail::Scene;
using render_detail::SceneInterface;

/// A quoted DOT id: backslash and double quote escaped.
std::string id(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

/// Text inside an HTML-like label: XML-escaped, a newline a line break.
std::string html(const std::string& s) { return xml_escape(s, "<BR/>"); }

constexpr const char* kFont = "Helvetica";
constexpr const char* kVlanColors[] = {"#c0392b", "#1f5fa8", "#2e8b3a", "#8e44ad",
                                       "#d35400", "#16808a", "#a0522d", "#c2185b"};

std::string if_id(const SceneInterface& i) { return id("if:" + i.ns + "/" + i.name); }

/// <B>title</B> then each line small.
std::string label(const std::string& title, const std::vector<std::string>& lines,
                  const std::string& color = "") {
  std::string s = "<<B>" + html(title) + "</B>";
  for (const auto& l : lines) {
    s += "<BR/><FONT POINT-SIZE=\"12\"";
    if (!color.empty()) s += " COLOR=\"" + color + "\"";
    s += ">" + html(l) + "</FONT>";
  }
  return s + ">";
}

class DotWriter {
 public:
  explicit DotWriter(const Topology& t) : t_(t), scene_(render_detail::build_scene(t)) {}

  std::string write() {
    out_ << "graph " << id("lab " + t_.name) << " {\n"
         << "  graph [rankdir=LR, fontname=\"" << kFont << "\", fontsize=16, labelloc=t, "
         << "nodesep=0.25, ranksep=0.7, pad=0.3, newrank=true,\n"
         << "         label=<<B>lab " << html(t_.name) << "</B>>];\n"
         << "  node [fontname=\"" << kFont << "\", fontsize=14, shape=box, "
         << "style=\"rounded,filled\", fillcolor=\"white\", color=\"#555555\", "
            "margin=\"0.12,0.05\"];\n"
         << "  edge [fontname=\"" << kFont << "\", fontsize=11, color=\"#444444\"];\n";
    assign_vlan_colors();
    // Namespaces in file order, then owners only referenced (invalid files), then the root.
    std::vector<std::string> order;
    for (const auto& ns : scene_.namespaces)
      if (!ns.name.empty()) order.push_back(ns.name);
    for (const auto& i : scene_.interfaces)
      if (!i.ns.empty() && std::find(order.begin(), order.end(), i.ns) == order.end())
        order.push_back(i.ns);
    for (std::size_t k = 0; k < order.size(); ++k) write_namespace(k, order[k]);
    write_root();
    write_edges();
    out_ << "}\n";
    return out_.str();
  }

 private:
  void assign_vlan_colors() {
    auto add = [&](int v) {
      if (v > 0 && !vlan_color_.count(v))
        vlan_color_[v] = kVlanColors[vlan_color_.size() % std::size(kVlanColors)];
    };
    for (const auto& i : scene_.interfaces) add(i.access_vlan);
  }

  std::string vlan_color(const SceneInterface& i) const {
    auto it = vlan_color_.find(i.access_vlan);
    return it == vlan_color_.end() ? "" : it->second;
  }

  const render_detail::SceneNamespace* scene_ns(const std::string& name) const {
    for (const auto& ns : scene_.namespaces)
      if (ns.name == name) return &ns;
    return nullptr;
  }

  void write_interface(const SceneInterface& i, const std::string& indent) {
    std::vector<std::string> lines = i.lines;
    if (i.vlan_id > 0) lines.insert(lines.begin(), "802.1Q VLAN " + std::to_string(i.vlan_id));
    if (i.internal) lines.insert(lines.begin(), "internal port of " + i.bridge);
    std::string tag = i.port_tag();
    std::string color = vlan_color(i);
    if (!tag.empty()) lines.push_back(tag);
    out_ << indent << if_id(i) << " [label=" << label(i.name, lines);
    if (!color.empty()) out_ << ", color=\"" << color << "\", penwidth=2";
    if (i.unresolved) out_ << ", style=\"rounded,dashed\", tooltip=\"not created by the lab\"";
    out_ << "];\n";
  }

  void write_notes(const std::vector<std::string>& notes, const std::string& key,
                   const std::string& indent) {
    if (notes.empty()) return;
    out_ << indent << id("notes:" + key) << " [shape=note, style=filled, fillcolor=\"#fffbe6\", "
         << "fontsize=12, label=" << label(key.empty() ? "host settings" : "settings", notes)
         << "];\n";
  }

  // A server or NAT note sits in the same column as its interface, under it,
  // so the picture stays narrow.
  void write_server_notes(const std::string& ns, const std::string& indent) {
    for (std::size_t n = 0; n < scene_.notes.size(); ++n) {
      const auto& note = scene_.notes[n];
      const auto& i = scene_.interfaces[note.interface];
      if (i.ns != ns) continue;
      std::string nid = id("note:" + std::to_string(n));
      out_ << indent << nid
           << " [shape=note, style=filled, fillcolor=\"#eef7ee\", fontsize=12, label="
           << label(note.title, note.lines) << "];\n"
           << indent << "{ rank=same; " << if_id(i) << "; " << nid << "; }\n";
    }
  }

  void write_namespace(std::size_t k, const std::string& name) {
    out_ << "  subgraph " << id("cluster_ns_" + std::to_string(k)) << " {\n"
         << "    label=<<B>namespace " << html(name) << "</B>>;\n"
         << "    style=\"rounded,filled\"; fillcolor=\"#e8f0fe\"; color=\"#4a78c2\"; "
            "penwidth=1.5;\n";
    bool any = false;
    for (const auto& i : scene_.interfaces)
      if (i.ns == name) {
        write_interface(i, "    ");
        any = true;
      }
    if (!any)  // a fresh namespace has only its own loopback
      out_ << "    " << id("lo:" + name)
           << " [label=" << label("lo", {"127.0.0.1/8", "(only loopback)"}) << "];\n";
    if (const auto* ns = scene_ns(name)) write_notes(ns->notes, name, "    ");
    write_server_notes(name, "    ");
    out_ << "  }\n";
  }

  void write_root() {
    const auto* root = scene_ns("");
    bool any = !scene_.bridges.empty() || (root && !root->notes.empty());
    for (const auto& i : scene_.interfaces) any = any || i.ns.empty();
    if (!any) return;
    out_ << "  subgraph \"cluster_host\" {\n"
         << "    label=<<B>host</B> (root namespace)>;\n"
         << "    style=\"rounded,filled\"; fillcolor=\"#f2f2f2\"; color=\"#777777\"; "
            "penwidth=1.5;\n";
    for (const auto& b : scene_.bridges) {
      bool ovs = b.bridge->kind == BridgeKind::Ovs;
      out_ << "    " << id("br:" + b.bridge->name) << " [shape=box, style=\"filled,bold\", "
           << "fillcolor=\"" << (ovs ? "#fde9b6" : "#d8f0d8") << "\", penwidth=2, "
           << "margin=\"0.25,0.12\", label=" << label(b.bridge->name, b.lines) << "];\n";
    }
    for (const auto& i : scene_.interfaces)
      if (i.ns.empty()) write_interface(i, "    ");
    if (root) write_notes(root->notes, "", "    ");
    write_server_notes("", "    ");
    out_ << "  }\n";
  }

  void edge(const std::string& tail, const std::string& head, const std::string& attrs) {
    out_ << "  " << tail << " -- " << head << " [" << attrs << "];\n";
  }

  void write_edges() {
    const auto& ifs = scene_.interfaces;
    // Which port ends are the `a` end of a link between two root-namespace
    // ends (bridge-bridge): their bridge is drawn before them.
    std::set<int> bridge_first;
    for (const auto& l : scene_.links) {
      const auto &a = ifs[l.a], &b = ifs[l.b];
      std::string attrs = "label=\"veth pair\", penwidth=2";
      std::string color = vlan_color(a).empty() ? vlan_color(b) : vlan_color(a);
      if (!color.empty()) attrs += ", color=\"" + color + "\", fontcolor=\"" + color + "\"";
      if (a.ns.empty() && b.ns.empty() && !a.bridge.empty()) bridge_first.insert(l.a);
      if (a.ns.empty() && !b.ns.empty())
        edge(if_id(b), if_id(a), attrs);
      else
        edge(if_id(a), if_id(b), attrs);
    }
    for (std::size_t k = 0; k < ifs.size(); ++k) {
      const auto& i = ifs[k];
      if (i.bridge.empty()) continue;
      std::string br = id("br:" + i.bridge);
      std::string color = vlan_color(i);
      std::string attrs = "penwidth=2";
      // The tag is written on the port node; the edge only carries its colour.
      attrs += std::string(", label=") + (i.internal ? "\"internal port\"" : "\"port\"");
      if (i.internal) attrs += ", style=dashed";
      if (!color.empty()) attrs += ", color=\"" + color + "\", fontcolor=\"" + color + "\"";
      if (i.internal || bridge_first.count(static_cast<int>(k)))
        edge(br, if_id(i), attrs);
      else
        edge(if_id(i), br, attrs);
    }
    for (const auto& i : ifs) {
      if (i.vlan_parent.empty()) continue;
      int p = scene_.find(i.ns, i.vlan_parent);
      if (p < 0) continue;
      edge(if_id(ifs[p]), if_id(i),
           "style=dashed, label=" + id("802.1Q tag " + std::to_string(i.vlan_id)));
    }
    for (std::size_t n = 0; n < scene_.notes.size(); ++n)
      edge(if_id(ifs[scene_.notes[n].interface]), id("note:" + std::to_string(n)),
           "style=dotted, color=\"#2e8b3a\"");
  }

  const Topology& t_;
  Scene scene_;
  std::map<int, std::string> vlan_color_;
  std::ostringstream out_;
};

}  // namespace

std::string render_dot(const Topology& topology) { return DotWriter(topology).write(); }

}  // namespace netlab
