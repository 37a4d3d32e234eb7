// A name -> position cache behind the find_* lookups of the model's plain
// vectors, so that resolving every endpoint of a 1000-namespace topology is
// not a quadratic scan (it was ~7% of a no-op `up`'s CPU time).
//
// Every hit is checked against the vector (a stale position is found out and
// the cache rebuilt), the cache is rebuilt when the vector moves or changes
// size, and a copy starts empty. A miss is trusted: it used to be confirmed
// by a scan of every element, in case one had been renamed in place to the
// key, and endpoint_kind misses for every bridge end, so a 1000-host
// validate spent ~16% of its time comparing names (issue 15). So whoever
// renames elements in place, rather than building a new vector, calls
// invalidate() (Topology::names_changed()) before the next lookup; then a
// stale cache costs time, never a wrong answer.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace netlab {

class NameIndex {
 public:
  NameIndex() = default;
  NameIndex(const NameIndex&) {}
  NameIndex& operator=(const NameIndex&) {
    invalidate();
    return *this;
  }
  /// A cache never makes two models differ.
  bool operator==(const NameIndex&) const { return true; }

  /// Forgets every position: the keys of the elements changed in place.
  void invalidate() const {
    std::lock_guard lock(mu_);
    positions_.clear();
    data_ = nullptr;
    size_ = 0;
    built_ = false;
  }

  /// The first element of `items` whose key_of(element) == key, or nullptr.
  /// Thread-safe for concurrent readers of an unchanging `items`.
  template <class T, class KeyOf>
  const T* find(const std::vector<T>& items, const std::string& key, KeyOf key_of) const {
    std::lock_guard lock(mu_);
    if (!built_ || data_ != static_cast<const void*>(items.data()) || size_ != items.size())
      rebuild(items, key_of);
    auto it = positions_.find(key);
    if (it == positions_.end()) return nullptr;
    if (key_of(items[it->second]) == key) return &items[it->second];
    // Renamed in place since the cache was built: the cache of today's names decides.
    rebuild(items, key_of);
    it = positions_.find(key);
    return it == positions_.end() ? nullptr : &items[it->second];
  }

 private:
  template <class T, class KeyOf>
  void rebuild(const std::vector<T>& items, KeyOf key_of) const {
    positions_.clear();
    positions_.reserve(items.size());
    // emplace keeps the first of equal keys: the element a scan would find.
    for (std::size_t i = 0; i < items.size(); ++i) positions_.emplace(key_of(items[i]), i);
    data_ = items.data();
    size_ = items.size();
    built_ = true;
  }

  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, std::size_t> positions_;
  mutable const void* data_ = nullptr;
  mutable std::size_t size_ = 0;
  mutable bool built_ = false;
};

}  // namespace netlab
