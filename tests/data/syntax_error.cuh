// A header with a syntax error on line 4.
#pragma once

__device__ int broken(int x) 
struct After { int a; };
