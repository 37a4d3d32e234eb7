// A name -> position cache behind the find_* lookups of the model's plain
// vectors, so that resolving every endpoint of a 1000-namespace topology is
// not a quadratic scan (it was ~7% of a no-op `up`'s CPU time).
//
// It is only a cache: every hit is checked against the vector, a miss falls
// back to a scan, and a copy starts empty. So the vectors stay plain public
// members that anyone may change, and a stale cache costs time, never a
// wrong answer.
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
    std::lock_guard lock(mu_);
    positions_.clear();
    data_ = nullptr;
    return *this;
  }
  /// A cache never makes two models differ.
  bool operator==(const NameIndex&) const { return true; }

  /// The first element of `items` whose key_of(element) == key, or nullptr.
  /// Thread-safe for concurrent readers of an unchanging `items`.
  template <class T, class KeyOf>
  const T* find(const std::vector<T>& items, const std::string& key, KeyOf key_of) const {
    std::lock_guard lock(mu_);
    if (data_ != static_cast<const void*>(items.data()) || size_ != items.size())
      rebuild(items, key_of);
    if (auto it = positions_.find(key);
        it != positions_.end() && it->second < items.size() && key_of(items[it->second]) == key)
      return &items[it->second];
    // Absent, or renamed since the cache was built: the scan is the truth.
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (key_of(items[i]) == key) {
        rebuild(items, key_of);
        return &items[i];
      }
    }
    return nullptr;
  }

 private:
  template <class T, class KeyOf>
  void rebuild(const std::vector<T>& items, KeyOf key_of) const {
    positions_.clear();
    positions_.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) positions_.emplace(key_of(items[i]), i);
    data_ = items.data();
    size_ = items.size();
  }

  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, std::size_t> positions_;
  mutable const void* data_ = nullptr;
  mutable std::size_t size_ = 0;
};

}  // namespace netlab
