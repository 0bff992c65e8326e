"""Stable declaration ids: clang's USR without the parts that vary between runs or releases.

Removed from a USR: the file-name scope clang gives internal-linkage entities
(`c:cuda_bf16.h@F@__hadd#...` -> `c:@F@__hadd#...`, so moving a function between cuda_bf16.h
and cuda_bf16.hpp keeps its id), and inline namespaces (CUB's `CUB_300000_SM_900_NS` changes with
the CCCL release and the target arch). Anonymous records and enums get `<parent id>@anon<N>`,
N counting anonymous declarations of the enclosing scope in source order.
"""

from __future__ import annotations

import re

_FILE_SCOPE = re.compile(r"^c:[^@]*\.[A-Za-z0-9_+]+@")


class IdMaker:
    """Turns cursors into stable ids, remembering inline namespaces and anonymous names."""

    def __init__(self) -> None:
        self.inline_namespaces: set[str] = set()
        self._inline_re: re.Pattern | None = None
        self._inline_qual: re.Pattern | None = None
        self.assigned: dict[str, str] = {}  # USR of an anonymous declaration -> derived id

    def add_inline_namespace(self, name: str) -> None:
        if name and name not in self.inline_namespaces:
            self.inline_namespaces.add(name)
            alt = "|".join(
                re.escape(n) for n in sorted(self.inline_namespaces, key=len, reverse=True)
            )
            self._inline_re = re.compile(rf"@N@(?:{alt})(?=@|$)")
            self._inline_qual = re.compile(rf"\b(?:{alt})::")

    def normalize_usr(self, usr: str) -> str:
        usr = _FILE_SCOPE.sub("c:@", usr)
        if self._inline_re is not None:
            usr = self._inline_re.sub("", usr)
        return usr

    def qualify(self, spelling: str) -> str:
        """Remove inline namespaces from a qualified C++ spelling."""
        if self._inline_qual is not None:
            spelling = self._inline_qual.sub("", spelling)
        return spelling

    def of(self, cursor) -> str:
        usr = cursor.get_usr()
        if usr in self.assigned:
            return self.assigned[usr]
        return self.normalize_usr(usr) if usr else f"c:@?{cursor.spelling}"
