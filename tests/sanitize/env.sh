# Sourced by scripts/test.sh and scripts/fuzz.sh (and by hand, before running
# build-asan binaries): how the sanitizers report, and their suppressions.
# Every suppression is for third-party code and says why in its file.
_sanitize_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# detect_leaks: LeakSanitizer at exit (on by default with ASan; said here).
# halt_on_error: the first finding ends the process, so the test fails.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=0:strict_init_order=1:check_initialization_order=1
export LSAN_OPTIONS=suppressions=$_sanitize_dir/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$_sanitize_dir/ubsan.supp
unset _sanitize_dir
