"""Storing: the half of the target side that writes a practice's settings where its application reads them.

``_base.Store.apply`` is the one algorithm every store follows (lock, compare, write, read
back, undo, masked diff, backup); each store module supplies only its primitives. Beside
them: the canonical settings, atomic files, locks, file attributes and SELinux contexts.
"""
