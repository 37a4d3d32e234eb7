// Mermaid flowchart of a topology: the same picture as render_dot (clusters
// become subgraphs). Mermaid ids may only use [A-Za-z0-9_] and must not be a
// keyword ("end"), so every id is a fixed prefix plus the sanitized name,
// made unique with a counter; labels are quoted with Mermaid's #code; entities.
#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "model/render.hpp"
#include "model/render_scene.hpp"

namespace netlab {

namespace {

using render_detail::Scene;
using render_detail::SceneInterface;

/// Text for a quoted Mermaid label: entities for the characters that would
/// end the string or be read as markup; lines joined with <br/>.
std::string text(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "#quot;";
        break;
      case '#':
        out += "#35;";
        break;
      case '<':
        out += "#lt;";
        break;
      case '>':
        out += "#gt;";
        break;
      case '&':
        out += "#amp;";
        break;
      case '|':
        out += "#124;";
        break;
      case '`':
        out += "#96;";
        break;
      case '\n':
        out += "<br/>";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string label(const std::string& title, const std::vector<std::string>& lines) {
  std::string s = "\"<b>" + text(title) + "</b>";
  for (const auto& l : lines) s += "<br/>" + text(l);
  return s + "\"";
}

class MermaidWriter {
 public:
  explicit MermaidWriter(const Topology& t) : t_(t), scene_(render_detail::build_scene(t)) {}

  std::string write() {
    out_ << "---\ntitle: " << text("lab " + t_.name) << "\n---\n"
         << "flowchart LR\n"
         << "  classDef ns fill:#e8f0fe,stroke:#4a78c2\n"
         << "  classDef root fill:#f2f2f2,stroke:#777777\n"
         << "  classDef ovs fill:#fde9b6,stroke:#8a6d1c,stroke-width:2px\n"
         << "  classDef linuxbr fill:#d8f0d8,stroke:#2e6b2e,stroke-width:2px\n"
         << "  classDef note fill:#fffbe6,stroke:#b8a34a\n";
    std::vector<std::string> order;
    for (const auto& ns : scene_.namespaces)
      if (!ns.name.empty()) order.push_back(ns.name);
    for (const auto& i : scene_.interfaces)
      if (!i.ns.empty() && std::find(order.begin(), order.end(), i.ns) == order.end())
        order.push_back(i.ns);
    for (const auto& ns : order) write_namespace(ns);
    write_root();
    write_edges();
    return out_.str();
  }

 private:
  /// A unique Mermaid id for `key`: prefix + name with every other character as '_'.
  std::string mid(const std::string& prefix, const std::string& key) {
    auto it = ids_.find(prefix + "\x1f" + key);
    if (it != ids_.end()) return it->second;
    std::string base = prefix;
    for (char c : key) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      base += ok ? c : '_';
    }
    std::string m = base;
    for (int n = 2; used_.count(m); ++n) m = base + "_" + std::to_string(n);
    used_.insert(m);
    ids_[prefix + "\x1f" + key] = m;
    return m;
  }

  std::string if_mid(const SceneInterface& i) {
    return mid(i.ns.empty() ? "host_" : "if_", i.ns + "/" + i.name);
  }

  const render_detail::SceneNamespace* scene_ns(const std::string& name) const {
    for (const auto& ns : scene_.namespaces)
      if (ns.name == name) return &ns;
    return nullptr;
  }

  void write_interface(const SceneInterface& i) {
    std::vector<std::string> lines = i.lines;
    if (i.vlan_id > 0) lines.insert(lines.begin(), "802.1Q VLAN " + std::to_string(i.vlan_id));
    if (i.internal) lines.insert(lines.begin(), "internal port of " + i.bridge);
    if (!i.port_tag().empty()) lines.push_back(i.port_tag());
    out_ << "    " << if_mid(i) << "(" << label(i.name, lines) << ")\n";
  }

  void write_notes(const std::string& ns) {
    const auto* s = scene_ns(ns);
    if (s && !s->notes.empty()) {
      std::string m = mid("notes_", ns);
      out_ << "    " << m << "[" << label(ns.empty() ? "host settings" : "settings", s->notes)
           << "]:::note\n";
    }
    for (std::size_t n = 0; n < scene_.notes.size(); ++n) {
      const auto& note = scene_.notes[n];
      if (scene_.interfaces[note.interface].ns != ns) continue;
      out_ << "    " << mid("note_", std::to_string(n)) << "[" << label(note.title, note.lines)
           << "]:::note\n";
    }
  }

  void write_namespace(const std::string& name) {
    out_ << "  subgraph " << mid("ns_", name) << "[\"namespace " << text(name) << "\"]\n";
    bool any = false;
    for (const auto& i : scene_.interfaces)
      if (i.ns == name) {
        write_interface(i);
        any = true;
      }
    if (!any) out_ << "    " << mid("lo_", name) << "(" << label("lo", {"127.0.0.1/8"}) << ")\n";
    write_notes(name);
    out_ << "  end\n  class " << mid("ns_", name) << " ns\n";
  }

  void write_root() {
    const auto* root = scene_ns("");
    bool any = !scene_.bridges.empty() || (root && !root->notes.empty());
    for (const auto& i : scene_.interfaces) any = any || i.ns.empty();
    if (!any) return;
    std::string host = mid("root_", "host");
    out_ << "  subgraph " << host << "[\"host (root namespace)\"]\n";
    for (const auto& b : scene_.bridges)
      out_ << "    " << mid("br_", b.bridge->name) << "[[" << label(b.bridge->name, b.lines)
           << "]]:::" << (b.bridge->kind == BridgeKind::Ovs ? "ovs" : "linuxbr") << "\n";
    for (const auto& i : scene_.interfaces)
      if (i.ns.empty()) write_interface(i);
    write_notes("");
    out_ << "  end\n  class " << host << " root\n";
  }

  void write_edges() {
    auto& ifs = scene_.interfaces;
    for (const auto& l : scene_.links)
      out_ << "  " << if_mid(ifs[l.a]) << " ===|\"veth pair\"| " << if_mid(ifs[l.b]) << "\n";
    for (const auto& i : ifs) {
      if (i.bridge.empty()) continue;
      // Like the DOT layout: a veth port before its bridge, the bridge before
      // its internal ports (so clients end up left, servers right).
      std::string t = i.internal ? "internal port" : "port";
      if (!i.port_tag().empty()) t += "\n" + i.port_tag();  // text() makes it <br/>
      std::string br = mid("br_", i.bridge);
      if (i.internal)
        out_ << "  " << br << " -.-|\"" << text(t) << "\"| " << if_mid(i) << "\n";
      else
        out_ << "  " << if_mid(i) << " ---|\"" << text(t) << "\"| " << br << "\n";
    }
    for (const auto& i : ifs) {
      if (i.vlan_parent.empty()) continue;
      int p = scene_.find(i.ns, i.vlan_parent);
      if (p < 0) continue;
      out_ << "  " << if_mid(ifs[p]) << " -.-|\"802.1Q tag " << i.vlan_id << "\"| " << if_mid(i)
           << "\n";
    }
    for (std::size_t n = 0; n < scene_.notes.size(); ++n)
      out_ << "  " << if_mid(ifs[scene_.notes[n].interface]) << " -.- "
           << mid("note_", std::to_string(n)) << "\n";
  }

  const Topology& t_;
  Scene scene_;
  std::map<std::string, std::string> ids_;
  std::set<std::string> used_;
  std::ostringstream out_;
};

}  // namespace

std::string render_mermaid(const Topology& topology) { return MermaidWriter(topology).write(); }

}  // namespace netlab
