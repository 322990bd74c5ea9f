# SPDX-License-Identifier: MIT
# A package on /rom/lib.
def summary(values):
    lo = min(values)
    hi = max(values)
    mean = sum(values) / len(values)
    return "min {:.2f} max {:.2f} mean {:.2f} over {} readings".format(lo, hi, mean, len(values))
