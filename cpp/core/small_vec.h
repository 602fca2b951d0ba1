// DimVec: sizes and strides stored inline for up to 6 dims, so making a tensor
// does not allocate for its metadata (Note [Per-op cost]).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <vector>

namespace pag {

class DimVec {
  static constexpr int kInline = 6;
  int64_t inline_[kInline];
  int64_t* data_ = inline_;
  int32_t size_ = 0, cap_ = kInline;

  void grow(int32_t n) {
    int32_t cap = std::max<int32_t>(n, cap_ * 2);
    int64_t* p = new int64_t[cap];
    std::memcpy(p, data_, sizeof(int64_t) * size_);
    if (data_ != inline_) delete[] data_;
    data_ = p;
    cap_ = cap;
  }

 public:
  DimVec() = default;
  explicit DimVec(size_t n, int64_t v = 0) { resize(n, v); }
  DimVec(std::initializer_list<int64_t> l) { assign(l.begin(), l.end()); }
  DimVec(const std::vector<int64_t>& v) { assign(v.data(), v.data() + v.size()); }
  template <typename It> DimVec(It b, It e) { assign(b, e); }
  DimVec(const DimVec& o) { assign(o.begin(), o.end()); }
  DimVec& operator=(const DimVec& o) { if (this != &o) { size_ = 0; assign(o.begin(), o.end()); } return *this; }
  DimVec(DimVec&& o) noexcept { *this = std::move(o); }
  DimVec& operator=(DimVec&& o) noexcept {
    if (this == &o) return *this;
    if (data_ != inline_) delete[] data_;
    data_ = inline_; cap_ = kInline; size_ = 0;
    if (o.data_ != o.inline_) {
      data_ = o.data_; cap_ = o.cap_; size_ = o.size_;
      o.data_ = o.inline_; o.cap_ = kInline; o.size_ = 0;
    } else {
      assign(o.begin(), o.end());
      o.size_ = 0;
    }
    return *this;
  }
  ~DimVec() { if (data_ != inline_) delete[] data_; }

  template <typename It> void assign(It b, It e) {
    size_ = 0;
    int32_t n = static_cast<int32_t>(e - b);
    if (n > cap_) grow(n);
    for (int32_t i = 0; i < n; ++i) data_[i] = static_cast<int64_t>(b[i]);
    size_ = n;
  }
  void resize(size_t n, int64_t v = 0) {
    if ((int32_t)n > cap_) grow((int32_t)n);
    for (int32_t i = size_; i < (int32_t)n; ++i) data_[i] = v;
    size_ = (int32_t)n;
  }
  void push_back(int64_t v) { if (size_ == cap_) grow(size_ + 1); data_[size_++] = v; }
  void insert(size_t pos, int64_t v) {
    push_back(0);
    for (size_t i = size_ - 1; i > pos; --i) data_[i] = data_[i - 1];
    data_[pos] = v;
  }
  void erase(size_t pos) {
    for (size_t i = pos; i + 1 < (size_t)size_; ++i) data_[i] = data_[i + 1];
    --size_;
  }
  void clear() { size_ = 0; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int64_t* data() { return data_; }
  const int64_t* data() const { return data_; }
  int64_t& operator[](size_t i) { return data_[i]; }
  int64_t operator[](size_t i) const { return data_[i]; }
  int64_t& back() { return data_[size_ - 1]; }
  int64_t back() const { return data_[size_ - 1]; }
  int64_t* begin() { return data_; }
  int64_t* end() { return data_ + size_; }
  const int64_t* begin() const { return data_; }
  const int64_t* end() const { return data_ + size_; }
  bool operator==(const DimVec& o) const {
    return size_ == o.size_ && std::equal(begin(), end(), o.begin());
  }
  bool operator!=(const DimVec& o) const { return !(*this == o); }
  std::vector<int64_t> vec() const { return std::vector<int64_t>(begin(), end()); }
};

}  // namespace pag
