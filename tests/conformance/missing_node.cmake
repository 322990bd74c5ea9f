# SPDX-License-Identifier: MIT
# Run in place of a conformance test when Node.js was not found at configure
# time: the suite must fail, never skip, without its oracle.
message(FATAL_ERROR "conformance: node not found: install Node.js 20, run `npm ci` in the repository root, and re-run cmake")
