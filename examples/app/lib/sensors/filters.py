# SPDX-License-Identifier: MIT
def moving_average(values, width):
    out = []
    for i in range(len(values) - width + 1):
        window = values[i : i + width]
        out.append(round(sum(window) / width, 2))
    return out
