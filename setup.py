# SPDX-License-Identifier: MIT
"""Builds the romfs wheel: the C libraries (shared) and the `romfs` command,
compiled with CMake into build/wheel and installed inside the package as
romfs/_native/{bin,lib,share}, where the command finds its emulated board
(share/romfs/board) and the Python API its libraries. The wheel is tagged
py3-none-<platform>: any Python 3 on this platform, no extension module."""
import os
import re
import shutil
import subprocess
import sysconfig

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:
    from wheel.bdist_wheel import bdist_wheel
except ImportError:  # pragma: no cover
    bdist_wheel = None

HERE = os.path.dirname(os.path.abspath(__file__))


def version():
    with open(os.path.join(HERE, "include", "romfs", "romfs.h")) as f:
        return re.search(r'#define ROMFS_VERSION_STRING "([^"]+)"', f.read()).group(1)


class BuildNative(build_py):
    """build_py, then CMake: build and install romfs into the package."""

    def run(self):
        super().run()
        build = os.environ.get("ROMFS_WHEEL_BUILD", os.path.join(HERE, "build", "wheel"))
        stage = os.path.join(build, "stage")
        shutil.rmtree(stage, ignore_errors=True)
        jobs = os.environ.get("ROMFS_WHEEL_JOBS", "2")
        subprocess.check_call([
            "cmake", "-S", HERE, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
            "-DBUILD_SHARED_LIBS=ON", "-DROMFS_BUILD_CLI=ON", "-DROMFS_BUILD_TESTS=OFF",
            "-DROMFS_INSTALL=ON", "-DROMFS_PACKAGE=ON",
            "-DCMAKE_INSTALL_PREFIX=" + stage, "-DCMAKE_INSTALL_LIBDIR=lib",
            "-DCMAKE_INSTALL_RPATH=$ORIGIN"])
        subprocess.check_call(["cmake", "--build", build, "-j", jobs])
        subprocess.check_call(["cmake", "--install", build, "--strip"])
        pkg = os.path.join(self.build_lib, "romfs")
        init = os.path.join(pkg, "__init__.py")
        with open(init) as f:
            text = f.read()
        with open(init, "w") as f:  # the version once, from romfs.h
            f.write(re.sub(r'__version__ = "[^"]*"', f'__version__ = "{version()}"', text))
        dest = os.path.join(pkg, "_native")
        shutil.rmtree(dest, ignore_errors=True)
        os.makedirs(os.path.join(dest, "lib"))
        shutil.copytree(os.path.join(stage, "bin"), os.path.join(dest, "bin"))
        shutil.copytree(os.path.join(stage, "share", "romfs"), os.path.join(dest, "share", "romfs"))
        # Wheels hold no symbolic links: each library once, under its SONAME.
        lib = os.path.join(stage, "lib")
        for name in sorted(os.listdir(lib)):
            if re.fullmatch(r"libromfs_\w+\.so\.\d+(\.\d+)?", name):
                shutil.copy(os.path.join(lib, name), os.path.join(dest, "lib", name))


cmdclass = {"build_py": BuildNative}
if bdist_wheel is not None:
    class BinaryWheel(bdist_wheel):
        """A platform wheel for any Python 3: the package loads its C code
        with ctypes, so no Python ABI is involved."""

        def finalize_options(self):
            super().finalize_options()
            self.root_is_pure = False

        def get_tag(self):
            return "py3", "none", sysconfig.get_platform().replace("-", "_").replace(".", "_")

    cmdclass["bdist_wheel"] = BinaryWheel

class BinaryDistribution(Distribution):
    """Native code inside: a platform wheel, installed to platlib."""

    def has_ext_modules(self):
        return True


setup(version=version(), cmdclass=cmdclass, distclass=BinaryDistribution)
