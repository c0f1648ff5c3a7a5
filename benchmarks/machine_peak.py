"""The machine's int8 multiply-accumulate peak and memory read bandwidth, one thread: the roofline
that benchmarks/perf_table.py sets each model's latency against.

    python benchmarks/machine_peak.py

Peak: a C loop of 12 independent accumulators of `vpdpbusd` (AVX-512 VNNI: 64 int8 products per
instruction), else of 16-bit `vpmaddwd` (AVX2: 16 products), else plain int32 multiply-adds that
the compiler vectorises; built with gcc -O3 -march=native, so it is the peak of the instruction
set tqc's C uses on this machine. Bandwidth: the sum of a 64 MiB array of uint64 (read only),
larger than any cache. Both are the best of 7 timings (ceilings; the machine may be shared).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PEAK_C = r"""
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#if defined(__AVX512VNNI__) && defined(__AVX512BW__)
#include <immintrin.h>
#define ISA "avx512vnni"
#define MACS_PER_STEP (12 * 64)
typedef __m512i acc_t;
#define ZERO() _mm512_setzero_si512()
#define STEP(a, x, y) _mm512_dpbusd_epi32((a), (x), (y))
#define SET(v) _mm512_set1_epi8((char)(v))
#define FOLD(a) ((long long)_mm512_reduce_add_epi32(a))
#elif defined(__AVX2__)
#include <immintrin.h>
#define ISA "avx2"
#define MACS_PER_STEP (12 * 16)
typedef __m256i acc_t;
#define ZERO() _mm256_setzero_si256()
#define STEP(a, x, y) _mm256_add_epi32((a), _mm256_madd_epi16((x), (y)))
#define SET(v) _mm256_set1_epi16((short)(v))
#define FOLD(a) ((long long)_mm256_extract_epi32((a), 0))
#else
#define ISA "scalar"
#define MACS_PER_STEP 12
typedef int32_t acc_t;
#define ZERO() 0
#define STEP(a, x, y) ((a) + (x) * (y))
#define SET(v) (v)
#define FOLD(a) ((long long)(a))
#endif
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
static int cmp(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}
int main(int argc, char **argv) {
  const long steps = 20000000L;
  const size_t words = (size_t)8 << 20; /* 64 MiB of uint64 */
  volatile int seed = argc > 5 ? 2 : 1;
  double macs[7], bw[7];
  uint64_t *buf = malloc(words * sizeof *buf);
  long long sink = 0;
  int r;
  (void)argv;
  if (!buf) return 1;
  for (size_t i = 0; i < words; ++i) buf[i] = i * (uint64_t)seed;
  for (r = 0; r < 7; ++r) {
    acc_t a0 = ZERO(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
    acc_t a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
    const acc_t x = SET(seed), y = SET(seed + 1);
    double t0 = now();
    for (long s = 0; s < steps; ++s) {
      a0 = STEP(a0, x, y); a1 = STEP(a1, x, y); a2 = STEP(a2, x, y); a3 = STEP(a3, x, y);
      a4 = STEP(a4, x, y); a5 = STEP(a5, x, y); a6 = STEP(a6, x, y); a7 = STEP(a7, x, y);
      a8 = STEP(a8, x, y); a9 = STEP(a9, x, y); a10 = STEP(a10, x, y); a11 = STEP(a11, x, y);
    }
    macs[r] = (double)steps * MACS_PER_STEP / (now() - t0);
    sink += FOLD(a0) + FOLD(a1) + FOLD(a2) + FOLD(a3) + FOLD(a4) + FOLD(a5) + FOLD(a6) +
            FOLD(a7) + FOLD(a8) + FOLD(a9) + FOLD(a10) + FOLD(a11);
  }
  for (r = 0; r < 7; ++r) {
    uint64_t s = 0;
    double t0 = now();
    for (size_t i = 0; i < words; ++i) s += buf[i];
    bw[r] = (double)(words * sizeof *buf) / (now() - t0);
    sink += (long long)s;
  }
  qsort(macs, 7, sizeof macs[0], cmp);
  qsort(bw, 7, sizeof bw[0], cmp);
  printf("%s %.6e %.6e %lld\n", ISA, macs[6], bw[6], sink & 1); /* the best: a ceiling */
  free(buf);
  return 0;
}
"""


@dataclass(frozen=True)
class Peak:
    isa: str
    macs_per_s: float  # int8 multiply-accumulates per second, one thread
    bytes_per_s: float  # memory read bandwidth, one thread

    def bound_us(self, macs: int, weight_bytes: int) -> float:
        """The roofline's lower bound on one inference: every MAC at peak or every weight byte
        read once from memory, whichever takes longer."""
        return max(macs / self.macs_per_s, weight_bytes / self.bytes_per_s) * 1e6


def measure(cc: str = "gcc") -> Peak:
    with tempfile.TemporaryDirectory(prefix="tqc_peak_") as tmp:
        work = Path(tmp)
        (work / "peak.c").write_text(PEAK_C)
        subprocess.run([cc, "-std=c99", "-O3", "-march=native", "peak.c", "-o", "peak"],
                       cwd=work, check=True)
        out = subprocess.run(["./peak"], cwd=work, check=True, capture_output=True, text=True)
    isa, macs, bw, _ = out.stdout.split()
    return Peak(isa, float(macs), float(bw))


if __name__ == "__main__":
    p = measure()
    print(f"{p.isa}: {p.macs_per_s / 1e9:.1f} G int8 MAC/s, {p.bytes_per_s / 1e9:.1f} GB/s read")
    sys.exit(0)
