// The micro-kernels and packers, written once against a vector-operations class V
// (simd_avx512.h, simd_avx2.h, or the portable one in ukernel_generic.cpp) and
// instantiated by each ISA file, which compiles them with its own -m flags.
//
// Note [GEMM micro-tile]: the tile is MR = 2 vectors of C rows by NR columns.
// Each k step loads two vectors of the A micro-panel, broadcasts NR values of the
// B micro-panel and issues 2 * NR independent FMAs into 2 * NR accumulators, which
// is enough independent work to cover the FMA latency. C is stored column by column
// (a column of the tile is MR consecutive rows), so the driver hands the kernels
// a "column-stored" C; a row-major C is computed as C^T = B^T A^T (Note [GEMM frame]).
#pragma once
#include <cstdint>

#include "kernels/gemm/kernel.h"

#define PAG_GEMM_INLINE inline __attribute__((always_inline))

namespace pag::kernels::gemm {
namespace {  // internal linkage: each ISA file gets its own copy

template <class V, int NR>
struct GemmKernels {
  using T = typename V::T;
  using R = typename V::R;
  using M = typename V::M;
  static constexpr int W = V::W;
  static constexpr int MR = 2 * W;

  // C = alpha * acc + beta * X on the tile's mr x nr part.
  static PAG_GEMM_INLINE void epilogue(const R* c0, const R* c1, const Tile<T>& t) {
    const bool has_x = t.beta != T(0);
    if (t.rsc == 1 && (!has_x || t.rsx == 1 || t.rsx == 0)) {
      const R va = V::set1(t.alpha), vb = V::set1(t.beta);
      const bool full = t.mr == MR;
      const M m0 = V::mask(t.mr), m1 = V::mask(t.mr - W);
#pragma GCC unroll 16
      for (int j = 0; j < NR; ++j) {
        if (j >= t.nr) break;
        T* cp = t.c + j * t.csc;
        R r0 = V::mul(c0[j], va), r1 = V::mul(c1[j], va);
        if (has_x) {
          const T* xp = t.x + j * t.csx;
          R x0, x1;
          if (t.rsx == 0) {
            x0 = x1 = V::set1(*xp);
          } else if (full) {
            x0 = V::loadu(xp);
            x1 = V::loadu(xp + W);
          } else {
            x0 = V::loadu(xp, m0);
            x1 = V::loadu(xp + W, m1);
          }
          r0 = V::fmadd(x0, vb, r0);
          r1 = V::fmadd(x1, vb, r1);
        }
        if (full) {
          V::storeu(cp, r0);
          V::storeu(cp + W, r1);
        } else {
          V::storeu(cp, m0, r0);
          V::storeu(cp + W, m1, r1);
        }
      }
      return;
    }
    alignas(64) T buf[NR * MR];
#pragma GCC unroll 16  // constant indices keep the accumulators out of memory
    for (int j = 0; j < NR; ++j) {
      V::store(buf + j * MR, c0[j]);
      V::store(buf + j * MR + W, c1[j]);
    }
    for (int j = 0; j < t.nr; ++j)
      for (int i = 0; i < t.mr; ++i) {
        T v = t.alpha * buf[j * MR + i];
        if (has_x) v += t.beta * t.x[i * t.rsx + j * t.csx];
        t.c[i * t.rsc + j * t.csc] = v;
      }
  }

  // One tile: the k loop over an A micro-panel whose MR rows are contiguous, lda
  // apart per k (kPackedA: a packed, aligned panel, lda == MR; kMaskA: fewer than
  // MR rows exist), and a packed B micro-panel, then the epilogue. The
  // accumulators live in this one function so the compiler keeps all 2 * NR of
  // them in registers.
  template <bool kPackedA, bool kMaskA>
  static PAG_GEMM_INLINE void tile(int64_t kc, const T* __restrict a, int64_t lda, const T* __restrict b,
                                   const Tile<T>& t) {
    R c0[NR], c1[NR];
#pragma GCC unroll 16
    for (int j = 0; j < NR; ++j) c0[j] = c1[j] = V::zero();
    const M m0 = V::mask(t.mr), m1 = V::mask(t.mr - W);
    if (kPackedA && t.rsc == 1)
      for (int j = 0; j < t.nr; ++j) {
        __builtin_prefetch(t.c + j * t.csc, 1);
        __builtin_prefetch(t.c + j * t.csc + MR - 1, 1);
      }
#pragma GCC unroll 4
    for (int64_t p = 0; p < kc; ++p) {
      R a0, a1;
      if constexpr (kPackedA) {
        __builtin_prefetch(a + 8 * MR);
        a0 = V::load(a);
        a1 = V::load(a + W);
        a += MR;
      } else if constexpr (kMaskA) {
        a0 = V::loadu(a, m0);
        a1 = V::loadu(a + W, m1);
        a += lda;
      } else {
        a0 = V::loadu(a);
        a1 = V::loadu(a + W);
        a += lda;
      }
#pragma GCC unroll 16
      for (int j = 0; j < NR; ++j) {
        const R bj = V::set1(b[j]);
        c0[j] = V::fmadd(a0, bj, c0[j]);
        c1[j] = V::fmadd(a1, bj, c1[j]);
      }
      b += NR;
    }
    epilogue(c0, c1, t);
  }

  static void packed(int64_t kc, const T* a, const T* b, const Tile<T>& t) { tile<true, false>(kc, a, MR, b, t); }

  // The small-matrix path: A read in place (masked past mr rows), so it is never packed.
  static void unpacked_a(int64_t kc, const T* a, int64_t lda, const T* b, const Tile<T>& t) {
    if (t.mr == MR)
      tile<false, false>(kc, a, lda, b, t);
    else
      tile<false, true>(kc, a, lda, b, t);
  }

  // Copies `rows` (<= P) strided rows of length kc into a k-major P-wide panel:
  // dst[k * P + r] = src[r * rs + k * cs], zero for r >= rows. The two layouts
  // with a unit stride move whole vectors (straight, or W x W register transposes).
  template <int P>
  static PAG_GEMM_INLINE void pack_panel(int rows, int64_t kc, const T* src, int64_t rs, int64_t cs, T* dst) {
    constexpr int NV = (P + W - 1) / W;  // vectors per k row of the panel
    if (rs == 1) {
      M lm[NV], sm[NV];
      for (int v = 0; v < NV; ++v) {
        lm[v] = V::mask(rows - v * W);
        sm[v] = V::mask(P - v * W);
      }
      const bool full = rows == P && P % W == 0;
      for (int64_t k = 0; k < kc; ++k) {
        const T* s = src + k * cs;
        T* d = dst + k * P;
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
          if (full) {
            V::storeu(d + v * W, V::loadu(s + v * W));
          } else {
            V::storeu(d + v * W, sm[v], V::loadu(s + v * W, lm[v]));
          }
        }
      }
    } else if (cs == 1) {
      M sm[NV];
      for (int v = 0; v < NV; ++v) sm[v] = V::mask(P - v * W);
      for (int64_t k0 = 0; k0 < kc; k0 += W) {
        const int kw = kc - k0 < W ? int(kc - k0) : W;
        const M km = V::mask(kw);
        for (int v = 0; v < NV; ++v) {
          R r[W];
          for (int q = 0; q < W; ++q) {
            const int row = v * W + q;
            const T* s = src + row * rs + k0;
            r[q] = row >= rows ? V::zero() : kw == W ? V::loadu(s) : V::loadu(s, km);
          }
          V::transpose(r);
          for (int q = 0; q < kw; ++q) {
            if (P % W == 0)
              V::storeu(dst + (k0 + q) * P + v * W, r[q]);
            else
              V::storeu(dst + (k0 + q) * P + v * W, sm[v], r[q]);
          }
        }
      }
    } else {
      for (int64_t k = 0; k < kc; ++k)
        for (int r = 0; r < P; ++r) dst[k * P + r] = r < rows ? src[r * rs + k * cs] : T(0);
    }
  }

  static void pack_a(int64_t mc, int64_t kc, const T* a, int64_t rs, int64_t cs, T* dst) {
    for (int64_t i = 0; i < mc; i += MR, dst += MR * kc)
      pack_panel<MR>(mc - i < MR ? int(mc - i) : MR, kc, a + i * rs, rs, cs, dst);
  }

  static void pack_b(int64_t kc, int64_t nc, const T* b, int64_t rs, int64_t cs, T* dst) {
    // Column j of B is row j of B^T: the same panel copy with the strides swapped.
    for (int64_t j = 0; j < nc; j += NR, dst += NR * kc)
      pack_panel<NR>(nc - j < NR ? int(nc - j) : NR, kc, b + j * cs, cs, rs, dst);
  }

  // Four rows at a time, two accumulators per row: eight independent FMA chains
  // while each load of x serves four rows.
  static void gemv_rows(int64_t m, int64_t k, const T* a, int64_t lda, const T* x, T* y, int64_t incy) {
    const int64_t kv = k / W * W;
    const M tail = V::mask(int(k - kv));
    int64_t i = 0;
    for (; i + 4 <= m; i += 4) {
      const T* r0 = a + i * lda;
      const T* r1 = r0 + lda;
      const T* r2 = r1 + lda;
      const T* r3 = r2 + lda;
      R s0 = V::zero(), s1 = V::zero(), s2 = V::zero(), s3 = V::zero();
      R t0 = V::zero(), t1 = V::zero(), t2 = V::zero(), t3 = V::zero();
      int64_t p = 0;
      for (; p + 2 * W <= kv; p += 2 * W) {
        const R x0 = V::loadu(x + p), x1 = V::loadu(x + p + W);
        s0 = V::fmadd(V::loadu(r0 + p), x0, s0);
        s1 = V::fmadd(V::loadu(r1 + p), x0, s1);
        s2 = V::fmadd(V::loadu(r2 + p), x0, s2);
        s3 = V::fmadd(V::loadu(r3 + p), x0, s3);
        t0 = V::fmadd(V::loadu(r0 + p + W), x1, t0);
        t1 = V::fmadd(V::loadu(r1 + p + W), x1, t1);
        t2 = V::fmadd(V::loadu(r2 + p + W), x1, t2);
        t3 = V::fmadd(V::loadu(r3 + p + W), x1, t3);
      }
      for (; p < k; p += W) {
        const bool full = p + W <= k;
        const R x0 = full ? V::loadu(x + p) : V::loadu(x + p, tail);
        s0 = V::fmadd(full ? V::loadu(r0 + p) : V::loadu(r0 + p, tail), x0, s0);
        s1 = V::fmadd(full ? V::loadu(r1 + p) : V::loadu(r1 + p, tail), x0, s1);
        s2 = V::fmadd(full ? V::loadu(r2 + p) : V::loadu(r2 + p, tail), x0, s2);
        s3 = V::fmadd(full ? V::loadu(r3 + p) : V::loadu(r3 + p, tail), x0, s3);
      }
      y[i * incy] = V::reduce(V::add(s0, t0));
      y[(i + 1) * incy] = V::reduce(V::add(s1, t1));
      y[(i + 2) * incy] = V::reduce(V::add(s2, t2));
      y[(i + 3) * incy] = V::reduce(V::add(s3, t3));
    }
    for (; i < m; ++i) y[i * incy] = dot(k, a + i * lda, x);
  }

  // Four columns of A per pass over y: four sequential streams, and one load and
  // store of y for every four FMAs. y (m values) stays in cache between passes.
  static void gemv_cols(int64_t m, int64_t k, const T* a, int64_t lda, const T* x, int64_t incx, T* y) {
    const int64_t mv = m / W * W;
    const M tail = V::mask(int(m - mv));
    for (int64_t p = 0; p < k; p += 4) {
      const int nc = k - p < 4 ? int(k - p) : 4;
      const T* c0 = a + p * lda;
      const T* c1 = nc > 1 ? c0 + lda : c0;
      const T* c2 = nc > 2 ? c1 + lda : c0;
      const T* c3 = nc > 3 ? c2 + lda : c0;
      const R x0 = V::set1(x[p * incx]);
      const R x1 = V::set1(nc > 1 ? x[(p + 1) * incx] : T(0));
      const R x2 = V::set1(nc > 2 ? x[(p + 2) * incx] : T(0));
      const R x3 = V::set1(nc > 3 ? x[(p + 3) * incx] : T(0));
      int64_t i = 0;
      for (; i < mv; i += W) {
        R v = p == 0 ? V::zero() : V::loadu(y + i);
        v = V::fmadd(V::loadu(c0 + i), x0, v);
        v = V::fmadd(V::loadu(c1 + i), x1, v);
        v = V::fmadd(V::loadu(c2 + i), x2, v);
        v = V::fmadd(V::loadu(c3 + i), x3, v);
        V::storeu(y + i, v);
      }
      if (i < m) {
        R v = p == 0 ? V::zero() : V::loadu(y + i, tail);
        v = V::fmadd(V::loadu(c0 + i, tail), x0, v);
        v = V::fmadd(V::loadu(c1 + i, tail), x1, v);
        v = V::fmadd(V::loadu(c2 + i, tail), x2, v);
        v = V::fmadd(V::loadu(c3 + i, tail), x3, v);
        V::storeu(y + i, tail, v);
      }
    }
  }

  static T dot(int64_t n, const T* x, const T* y) {
    R s0 = V::zero(), s1 = V::zero(), s2 = V::zero(), s3 = V::zero();
    int64_t p = 0;
    for (; p + 4 * W <= n; p += 4 * W) {
      s0 = V::fmadd(V::loadu(x + p), V::loadu(y + p), s0);
      s1 = V::fmadd(V::loadu(x + p + W), V::loadu(y + p + W), s1);
      s2 = V::fmadd(V::loadu(x + p + 2 * W), V::loadu(y + p + 2 * W), s2);
      s3 = V::fmadd(V::loadu(x + p + 3 * W), V::loadu(y + p + 3 * W), s3);
    }
    for (; p < n; p += W) {
      const M mk = V::mask(int(n - p));
      s0 = V::fmadd(V::loadu(x + p, mk), V::loadu(y + p, mk), s0);
    }
    return V::reduce(V::add(V::add(s0, s1), V::add(s2, s3)));
  }

  static T fma_probe(int64_t iters) {
    R acc[kFmaChains];
    for (int j = 0; j < kFmaChains; ++j) acc[j] = V::set1(T(j));
    const R m = V::set1(T(0.999999)), a = V::set1(T(1e-6));
    for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
      for (int j = 0; j < kFmaChains; ++j) acc[j] = V::fmadd(acc[j], m, a);
    }
    for (int j = 1; j < kFmaChains; ++j) acc[0] = V::add(acc[0], acc[j]);
    return V::reduce(acc[0]);
  }

  static KernelSet<T> make(Isa isa, Blocking blk, const char* name) {
    return KernelSet<T>{isa,       blk,        name,       &packed, &unpacked_a, &pack_a, &pack_b,
                        &gemv_rows, &gemv_cols, &dot, &fma_probe, W};
  }
};

}  // namespace
}  // namespace pag::kernels::gemm
