# SPDX-License-Identifier: MIT
# No frozen modules (the source tarball has no micropython-lib submodule).
FROZEN_MANIFEST ?=
