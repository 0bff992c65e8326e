#pragma once
namespace parts {
struct Number {
  float re, im;
};
}  // namespace parts
