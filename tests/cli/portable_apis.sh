#!/bin/bash
# SPDX-License-Identifier: MIT
# Linux-only interfaces appear only in the Linux part of the platform layer
# (src/host/platform_linux.c): everything else builds on macOS, the BSDs
# and Windows through src/host/platform.h. Comments are stripped first,
# string literals are not ("/proc/self/exe" counts).
set -u
: "${SRC:?}"
. "$(dirname "$0")/../lib.sh"
cd "$SRC" || exit 1
command -v perl >/dev/null || prereq "perl is not installed"
# The file without its comments (strings and character literals kept).
code_of() {
    perl -0777 -pe 's{/\*.*?\*/|//[^\n]*|("(?:\\.|[^"\\\n])*"|\x27(?:\\.|[^\x27\\\n])*\x27)}{defined $1 ? $1 : " " . ("\n" x ($& =~ tr/\n//))}gse' "$1"
}
apis='pipe2|renameat2|RENAME_NOREPLACE|syncfs|inotify_[a-z0-9_]+|IN_[A-Z_]+|getdents64|SYS_[a-z0-9_]+|syscall|memrchr|epoll_[a-z_]+|O_PATH|O_TMPFILE|dup3|accept4|signalfd|timerfd_[a-z]+|eventfd|prctl|statx|copy_file_range|sendfile|splice|sched_getaffinity|mremap|ppoll|strchrnul|get_current_dir_name|canonicalize_file_name|program_invocation_name|fdatasync|posix_fadvise|fallocate'
headers='sys/inotify\.h|sys/syscall\.h|sys/epoll\.h|linux/|sys/sysmacros\.h|sys/prctl\.h|sys/sendfile\.h|sys/signalfd\.h|sys/timerfd\.h|sys/eventfd\.h|mntent\.h'
# Files still to move onto the layer: the only exceptions, each listed
# (none left: watch.c went onto rp_watch).
pending=''
for f in $(find src cli include -name '*.[ch]' | sort); do
    case " src/host/platform_linux.c $pending " in *" $f "*) continue ;; esac
    hits=$(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*<($headers)" "$f")
    code=$(code_of "$f" | grep -nwE "$apis|/proc/self")
    if [ -n "$hits$code" ]; then
        bad "$f uses a Linux-only interface outside src/host/platform_linux.c:"
        printf '%s\n' "$hits" "$code" | grep . | head -5 >&2
    fi
done
# The exceptions must still need it: a file that no longer does leaves the list.
for f in $pending; do
    [ -f "$f" ] || continue
    if ! code_of "$f" | grep -qwE "$apis|/proc/self" &&
       ! grep -qE "^[[:space:]]*#[[:space:]]*include[[:space:]]*<($headers)" "$f"; then
        bad "$f is portable now: take it off the pending list"
    fi
done
[ "$FAILS" = 0 ] || exit 1
echo "portable_apis: no Linux-only interface outside src/host/platform_linux.c${pending:+ (pending: $pending)}"
