// Parse times of one topology file in-process, without process start or
// observe: the median of RUNS misses of the parse cache (read, parse, check;
// the entry is encoded only when an up keeps it) and of RUNS hits (the entry
// read back and decoded), in a cache under a temporary directory.
//
//   parse_cache_bench FILE [RUNS=10]
//
// `netlab up --timings` shows the same parse in a whole command; this
// program isolates it for work on the parser (docs/performance.md).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lab/parse_cache.hpp"

namespace fs = std::filesystem;
using netlab::CachedParse;
using netlab::ParseCache;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: parse_cache_bench FILE [RUNS=10]\n");
    return 2;
  }
  const std::string file = argv[1];
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 10;
  std::ifstream in(file);
  if (!in) {
    std::fprintf(stderr, "parse_cache_bench: cannot read %s\n", file.c_str());
    return 1;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();

  char pattern[] = "/tmp/netlab-parse-bench.XXXXXX";
  if (!mkdtemp(pattern)) {
    std::perror("parse_cache_bench: mkdtemp");
    return 1;
  }
  const std::string root = pattern;
  struct RemoveRoot {
    std::string path;
    ~RemoveRoot() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } remove_root{root};
  ParseCache cache(root, "bench");

  // Median milliseconds of `runs` parses, each a hit or a miss as expected.
  auto median_ms = [&](bool want_hit) -> double {
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      CachedParse p = netlab::parse_with_cache(cache, text, file, {});
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (!p.loaded.ok() || p.hit != want_hit) return -1;
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
  };
  const double miss = median_ms(false);
  if (miss < 0) {
    std::fprintf(stderr, "parse_cache_bench: %s does not parse (netlab validate says why)\n",
                 file.c_str());
    return 1;
  }
  CachedParse first = netlab::parse_with_cache(cache, text, file, {});
  const std::string entry = cache.entry(file, {}, text, *first.loaded.topology);
  if (entry.empty() || !cache.store(file, entry)) {
    std::fprintf(stderr, "parse_cache_bench: could not store the cache entry\n");
    return 1;
  }
  const double hit = median_ms(true);
  if (hit < 0) {
    std::fprintf(stderr, "parse_cache_bench: the stored entry did not hit\n");
    return 1;
  }
  std::printf("%s: %zu bytes, entry %zu bytes; miss %.2f ms, hit %.2f ms (medians of %d)\n",
              file.c_str(), text.size(), entry.size(), miss, hit, runs);
  return 0;
}
