#!/bin/sh
# SPDX-License-Identifier: MIT
# Every libFuzzer target (tests/fuzz/) for a short, bounded time, after
# replaying the inputs that once crashed it. `make test` builds them
# (make fuzz-build); LW_FUZZ_SECONDS sets the time per target (default 10).
cd "${LW_TOP:-.}" || exit 2
exec sh tests/fuzz/run.sh "${LW_FUZZ_SECONDS:-10}"
