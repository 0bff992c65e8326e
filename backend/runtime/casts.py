"""`float32(x)`, `int8(x)`, ... on bound records: calling a Numba scalar type converts through
the record's C++ conversion operator (never a reinterpretation of its bits); with none, the
typing error names the record and the conversions it has."""

from __future__ import annotations

from numba.cuda import types
from numba.cuda.cudadecl import registry as typing_registry
from numba.cuda.typing.templates import AttributeTemplate, make_callable_template

from . import cxx
from .records import RecordType

_TARGETS = cxx.NUMBER_NAMES
_DONE = False


def conversions_text(rt: RecordType) -> str:
    have = sorted(str(t) for t in rt.casts_to)
    return ", ".join(have) if have else "none"


def enable() -> None:
    """Teach every Numba scalar type to convert bound records (once per process).

    Numba consults only the templates of an exact type when there are any, so each
    `NumberClass(T)` gets one that answers records itself and hands everything else to
    Numba's own NumberClass typing."""
    global _DONE
    if _DONE:
        return
    _DONE = True
    for name in _TARGETS:
        target = getattr(types, name, None)
        if target is not None:
            typing_registry.register_attr(_template(types.NumberClass(target)))


def _template(key):
    class _Calls(AttributeTemplate):
        def generic_resolve(self, classty, attr):
            # Numba's own typing of number classes (loaded with the first kernel, not here).
            from numba.cuda.typing.builtins import NumberClassAttribute

            builtin = NumberClassAttribute(self.context)
            if attr != "__call__":
                return builtin.resolve(classty, attr)
            numba_own = builtin.resolve___call__(classty)
            target = classty.instance_type
            context = self.context

            def typer(val):
                if isinstance(val, RecordType):
                    if target in val.casts_to:
                        return target
                    from numba.cuda.core.errors import TypingError

                    raise TypingError(
                        f"{val} has no C++ conversion to {target}; "
                        f"it converts to: {conversions_text(val)}"
                    )
                sig = numba_own.get_call_type(context, (val,), {})
                return sig.return_type if sig is not None else None

            return types.Function(make_callable_template(key=target, typer=typer))

    _Calls.key = key
    return _Calls
