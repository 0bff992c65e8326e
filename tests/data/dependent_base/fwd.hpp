// A header that only includes the part of the library it stands for (as cuda/atomic does).
#pragma once
#include "impl/ref.hpp"
