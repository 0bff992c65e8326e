// Forwards to its parts, as cuda/std/complex does: the class itself is first included by
// one of them, not by this header.
#pragma once
#include "parts/arg.hpp"
#include "parts/exp.hpp"
