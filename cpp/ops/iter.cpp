#include "ops/iter.h"

#include <numeric>

namespace pag {

kernels::Geometry make_geometry(const Tensor& out, std::initializer_list<const Tensor*> inputs) {
  kernels::Geometry g;
  const int64_t nd = out.dim();
  g.nops = 1 + (int)inputs.size();
  // Per-operand strides aligned to out's dims (bytes; 0 where broadcast).
  DimVec st[kernels::kMaxOperands];
  st[0] = DimVec(nd);
  for (int64_t d = 0; d < nd; ++d) st[0][d] = out.strides()[d] * (int64_t)out.itemsize();
  int k = 1;
  for (const Tensor* t : inputs) {
    st[k] = DimVec(nd, 0);
    int64_t lead = nd - t->dim();
    for (int64_t d = 0; d < t->dim(); ++d)
      if (t->sizes()[d] != 1 || out.sizes()[lead + d] == 1)
        st[k][lead + d] = t->sizes()[d] == 1 ? 0 : t->strides()[d] * (int64_t)t->itemsize();
    ++k;
  }
  // Order dims innermost first: by out's stride ascending (stable, ties keep the later dim inner).
  std::vector<int64_t> perm;
  for (int64_t d = nd - 1; d >= 0; --d)
    if (out.sizes()[d] != 1) perm.push_back(d);
  std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
    return std::abs(st[0][a]) < std::abs(st[0][b]);
  });
  // Drop size-1 dims, then coalesce.
  for (int64_t i : perm) {
    if (out.sizes()[i] == 1) continue;
    int64_t sz = out.sizes()[i];
    if (!g.sizes.empty()) {
      size_t last = g.sizes.size() - 1;
      bool can = true;
      for (int op = 0; op < g.nops; ++op)
        if (st[op][i] != g.strides[op][last] * g.sizes[last]) { can = false; break; }
      if (can) { g.sizes[last] *= sz; continue; }
    }
    g.sizes.push_back(sz);
    for (int op = 0; op < g.nops; ++op) g.strides[op].push_back(st[op][i]);
  }
  if (g.sizes.empty() && out.numel() == 1) {
    g.sizes.push_back(1);
    for (int op = 0; op < g.nops; ++op) g.strides[op].push_back(0);
  }
  if (out.numel() == 0) {
    g.sizes.clear();
    g.sizes.push_back(0);
    for (int op = 0; op < g.nops; ++op) { g.strides[op].clear(); g.strides[op].push_back(0); }
  }
  return g;
}

OperandPtrs operand_ptrs(const Tensor& out, std::initializer_list<const Tensor*> inputs) {
  OperandPtrs r{};
  r.p[0] = static_cast<char*>(out.raw_data());
  int k = 1;
  for (const Tensor* t : inputs) r.p[k++] = static_cast<char*>(t->raw_data());
  return r;
}

}  // namespace pag
