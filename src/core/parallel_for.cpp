#include "core/parallel_for.hpp"

#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>
#include <vector>

namespace netlab {

void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& job) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < n; i = next++) job(i);
  };
  std::size_t extra = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(1, threads))) - 1;
  if (n == 0) return;
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < extra; ++t) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // no more threads: the ones we have finish the work
    }
  }
  worker();
  for (auto& t : pool) t.join();
}

}  // namespace netlab
