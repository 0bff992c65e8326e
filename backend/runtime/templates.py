"""C++ templates at typing time, for one module: its function templates
(`function_templates`) and class templates (`class_templates`), and the specializations of
the latter known by C++'s spelling of them (a result type NVRTC gave)."""

from __future__ import annotations

import re

from . import tables
from .class_templates import ClassTemplateBinding
from .function_templates import function_template
from .template_calls import TemplateHost

_INLINE_NAMESPACE = re.compile(r"::(?:_V_[0-9A-Za-z_]+|__v?[0-9]+)::")


class Templates:
    """The template registrations of one module's bindings."""

    def __init__(self, host: TemplateHost):
        self.host = host
        # C++ name of a class template + "<" -> its bindings
        self._named: dict[str, ClassTemplateBinding] = {}

    def function_template(self, key, overloads) -> None:
        function_template(self.host, key, overloads)

    def class_template(self, t: tables.ClassTemplate, stub) -> None:
        binding = ClassTemplateBinding(self.host, t)
        self._named[t.cpp + "<"] = binding
        binding.bind(stub)

    def instance_named(self, spelled: str):
        """The Numba type of a specialization of a bound class template, spelled as C++
        spells it (a result type NVRTC gave), or None."""
        # C++ may spell the class template inside an inline namespace that the tables leave
        # out (CCCL's `thrust::_V_300500_SM_900::complex`, libcu++'s `cuda::std::__4::`).
        head = spelled.split("<", 1)[0]
        plain = _INLINE_NAMESPACE.sub("::", head) + spelled[len(head) :]
        for prefix, binding in self._named.items():
            for name in (spelled, plain):
                if name.startswith(prefix) and name.endswith(">"):
                    parts = _split_template_args(name[len(prefix) : -1])
                    return binding.named(spelled, binding.read_template_args(parts))
        return None


def _split_template_args(text: str) -> list[str]:
    """`float, Pair<int, 2>, 3u` -> ["float", "Pair<int, 2>", "3u"] (top-level commas)."""
    parts, depth, start = [], 0, 0
    for k, ch in enumerate(text):
        if ch in "<([":
            depth += 1
        elif ch in ">)]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:k].strip())
            start = k + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]
