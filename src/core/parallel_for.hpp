// Runs independent jobs on a few threads: observation of many namespaces,
// checks of a lab. The jobs pick indices from a shared counter, so a slow job
// does not hold up the others.
#pragma once

#include <cstddef>
#include <functional>

namespace netlab {

/// Calls job(i) for every i in [0, n) on up to `threads` threads (the calling
/// thread included) and returns when all are done. job must not throw; jobs
/// for different i must be independent.
void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& job);

}  // namespace netlab
