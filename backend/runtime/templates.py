"""C++ templates at typing time, for one module: its function templates
(`function_templates`) and class templates (`class_templates`), and the specializations of
the latter known by C++'s spelling of them (a result type NVRTC gave)."""

from __future__ import annotations

import re

from . import cxx, tables
from .class_templates import ClassTemplateBinding
from .function_templates import function_template, operator_template
from .template_calls import TemplateHost

_INLINE_NAMESPACE = re.compile(r"::(?:_V_[0-9A-Za-z_]+|__v?[0-9]+)::")


class Templates:
    """The template registrations of one module's bindings."""

    def __init__(self, host: TemplateHost):
        self.host = host
        # C++ name of a class template + "<" -> its bindings; IR id -> its bindings
        self._named: dict[str, ClassTemplateBinding] = {}
        self._by_id: dict[str, ClassTemplateBinding] = {}

    def function_template(self, key, overloads) -> None:
        function_template(self.host, key, overloads)

    def class_template(self, t: tables.ClassTemplate, stub) -> None:
        binding = ClassTemplateBinding(self.host, t)
        self._named[t.cpp + "<"] = binding
        self._by_id[t.id] = binding
        binding.bind(stub)

    def operator_template(self, fn, overloads) -> None:
        """Free operator templates over this module's class templates (bound first)."""
        classes = {i: b.inst_cls for i, b in self._by_id.items()}
        operator_template(self.host, fn, overloads, classes)

    def specialization(self, template: str, args: tuple[str, ...], values: dict):
        """The Numba type of the class template `template` (an IR id) specialized with the
        `values` of the names `args` gives its parameters, or None."""
        binding = self._by_id.get(template)
        if binding is None:
            return None
        targs = {}
        for tp, name in zip(binding.t.tparams, args, strict=False):
            if not name or name not in values:
                break
            targs[tp.name] = values[name]
        return binding.instance(targs) if targs else None

    def specialization_class(self, name: str, module: str, doc: str, cpp: str):
        """The Python class of the specialization C++ spells `cpp` (a typedef of it), its
        layout asked of NVRTC when a kernel first uses it."""
        from .class_templates import specialization_class
        from .template_calls import typing_error

        def resolve():
            rt = self.instance_named(cpp)
            if rt is None:
                raise typing_error(f"{name}: {cpp} is no specialization of a bound class template")
            return rt

        return specialization_class(self._by_id, name, module, doc, resolve, self.host.bundle)

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
                    parts = cxx.split_template_args(name[len(prefix) : -1])
                    return binding.named(spelled, binding.read_template_args(parts))
        return None
