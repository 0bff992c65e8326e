// Includes only a header that itself includes only others (as cufftdx.hpp does).
#pragma once
#include "lib/all.hpp"
