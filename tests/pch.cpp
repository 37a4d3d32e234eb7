// Anchor for the precompiled Catch2 header.
