# SPDX-License-Identifier: MIT
"""romfs.Board: placeholder until the board library is bound (see _native)."""
Board = list_boards = None
