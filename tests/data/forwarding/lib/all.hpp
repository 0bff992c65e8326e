#pragma once
#include "detail/real.hpp"
#include <cuda_fp16.h>  // the toolkit's: never followed into
