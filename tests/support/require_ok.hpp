// REQUIRE that a netlab Result or Status succeeded, showing its error when not.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#define REQUIRE_OK(expr)                                \
  do {                                                  \
    auto&& r_ = (expr);                                 \
    INFO((r_.ok() ? std::string() : r_.error().str())); \
    REQUIRE(r_.ok());                                   \
  } while (0)
