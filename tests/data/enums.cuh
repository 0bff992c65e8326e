// Enums: scoped or not, underlying types, values.
#pragma once

enum Color { Red, Green = 5, Blue };
enum class Round : unsigned char { Nearest = 1, Zero = 2, Up = 4, Down = 8 };
enum Big : unsigned long long { BigMax = 0xFFFFFFFFFFFFFFFFull };
enum Signed : int { Minus = -3, Plus = 3 };
enum { AnonA = 10, AnonB };
