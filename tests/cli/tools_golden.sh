#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Reading the golden images through the command agrees with manifest.json
# (entries, sizes, sha256 of every file); the trees are in tools_tree.sh.
. "$(dirname "$0")/lib-tools.sh"
command -v node >/dev/null || prereq "node is not installed (Debian: nodejs)"
node "$(dirname "$0")/golden_read.mjs" "$ROMFS" "$G" || bad "golden images differ from the manifest"
finish
