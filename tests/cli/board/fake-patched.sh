# SPDX-License-Identifier: MIT
# The emulated board with one line of Python run first at its friendly
# prompt (to take a feature away, or make a call fail), for session.sh:
# `sh fake-patched.sh 'PYTHON' EMULATOR-ARGS...`.
code=$1
shift
{ printf '%s\r' "$code"; cat; } | node "$(dirname "$0")/../../../board/emulator.mjs" "$@"
