# SPDX-License-Identifier: MIT
# A module on /rom/lib, found through sys.path after boot.
def greet(name):
    return "Hello, {}! This code runs from a memory-mapped ROM image.".format(name)
