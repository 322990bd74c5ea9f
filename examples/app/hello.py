# SPDX-License-Identifier: MIT
# The example app's entry point: `romfs run hello` imports it from /rom.
import greeter
import sensors
from sensors import filters


def main():
    print(greeter.greet("ROMFS"))
    with open("/rom/assets/banner.txt") as f:
        print(f.read().strip())
    readings = [20.5, 21.0, 21.75, 22.5, 22.0, 21.5]
    print("smoothed:", filters.moving_average(readings, 3))
    print(sensors.summary(readings))
    print("loaded from:", greeter.__file__)


main()
