// constexpr variables and object-like macros with literal values.
#pragma once

constexpr int kWarp = 32;
constexpr float kHalf = 0.5f;
constexpr double kPi = 3.141592653589793;
constexpr bool kEnabled = true;
constexpr unsigned long long kAllOnes = 0xFFFFFFFFFFFFFFFFull;
static const int kStatic = -7;
const char *const kName = "numbast";

#define SAMPLE_INT 42
#define SAMPLE_HEX 0x7F80U
#define SAMPLE_NEG (-1)
#define SAMPLE_FLOAT 1.5e3f
#define SAMPLE_STRING "hello"
#define SAMPLE_CHAR 'x'
#define SAMPLE_BOOL true
#define SAMPLE_EXPR (SAMPLE_INT * 2)
#define SAMPLE_FUNC(x) ((x) + 1)
#define SAMPLE_EMPTY
