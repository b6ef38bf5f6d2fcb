/*
 * ntk-cli's native helpers, built by node-gyp at install time where a C
 * compiler and zlib's headers are present. LAPACKE (Debian: liblapacke-dev,
 * which runs on the system's LAPACK, OpenBLAS where libopenblas-dev is
 * installed) is opened when syevd first runs. Everything here is optional:
 * ntk-cli falls back to JavaScript where the build failed.
 *
 *   lapackAvailable()        whether LAPACKE could be opened (tried once).
 *   syevd(a, w, n, vectors)  LAPACK's divide-and-conquer symmetric eigensolver
 *                            (ssyevd / dsyevd) on an n×n float32 or float64
 *                            matrix in place: eigenvalues ascending into w,
 *                            and with `vectors` the eigenvectors into a (row j
 *                            of the row-major result is eigenvector j).
 *   hugeBuffer(bytes)        a zeroed ArrayBuffer backed by anonymous memory
 *                            advised for transparent huge pages: first touch
 *                            of large buffers faults 2 MB at a time, not 4 kB.
 *   quietStderr(quiet)       point file descriptor 2 at /dev/null (true) or
 *                            back where it was (false): native libraries that
 *                            print to stderr themselves (Dawn's warnings about
 *                            an adapter's limits) cannot be silenced from
 *                            JavaScript.
 *   im2col(x, base, g, out, scale) / col2im(patches, out, base, g)
 *                            a convolution's patches of one C×H×W image at
 *                            x[base…] as Xᵀ (C·K² rows of P output pixels,
 *                            times scale), and their gradient added back onto
 *                            the image; g = [C, H, W, K, stride, pad, outH,
 *                            outW]. The same loops, in the same order, as
 *                            src/layers/patches.ts, so the results are the
 *                            same bits.
 *   boxMuller(data)          PyTorch's normal_fill_16 on every whole run of
 *                            16 float32 uniforms of `data`, in place: Cephes
 *                            logf and sincosf step for step as
 *                            src/model/float32Math.ts computes them (float
 *                            operations, fmaf where PyTorch's build fuses), so
 *                            torch.randn's bits. Built with -ffp-contract=off:
 *                            no multiply-add is fused that is not written so.
 *   mtUniform24(state, index, out)
 *                            at::mt19937 from its 624-word state at index:
 *                            fills out with (draw & 0xffffff)·2⁻²⁴, the
 *                            uniforms torch.randn transforms; returns the new
 *                            index (the state is updated in place).
 *   writeRows(fd, data, ld, rows, cols, position, stride, done)
 *                            on one of libuv's threads, row i of a float32
 *                            block (cols values from data[i·ld]) written at
 *                            byte position + i·stride of fd, then done(null)
 *                            or done(error, code) with the first failure's
 *                            errno name ('ENOSPC'): a block's scattered rows
 *                            in one job instead of one JavaScript request
 *                            per row.
 *   fmaInPlace(data, scale, offset)
 *                            data[i] = fmaf(data[i], scale, offset) in float32:
 *                            uniform_(from, to) from those uniforms.
 *   reluMap(z, out, derivative)
 *                            relu and its derivative of float32 z, without a
 *                            branch per element (a random sign costs a
 *                            mispredicted branch in JavaScript's loop).
 *   scaleRows(row, d, out)   out[i·c + j] = row[j]·d[i·c + j] for every row of
 *                            d (c = row's length): an activation's backward
 *                            pass for a δ that every sample shares.
 *   combineTile(mode, t, ld, h, w, p, q, constants, range)
 *                            a kernel tile's element-wise pass
 *                            (src/kernel/structured.ts has the formulas), in
 *                            float64 and rounded once to float32 as JavaScript
 *                            does, so the same bits; the finite range and the
 *                            count of non-finite values into range[0..2]. On
 *                            as many threads as the products use.
 *   mirrorTile(t, ld, h, threads)
 *                            a diagonal tile's upper triangle copied onto its
 *                            lower one, by blocks that stay in cache.
 *   preload(addons, neededOf, init) / preloadJoin()
 *                            on one thread of its own: Node-API add-ons and
 *                            the libraries nan add-ons need opened, and init
 *                            functions they define called, while JavaScript's
 *                            thread loads the CLI; and waiting for it.
 *   crc32(data[, value])     zlib's CRC-32 of a buffer or a string's UTF-8.
 *   encodePng(raw, width, height, level, threads)
 *                            a PNG file of cairo's ARGB32 pixels, deflated in
 *                            parts on threads.
 *   isTerminal(fd)           isatty(fd).
 *
 * Every size is checked against the arrays here as well as in JavaScript.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>
#include <errno.h>
#include <stdlib.h>
#include <uv.h>
#include <pthread.h>
#include <dlfcn.h>
#include <zlib.h>
#ifdef __linux__
#include <elf.h>
#include <link.h>
#endif

#define HUGE_PAGE ((size_t)2 << 20)

/* An FMA build of a loop beside the default one, picked by the loader (x86-64 with glibc's ifuncs); elsewhere one build. */
#if defined(__x86_64__) && defined(__GLIBC__) && !defined(__clang__)
#define FMA_CLONES __attribute__((target_clones("fma", "default")))
#else
#define FMA_CLONES
#endif

static napi_value fail(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

static int float32_arg(napi_env env, napi_value value, float **data, size_t *length);
static int int_arg(napi_env env, napi_value value, int64_t *out);

/* The data and element count of a Float32Array or Float64Array argument; its element size in *size. */
static int typed_array(napi_env env, napi_value value, void **data, size_t *length, size_t *size) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, data, &buffer, &offset) != napi_ok) return 0;
  if (type == napi_float32_array) *size = 4;
  else if (type == napi_float64_array) *size = 8;
  else return 0;
  return 1;
}

/* The bytes and length of a Uint8Array (a Buffer) argument. */
static int uint8_arg(napi_env env, napi_value value, unsigned char **data, size_t *length) {
  bool is_typed = false;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  return napi_is_typedarray(env, value, &is_typed) == napi_ok && is_typed &&
         napi_get_typedarray_info(env, value, &type, length, (void **)data, &buffer, &offset) == napi_ok && type == napi_uint8_array;
}

/*
 * LAPACKE, opened on first use rather than linked: loading it (with LAPACK and gfortran) would
 * cost every run that loads this helper a millisecond, and it is needed only by eigensolvers.
 * lapack_int is int in the LP64 builds distributions ship (liblapacke64 is the ILP64 one).
 */
typedef int (*ssyevd_fn)(int layout, char jobz, char uplo, int n, float *a, int lda, float *w);
typedef int (*dsyevd_fn)(int layout, char jobz, char uplo, int n, double *a, int lda, double *w);
#define LAPACK_COL_MAJOR 102
static ssyevd_fn lapacke_ssyevd;
static dsyevd_fn lapacke_dsyevd;

/* Whether LAPACKE's ?syevd are resolved, opening the library the first time (JavaScript's thread only). */
static int lapacke_loaded(void) {
  static int tried = 0;
  if (!tried) {
    tried = 1;
    static const char *names[] = {"liblapacke.so.3", "liblapacke.so", "liblapacke.dylib"};
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !lapacke_dsyevd; i++) {
      void *library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
      if (!library) continue;
      lapacke_ssyevd = (ssyevd_fn)dlsym(library, "LAPACKE_ssyevd");
      lapacke_dsyevd = (dsyevd_fn)dlsym(library, "LAPACKE_dsyevd");
      if (!lapacke_ssyevd || !lapacke_dsyevd) lapacke_ssyevd = NULL, lapacke_dsyevd = NULL;
    }
  }
  return lapacke_dsyevd != NULL;
}

static napi_value lapack_available(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_get_boolean(env, lapacke_loaded(), &result);
  return result;
}

static napi_value syevd(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 4) return fail(env, "syevd(a, w, n, vectors): four arguments");
  void *a, *w;
  size_t a_length, w_length, a_size, w_size;
  if (!typed_array(env, args[0], &a, &a_length, &a_size) || !typed_array(env, args[1], &w, &w_length, &w_size)) {
    return fail(env, "syevd: a and w must be Float32Array or Float64Array");
  }
  int64_t n;
  bool vectors;
  if (napi_get_value_int64(env, args[2], &n) != napi_ok || napi_get_value_bool(env, args[3], &vectors) != napi_ok) {
    return fail(env, "syevd: n must be a number and vectors a boolean");
  }
  if (a_size != w_size) return fail(env, "syevd: a and w must have the same element type");
  if (n < 1 || n > INT32_MAX || (uint64_t)n * (uint64_t)n != a_length || (uint64_t)n != w_length) {
    return fail(env, "syevd: a must hold n*n elements and w n");
  }
  if (!lapacke_loaded()) return fail(env, "syevd: LAPACKE could not be opened (liblapacke.so.3, liblapacke.so or liblapacke.dylib)");
  /* A symmetric row-major matrix is the same matrix column-major; 'L' there is 'U' here. */
  const char job = vectors ? 'V' : 'N';
  int info_code = a_size == 4 ? lapacke_ssyevd(LAPACK_COL_MAJOR, job, 'L', (int)n, (float *)a, (int)n, (float *)w)
                              : lapacke_dsyevd(LAPACK_COL_MAJOR, job, 'L', (int)n, (double *)a, (int)n, (double *)w);
  napi_value result;
  napi_create_int32(env, (int32_t)info_code, &result);
  return result;
}

static void free_huge(napi_env env, void *data, void *hint) {
  size_t bytes = (size_t)(uintptr_t)hint;
  munmap(data, bytes);
  int64_t adjusted;
  napi_adjust_external_memory(env, -(int64_t)bytes, &adjusted);
}

static napi_value huge_buffer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  int64_t requested;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 1 || napi_get_value_int64(env, args[0], &requested) != napi_ok) {
    return fail(env, "hugeBuffer(bytes): one number");
  }
  if (requested < 1 || (uint64_t)requested > ((uint64_t)1 << 46)) return fail(env, "hugeBuffer: bytes out of range");
  size_t bytes = ((size_t)requested + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
  /* Anonymous mappings are zeroed by the kernel, as a new ArrayBuffer is. */
  void *data = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (data == MAP_FAILED) return fail(env, "hugeBuffer: out of memory");
  madvise(data, bytes, MADV_HUGEPAGE); /* advice only: without THP it is ordinary memory */
  napi_value buffer;
  if (napi_create_external_arraybuffer(env, data, (size_t)requested, free_huge, (void *)(uintptr_t)bytes, &buffer) != napi_ok) {
    munmap(data, bytes);
    return fail(env, "hugeBuffer: could not wrap the memory");
  }
  int64_t adjusted;
  napi_adjust_external_memory(env, (int64_t)bytes, &adjusted);
  return buffer;
}

static int saved_stderr = -1;

static napi_value quiet_stderr(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  bool quiet;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 1 || napi_get_value_bool(env, args[0], &quiet) != napi_ok) {
    return fail(env, "quietStderr(quiet): one boolean");
  }
  fflush(stderr);
  if (quiet && saved_stderr < 0) {
    int null_fd = open("/dev/null", O_WRONLY);
    if (null_fd < 0) return NULL;
    saved_stderr = dup(2);
    if (saved_stderr >= 0) dup2(null_fd, 2);
    close(null_fd);
  } else if (!quiet && saved_stderr >= 0) {
    dup2(saved_stderr, 2);
    close(saved_stderr);
    saved_stderr = -1;
  }
  return NULL;
}

/* The geometry [C, H, W, K, stride, pad, outH, outW] of an image and its patches. */
typedef struct {
  int64_t channels, height, width, k, stride, pad, out_h, out_w;
} geometry;

static int read_geometry(napi_env env, napi_value value, geometry *g) {
  int64_t v[8];
  for (uint32_t i = 0; i < 8; i++) {
    napi_value item;
    if (napi_get_element(env, value, i, &item) != napi_ok || napi_get_value_int64(env, item, &v[i]) != napi_ok) return 0;
  }
  *g = (geometry){v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]};
  if (g->channels < 1 || g->height < 1 || g->width < 1 || g->k < 1 || g->stride < 1 || g->pad < 0 || g->out_h < 1 || g->out_w < 1) return 0;
  /* Each entry a 32-bit size, so that the bound checks below cannot overflow. */
  for (int i = 0; i < 8; i++) if (v[i] > INT32_MAX) return 0;
  /* Every tap of every output pixel inside the padded image. */
  if ((g->out_h - 1) * g->stride + g->k > g->height + 2 * g->pad || (g->out_w - 1) * g->stride + g->k > g->width + 2 * g->pad) return 0;
  return 1;
}

/* For tap v along a row of `size` pixels: the output columns whose input pixel c*S + v - P lies inside, [*from, *to). */
static void tap_range(int64_t v, int64_t size, int64_t out, int64_t stride, int64_t pad, int64_t *from, int64_t *to) {
  int64_t lo = pad - v > 0 ? (pad - v + stride - 1) / stride : 0;
  int64_t hi = size - 1 + pad - v >= 0 ? (size - 1 + pad - v) / stride + 1 : 0;
  if (hi > out) hi = out;
  *from = lo;
  *to = hi > lo ? hi : lo;
}

/* Arguments shared by im2col and col2im: the image array, its base, the patches array, the geometry. */
static int patch_arguments(napi_env env, napi_value image, napi_value base_value, napi_value patches, napi_value g_value, float **x, float **p, int64_t *base, geometry *g) {
  void *xd, *pd;
  size_t x_length, p_length, x_size, p_size;
  if (!typed_array(env, image, &xd, &x_length, &x_size) || !typed_array(env, patches, &pd, &p_length, &p_size) || x_size != 4 || p_size != 4) return 0;
  if (napi_get_value_int64(env, base_value, base) != napi_ok || !read_geometry(env, g_value, g)) return 0;
  int64_t image_values, taps, patch_values, image_end;
  if (__builtin_mul_overflow(g->channels, g->height, &image_values) || __builtin_mul_overflow(image_values, g->width, &image_values) || *base < 0 ||
      __builtin_add_overflow(*base, image_values, &image_end) || (uint64_t)image_end > x_length) {
    return 0;
  }
  if (__builtin_mul_overflow(g->channels, g->k * g->k, &taps) || __builtin_mul_overflow(taps, g->out_h, &patch_values) ||
      __builtin_mul_overflow(patch_values, g->out_w, &patch_values) || (uint64_t)patch_values > p_length) {
    return 0;
  }
  *x = xd;
  *p = pd;
  return 1;
}

static napi_value im2col(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  float *x, *out;
  int64_t base;
  geometry g;
  double scale;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 5 || !patch_arguments(env, args[0], args[1], args[3], args[2], &x, &out, &base, &g) ||
      napi_get_value_double(env, args[4], &scale) != napi_ok) {
    return fail(env, "im2col(x, base, geometry, out, scale): Float32Arrays that hold the image and its patches");
  }
  const int64_t pixels = g.out_h * g.out_w;
  for (int64_t ch = 0; ch < g.channels; ch++) {
    for (int64_t u = 0; u < g.k; u++) {
      for (int64_t v = 0; v < g.k; v++) {
        float *row = out + ((ch * g.k + u) * g.k + v) * pixels;
        int64_t c0, c1;
        tap_range(v, g.width, g.out_w, g.stride, g.pad, &c0, &c1);
        for (int64_t r = 0; r < g.out_h; r++) {
          float *at = row + r * g.out_w;
          int64_t y = r * g.stride + u - g.pad;
          if (y < 0 || y >= g.height) {
            memset(at, 0, (size_t)g.out_w * sizeof(float));
            continue;
          }
          const float *line = x + base + (ch * g.height + y) * g.width + v - g.pad;
          for (int64_t c = 0; c < c0; c++) at[c] = 0;
          if (g.stride == 1)
            for (int64_t c = c0; c < c1; c++) at[c] = (float)(scale * (double)line[c]);
          else
            for (int64_t c = c0; c < c1; c++) at[c] = (float)(scale * (double)line[c * g.stride]);
          for (int64_t c = c1; c < g.out_w; c++) at[c] = 0;
        }
      }
    }
  }
  return NULL;
}

static napi_value col2im(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  float *out, *patches;
  int64_t base;
  geometry g;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 4 || !patch_arguments(env, args[1], args[2], args[0], args[3], &out, &patches, &base, &g)) {
    return fail(env, "col2im(patches, out, base, geometry): Float32Arrays that hold the patches and the image");
  }
  const int64_t pixels = g.out_h * g.out_w;
  for (int64_t ch = 0; ch < g.channels; ch++) {
    for (int64_t u = 0; u < g.k; u++) {
      for (int64_t v = 0; v < g.k; v++) {
        const float *row = patches + ((ch * g.k + u) * g.k + v) * pixels;
        int64_t c0, c1;
        tap_range(v, g.width, g.out_w, g.stride, g.pad, &c0, &c1);
        for (int64_t r = 0; r < g.out_h; r++) {
          int64_t y = r * g.stride + u - g.pad;
          if (y < 0 || y >= g.height) continue;
          float *line = out + base + (ch * g.height + y) * g.width + v - g.pad;
          const float *at = row + r * g.out_w;
          if (g.stride == 1)
            for (int64_t c = c0; c < c1; c++) line[c] += at[c];
          else
            for (int64_t c = c0; c < c1; c++) line[c * g.stride] += at[c];
        }
      }
    }
  }
  return NULL;
}

/* ---- torch.randn's Box–Muller on float32 (see src/model/float32Math.ts for the why of each step). ---- */

static float from_bits(uint32_t bits) {
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

static uint32_t bits_of(float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof bits);
  return bits;
}

static const float LOG_P[9] = {7.0376836292e-2f, -1.151461031e-1f, 1.167699874e-1f, -1.2420140846e-1f, 1.4249322787e-1f, -1.6668057665e-1f, 2.0000714765e-1f, -2.4999993993e-1f, 3.3333331174e-1f};

static inline __attribute__((always_inline)) float cephes_logf(float input) {
  if (!(input > 0)) return NAN;
  float clamped = input > from_bits(0x00800000u) ? input : from_bits(0x00800000u);
  uint32_t bits = bits_of(clamped);
  float e = (float)((int32_t)(bits >> 23) - 127 + 1);
  float x = from_bits((bits & ~0x7f800000u) | bits_of(0.5f));
  int below = x < 0.707106781186547524f;
  float tmp = below ? x : 0.0f;
  x = x - 1.0f;
  if (below) e = e - 1.0f;
  x = x + tmp;
  float z = x * x;
  float y = LOG_P[0];
  for (int i = 1; i < 9; i++) y = fmaf(y, x, LOG_P[i]);
  y = y * x;
  y = fmaf(y, z, e * -2.1219444e-4f);
  y = y - z * 0.5f;
  x = x + y;
  return fmaf(e, 0.693359375f, x);
}

static inline __attribute__((always_inline)) void cephes_sincosf(float input, float *sin_out, float *cos_out) {
  int negative = signbit(input) != 0;
  float x = fabsf(input);
  float y0 = x * 1.27323954473516f;
  int32_t j = (int32_t)y0;
  j = (j + 1) & ~1;
  float y = (float)j;
  int swap_sin = (j & 4) != 0;
  int use_cos_poly = (j & 2) == 0;
  int cos_sign_flip = ((~(j - 2)) & 4) != 0;
  x = fmaf(y, -0.78515625f, x);
  x = fmaf(y, -2.4187564849853515625e-4f, x);
  x = fmaf(y, -3.77489497744594108e-8f, x);
  float z = x * x;
  float c = 2.443315711809948e-5f;
  c = fmaf(c, z, -1.388731625493765e-3f);
  c = fmaf(c, z, 4.166664568298827e-2f);
  c = c * z;
  c = fmaf(c, z, -z * 0.5f);
  c = c + 1.0f;
  float s = -1.9515295891e-4f;
  s = fmaf(s, z, 8.3321608736e-3f);
  s = fmaf(s, z, -1.6666654611e-1f);
  s = s * z;
  s = fmaf(s, x, x);
  float sine = use_cos_poly ? s : c;
  float cosine = use_cos_poly ? c : s;
  if (negative != swap_sin) sine = -sine;
  if (cos_sign_flip) cosine = -cosine;
  *sin_out = sine;
  *cos_out = cosine;
}

/*
 * fmaf is exactly rounded on every machine, but it is one instruction only where
 * the CPU has FMA (without it glibc emulates it, several times slower): the loop
 * is built twice and the loader picks the clone for the CPU. The same bits either way.
 */
FMA_CLONES static void box_muller_runs(float *data, size_t length) {
  const float two_pi = (float)(2 * 3.14159265358979323846);
  for (size_t start = 0; start + 16 <= length; start += 16) {
    for (size_t j = start; j < start + 8; j++) {
      float u1 = 1.0f - data[j];
      float u2 = data[j + 8];
      float radius = sqrtf(-2.0f * cephes_logf(u1));
      float sine, cosine;
      cephes_sincosf(two_pi * u2, &sine, &cosine);
      data[j] = radius * cosine;
      data[j + 8] = radius * sine;
    }
  }
}

static napi_value box_muller(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  void *raw;
  size_t length, size;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 1 || !typed_array(env, args[0], &raw, &length, &size) || size != 4) {
    return fail(env, "boxMuller(data): one Float32Array");
  }
  box_muller_runs(raw, length);
  return NULL;
}

/* out[i] = fmaf(out[i], scale, offset): torch's uniform_ on float32 from its 24-bit uniforms (see box_muller_runs for the clones). */
FMA_CLONES static void fma_runs(float *out, size_t length, float scale, float offset) {
  for (size_t i = 0; i < length; i++) out[i] = fmaf(out[i], scale, offset);
}

static napi_value fma_in_place(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  float *data;
  size_t length;
  double scale, offset;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 3 || !float32_arg(env, args[0], &data, &length) ||
      napi_get_value_double(env, args[1], &scale) != napi_ok || napi_get_value_double(env, args[2], &offset) != napi_ok) {
    return fail(env, "fmaInPlace(data, scale, offset): a Float32Array and two float32 numbers");
  }
  fma_runs(data, length, (float)scale, (float)offset);
  return NULL;
}

/* ---- at::mt19937 (the standard 32-bit Mersenne Twister) for torch.randn's uniforms. ---- */

#define MT_N 624
#define MT_M 397

static void mt_twist(uint32_t *mt) {
  for (int i = 0; i < MT_N; i++) {
    uint32_t y = (mt[i] & 0x80000000u) | (mt[(i + 1) % MT_N] & 0x7fffffffu);
    uint32_t v = mt[(i + MT_M) % MT_N] ^ (y >> 1);
    if (y & 1) v ^= 0x9908b0dfu;
    mt[i] = v;
  }
}

static napi_value mt_uniform24(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  bool is_typed = false;
  napi_typedarray_type type;
  size_t state_length, out_length, offset;
  void *state_raw;
  napi_value buffer;
  int64_t index;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 3 || napi_is_typedarray(env, args[0], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, args[0], &type, &state_length, &state_raw, &buffer, &offset) != napi_ok || type != napi_uint32_array || state_length != MT_N ||
      !int_arg(env, args[1], &index) || index < 0 || index > MT_N) {
    return fail(env, "mtUniform24(state, index, out): a Uint32Array of 624, an index in 0…624, a Float32Array");
  }
  float *out;
  if (!float32_arg(env, args[2], &out, &out_length)) return fail(env, "mtUniform24(state, index, out): out is a Float32Array");
  uint32_t *mt = state_raw;
  for (size_t i = 0; i < out_length; i++) {
    if (index >= MT_N) {
      mt_twist(mt);
      index = 0;
    }
    uint32_t y = mt[index++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    out[i] = (float)(y & 0xffffffu) * (1.0f / 16777216.0f);
  }
  napi_value result;
  napi_create_int64(env, index, &result);
  return result;
}

/* The float32 data of an argument, with its length; 0 where it is not a Float32Array. */
static int float32_arg(napi_env env, napi_value value, float **data, size_t *length) {
  void *raw;
  size_t size;
  if (!typed_array(env, value, &raw, length, &size) || size != 4) return 0;
  *data = raw;
  return 1;
}

static int int_arg(napi_env env, napi_value value, int64_t *out) {
  return napi_get_value_int64(env, value, out) == napi_ok;
}

/* Whether rows of `cols` values, `ld` apart, fit `length` values: (rows − 1)·ld + cols ≤ length, without overflow. */
static int rows_fit(int64_t rows, int64_t cols, int64_t ld, size_t length) {
  int64_t last, end;
  if (rows < 0 || cols < 0 || ld < cols) return 0;
  if (rows == 0) return 1;
  if (__builtin_mul_overflow(rows - 1, ld, &last) || __builtin_add_overflow(last, cols, &end)) return 0;
  return (uint64_t)end <= (uint64_t)length;
}

/* Three Float32Array arguments (the element-wise helpers' calling convention). */
static int three_float32(napi_env env, napi_callback_info info, float **a, size_t *na, float **b, size_t *nb, float **c, size_t *nc) {
  size_t argc = 3;
  napi_value args[3];
  return napi_get_cb_info(env, info, &argc, args, NULL, NULL) == napi_ok && argc == 3 && float32_arg(env, args[0], a, na) && float32_arg(env, args[1], b, nb) &&
         float32_arg(env, args[2], c, nc);
}

static napi_value relu_map(napi_env env, napi_callback_info info) {
  float *z, *out, *derivative;
  size_t n, n_out, n_derivative;
  if (!three_float32(env, info, &z, &n, &out, &n_out, &derivative, &n_derivative) || n_out < n || n_derivative < n) {
    return fail(env, "reluMap(z, out, derivative): three Float32Arrays, out and derivative at least as long as z");
  }
  /* derivative may be z's own storage: each element is read before it is written. */
  for (size_t i = 0; i < n; i++) {
    float v = z[i];
    int positive = v > 0.0f;
    out[i] = positive ? v : 0.0f;
    derivative[i] = positive ? 1.0f : 0.0f;
  }
  return NULL;
}

static napi_value scale_rows(napi_env env, napi_callback_info info) {
  float *row, *d, *out;
  size_t cols, n, n_out;
  if (!three_float32(env, info, &row, &cols, &d, &n, &out, &n_out) || cols == 0 || n % cols != 0 || n_out < n) {
    return fail(env, "scaleRows(row, d, out): Float32Arrays, d a whole number of rows, out at least as long as d");
  }
  for (size_t at = 0; at < n; at += cols) {
    for (size_t j = 0; j < cols; j++) out[at + j] = (float)((double)row[j] * (double)d[at + j]);
  }
  return NULL;
}

#define TILE_BLOCK 64

typedef struct {
  double min, max, non_finite;
} value_range;

static inline float finish_value(double value, value_range *r, double weight) {
  float v = (float)value;
  if (!isfinite(v)) r->non_finite += weight;
  else {
    if (v < r->min) r->min = v;
    if (v > r->max) r->max = v;
  }
  return v;
}

/*
 * The range of n values already written, as finish_value takes it value by value (each
 * counted `weight` times): a minimum and maximum over the run without a branch, and a
 * second, value-by-value pass only over a run that holds a NaN or an infinity.
 */
static void track_run(const float *v, int64_t n, value_range *r, double weight) {
  float lo = INFINITY, hi = -INFINITY;
  int non_finite = 0;
  for (int64_t k = 0; k < n; k++) {
    const float x = v[k];
    non_finite |= !(x - x == 0.0f);
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
  }
  if (non_finite) {
    for (int64_t k = 0; k < n; k++) finish_value(v[k], r, weight);
  } else if (n > 0) {
    if (lo < r->min) r->min = lo;
    if (hi > r->max) r->max = hi;
  }
}

/*
 * A tile's element-wise pass on several threads (the products' own count, --threads): each
 * thread takes every threads-th row (modes 0 and 1) or band of TILE_BLOCK rows (mode 2 and the
 * mirror, where a band's work shrinks down the triangle), so the work is even, and keeps its own
 * range; every value is computed as on one thread, so the bits do not depend on the count.
 */
#define MAX_PASS_THREADS 64
/* Below this many cells a tile's pass is not worth starting threads for (~10 µs each). */
#define PASS_THREAD_MIN_CELLS (1 << 18)

typedef struct {
  int64_t mode, ld, h, w;
  float *t;
  const float *p, *q;
  const double *a_diagonal;
  double scale, constant, b2;
  int diagonal;
  int64_t first, step; /* this thread's rows (or bands): first, first + step, … */
  value_range range;
} tile_pass;

/*
 * (a + b2)·g, and 0 where that is Inf·0: a factor that overflowed float32 (an input far out on a
 * saturating activation) times a gradient product of exactly 0 is 0, as the exact product is, not
 * NaN. Every other value is the plain product. Branch-free, so the loops stay vectorised.
 * src/kernel/structured.ts's hiddenTermValue is the same.
 */
static inline double term(double a, double b2, double g) {
  const double f = a + b2, p = f * g;
  return (p != p) & ((f == 0) | (g == 0)) ? 0 : p;
}

static void *combine_part(void *arg) {
  tile_pass *c = arg;
  value_range *r = &c->range;
  const int64_t ld = c->ld, h = c->h, w = c->w;
  const double scale = c->scale, constant = c->constant, b2 = c->b2;
  if (c->mode == 0 || c->mode == 1) {
    for (int64_t i = c->first; i < h; i += c->step) {
      float *row = c->t + i * ld;
      const int64_t j0 = c->diagonal ? i : 0;
      if (c->mode == 0) {
        for (int64_t j = j0; j < w; j++) row[j] = finish_value(scale * ((double)row[j] + constant), r, c->diagonal && j != i ? 2 : 1);
      } else {
        const float *pr = c->p + i * w, *qr = c->q + i * w;
        for (int64_t j = 0; j < w; j++) row[j] = finish_value(scale * ((double)row[j] + term(pr[j], b2, qr[j]) + constant), r, 1);
      }
    }
    return NULL;
  }
  /* By 64×64 blocks: G·Gᵀ's part of a block is copied transposed first, so that the values of
     a row run (off the diagonal) are computed from contiguous reads without a branch, and
     their range taken after (track_run). */
  float qt[TILE_BLOCK * TILE_BLOCK];
  const float *p = c->p;
  for (int64_t i0 = c->first * TILE_BLOCK; i0 < h; i0 += c->step * TILE_BLOCK) {
    const int64_t i1 = i0 + TILE_BLOCK < h ? i0 + TILE_BLOCK : h;
    for (int64_t jb = i0; jb < w; jb += TILE_BLOCK) {
      const int64_t j1 = jb + TILE_BLOCK < w ? jb + TILE_BLOCK : w;
      for (int64_t j = jb; j < j1; j++) {
        for (int64_t i = i0; i < i1; i++) qt[(i - i0) * TILE_BLOCK + (j - jb)] = p[j * w + i];
      }
      for (int64_t i = i0; i < i1; i++) {
        float *row = c->t + i * ld;
        const float *a = p + i * w;
        const float *q = qt + (i - i0) * TILE_BLOCK; /* q[j − jb]: G·Gᵀ at (i, j) */
        int64_t j0 = jb > i ? jb : i;
        if (j0 == i) {
          row[i] = finish_value(scale * ((double)row[i] + term(c->a_diagonal[i], b2, q[i - jb]) + constant), r, 1);
          j0++;
        }
        for (int64_t j = j0; j < j1; j++) row[j] = (float)(scale * ((double)row[j] + term(a[j], b2, q[j - jb]) + constant));
        track_run(row + j0, j1 - j0, r, 2);
      }
    }
  }
  return NULL;
}

static void *mirror_part(void *arg) {
  tile_pass *c = arg;
  const int64_t ld = c->ld, h = c->h;
  float *t = c->t;
  for (int64_t i0 = c->first * TILE_BLOCK; i0 < h; i0 += c->step * TILE_BLOCK) {
    const int64_t i1 = i0 + TILE_BLOCK < h ? i0 + TILE_BLOCK : h;
    for (int64_t j0 = i0; j0 < h; j0 += TILE_BLOCK) {
      const int64_t j1 = j0 + TILE_BLOCK < h ? j0 + TILE_BLOCK : h;
      for (int64_t i = i0; i < i1; i++) {
        for (int64_t j = j0 > i + 1 ? j0 : i + 1; j < j1; j++) t[j * ld + i] = t[i * ld + j];
      }
    }
  }
  return NULL;
}

/* `part` on `threads` copies of `pass` (at most one per unit of work); their ranges merged into pass->range. */
static void run_pass(void *(*part)(void *), tile_pass *pass, int64_t threads, int64_t units) {
  if (threads > MAX_PASS_THREADS) threads = MAX_PASS_THREADS;
  if (threads > units) threads = units;
  if (threads < 1 || pass->h * pass->w < PASS_THREAD_MIN_CELLS) threads = 1;
  tile_pass parts[MAX_PASS_THREADS];
  pthread_t ids[MAX_PASS_THREADS];
  int started[MAX_PASS_THREADS];
  for (int64_t k = 0; k < threads; k++) {
    parts[k] = *pass;
    parts[k].first = k;
    parts[k].step = threads;
    parts[k].range = (value_range){INFINITY, -INFINITY, 0};
  }
  for (int64_t k = 1; k < threads; k++) started[k] = pthread_create(&ids[k], NULL, part, &parts[k]) == 0;
  part(&parts[0]);
  for (int64_t k = 1; k < threads; k++) {
    if (started[k]) pthread_join(ids[k], NULL);
    else part(&parts[k]); /* a thread that could not start: its share runs here */
  }
  for (int64_t k = 0; k < threads; k++) {
    if (parts[k].range.min < pass->range.min) pass->range.min = parts[k].range.min;
    if (parts[k].range.max > pass->range.max) pass->range.max = parts[k].range.max;
    pass->range.non_finite += parts[k].range.non_finite;
  }
}

/*
 * mode 0 (the last term added): t ← scale·(t + constant).
 * mode 1 (off the diagonal): t ← scale·(t + (p + b2)·q + constant), p and q h×w.
 * mode 2 (a diagonal tile, w = h): p holds s2·A·Aᵀ above its diagonal and G·Gᵀ on and
 *   below it; s2·A·Aᵀ's own diagonal, which G·Gᵀ's overwrote, is q (a Float64Array, kept
 *   from p before); t ← scale·(t + (a + b2)·g + constant).
 * Mode 2 always, and mode 0 with `diagonal` set (constants[3]; mode 1 refuses it), visit
 * only the upper triangle, each value off the diagonal counted twice as non-finite (its
 * mirror image is the same value). constants[4]: the threads to use.
 */
static napi_value combine_tile(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value args[9];
  int64_t mode, ld, h, w;
  float *t, *p = NULL, *q = NULL;
  double *constants, *range, *a_diagonal = NULL;
  size_t n_t, n_p = 0, n_q = 0, n_constants, n_range, size;
  void *raw;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 9 || !int_arg(env, args[0], &mode) || !float32_arg(env, args[1], &t, &n_t) ||
      !int_arg(env, args[2], &ld) || !int_arg(env, args[3], &h) || !int_arg(env, args[4], &w)) {
    return fail(env, "combineTile(mode, t, ld, h, w, p, q, constants, range): bad arguments");
  }
  if (!typed_array(env, args[7], &raw, &n_constants, &size) || size != 8 || n_constants < 5) return fail(env, "combineTile: constants is a Float64Array [scale, constant, b2, diagonal, threads]");
  constants = raw;
  if (!typed_array(env, args[8], &raw, &n_range, &size) || size != 8 || n_range < 3) return fail(env, "combineTile: range is a Float64Array of 3");
  range = raw;
  if (mode < 0 || mode > 2 || !rows_fit(h, w, ld, n_t)) return fail(env, "combineTile: the tile does not fit t");
  if (mode >= 1) {
    if (!float32_arg(env, args[5], &p, &n_p) || !rows_fit(h, w, w, n_p)) return fail(env, "combineTile: p is a Float32Array of h·w");
  }
  if (mode == 1 && (!float32_arg(env, args[6], &q, &n_q) || !rows_fit(h, w, w, n_q))) return fail(env, "combineTile: q is a Float32Array of h·w");
  if (mode == 2) {
    if (h != w || !typed_array(env, args[6], &raw, &n_q, &size) || size != 8 || n_q < (size_t)h) return fail(env, "combineTile: a diagonal tile is square, with s2·A·Aᵀ's diagonal in a Float64Array");
    a_diagonal = raw;
  }
  tile_pass pass = {.mode = mode, .ld = ld, .h = h, .w = w, .t = t, .p = p, .q = q, .a_diagonal = a_diagonal, .scale = constants[0], .constant = constants[1], .b2 = constants[2], .diagonal = constants[3] != 0};
  pass.range = (value_range){INFINITY, -INFINITY, 0};
  if (pass.diagonal && mode == 1) return fail(env, "combineTile: an off-diagonal tile is not diagonal");
  /* run_pass caps the count at MAX_PASS_THREADS; what is not a count of 1 or more (NaN included) is 1. */
  const double threads = constants[4] >= 1 ? (constants[4] < MAX_PASS_THREADS ? constants[4] : MAX_PASS_THREADS) : 1;
  run_pass(combine_part, &pass, (int64_t)threads, mode == 2 ? (h + TILE_BLOCK - 1) / TILE_BLOCK : h);
  range[0] = pass.range.min;
  range[1] = pass.range.max;
  range[2] = pass.range.non_finite;
  return NULL;
}

static napi_value mirror_tile(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  float *t;
  size_t n_t;
  int64_t ld, h, threads;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 4 || !float32_arg(env, args[0], &t, &n_t) || !int_arg(env, args[1], &ld) ||
      !int_arg(env, args[2], &h) || !int_arg(env, args[3], &threads) || !rows_fit(h, h, ld, n_t)) {
    return fail(env, "mirrorTile(t, ld, h, threads): an h×h tile of t with row stride ld");
  }
  tile_pass pass = {.ld = ld, .h = h, .w = h, .t = t};
  run_pass(mirror_part, &pass, threads, (h + TILE_BLOCK - 1) / TILE_BLOCK);
  return NULL;
}

/* ---- Positional writes of a block's rows, on libuv's thread pool. ---- */

typedef struct {
  napi_async_work work;
  napi_ref data_ref, done_ref;
  int fd;
  const float *data;
  int64_t ld, rows, cols, position, stride;
  int error; /* errno of the first failure, 0 when every row was written */
} row_writes;

/* `bytes` from `from` at `at` of fd, in as many writes as the kernel takes; 0 or the errno of the failure. */
static int write_all(int fd, const char *from, size_t bytes, off_t at) {
  size_t done = 0;
  while (done < bytes) {
    ssize_t wrote = pwrite(fd, from + done, bytes - done, at + (off_t)done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return wrote < 0 ? errno : EIO; /* a write of nothing would repeat for ever */
    done += (size_t)wrote;
  }
  return 0;
}

static void write_rows_execute(napi_env env, void *hint) {
  (void)env;
  row_writes *job = hint;
  const size_t bytes = (size_t)job->cols * sizeof(float);
  /* Rows that follow one another in memory and in the file (a tile as wide as the matrix) are
     one write: a pwrite per row costs more than the copy itself (16 MB: 11.6 ms in 2000 writes,
     3.1 ms in one, on ext4). */
  if (job->ld == job->cols && job->stride == (int64_t)bytes) {
    job->error = write_all(job->fd, (const char *)job->data, bytes * (size_t)job->rows, (off_t)job->position);
    return;
  }
  for (int64_t i = 0; i < job->rows && !job->error; i++) {
    job->error = write_all(job->fd, (const char *)(job->data + i * job->ld), bytes, (off_t)(job->position + i * job->stride));
  }
}

static void write_rows_complete(napi_env env, napi_status status, void *hint) {
  row_writes *job = hint;
  napi_value done, global, argv[2];
  napi_get_reference_value(env, job->done_ref, &done);
  napi_get_global(env, &global);
  if (status == napi_ok && job->error == 0) {
    napi_get_null(env, &argv[0]);
    napi_call_function(env, global, done, 1, argv, NULL);
  } else {
    int err = status == napi_ok ? job->error : ECANCELED;
    /* As Node words a failed fs.write: "ENOSPC: no space left on device, write". */
    const int uv_error = uv_translate_sys_error(err);
    char text[256];
    snprintf(text, sizeof text, "%s: %s, write", uv_err_name(uv_error), uv_strerror(uv_error));
    napi_value message;
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
    napi_create_string_utf8(env, uv_err_name(uv_error), NAPI_AUTO_LENGTH, &argv[1]);
    napi_create_error(env, argv[1], message, &argv[0]);
    napi_call_function(env, global, done, 2, argv, NULL);
  }
  close(job->fd);
  napi_delete_reference(env, job->data_ref);
  napi_delete_reference(env, job->done_ref);
  napi_delete_async_work(env, job->work);
  free(job);
}

static napi_value write_rows(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value args[8];
  int64_t fd, ld, rows, cols, position, stride;
  float *data;
  size_t length;
  napi_valuetype done_type;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 8 || !int_arg(env, args[0], &fd) || !float32_arg(env, args[1], &data, &length) ||
      !int_arg(env, args[2], &ld) || !int_arg(env, args[3], &rows) || !int_arg(env, args[4], &cols) || !int_arg(env, args[5], &position) || !int_arg(env, args[6], &stride) ||
      napi_typeof(env, args[7], &done_type) != napi_ok || done_type != napi_function) {
    return fail(env, "writeRows(fd, data, ld, rows, cols, position, stride, done): bad arguments");
  }
  int64_t last_row, last_position;
  if (fd < 0 || position < 0 || stride < 0 || !rows_fit(rows, cols, ld, length) ||
      (rows > 0 && (__builtin_mul_overflow(rows - 1, stride, &last_row) || __builtin_add_overflow(position, last_row, &last_position)))) {
    return fail(env, "writeRows: the rows do not fit data");
  }
  row_writes *job = calloc(1, sizeof *job);
  if (!job) return fail(env, "writeRows: out of memory");
  /* The job writes through its own descriptor: if the caller closes fd first (a run that fails elsewhere), these
     writes cannot land in a file that reuses the number. */
  int own_fd = dup((int)fd);
  if (own_fd < 0) {
    free(job);
    return fail(env, "writeRows: the file descriptor is not open");
  }
  *job = (row_writes){.fd = own_fd, .data = data, .ld = ld, .rows = rows, .cols = cols, .position = position, .stride = stride};
  napi_value name;
  napi_create_string_utf8(env, "ntk-cli row writes", NAPI_AUTO_LENGTH, &name);
  /* The block and the callback stay alive until the job is done. */
  int queued = napi_create_reference(env, args[1], 1, &job->data_ref) == napi_ok && napi_create_reference(env, args[7], 1, &job->done_ref) == napi_ok &&
               napi_create_async_work(env, NULL, name, write_rows_execute, write_rows_complete, job, &job->work) == napi_ok;
  if (queued && napi_queue_async_work(env, job->work) == napi_ok) return NULL;
  if (job->work) napi_delete_async_work(env, job->work);
  if (job->data_ref) napi_delete_reference(env, job->data_ref);
  if (job->done_ref) napi_delete_reference(env, job->done_ref);
  close(own_fd);
  free(job);
  return fail(env, "writeRows: the job could not be queued");
}

/*
 * Preloading: a run that will draw a picture spends about ten milliseconds in the dynamic loader
 * mapping cairo, pango and their fifty libraries, and a few more in OpenBLAS's start and
 * fontconfig's configuration. One thread does that while JavaScript's thread loads and
 * runs ntk-cli; the require() that comes later finds the libraries mapped. Nothing depends on it:
 * a file that fails to open is left to that require() to report.
 *
 * An add-on that registers itself from a static constructor (nan's NODE_MODULE) must be opened by
 * Node on its own thread, or Node finds it unregistered: for those only the libraries it needs
 * (its ELF DT_NEEDED entries) are opened here.
 */
#define MAX_PRELOADS 16
struct preload_job {
  int count;
  char *files[MAX_PRELOADS];
  /* 1: open the file's needed libraries only. */
  int needed_only[MAX_PRELOADS];
  int init_count;
  char *init[MAX_PRELOADS];
};

#ifdef __linux__
/*
 * Open each library `file` names as DT_NEEDED: an ELF file of this machine's class and byte order,
 * without a run path of its own (DT_RPATH, DT_RUNPATH: where it finds its libraries this thread's
 * dlopen would not look, and the name would then bind it to another copy). Anything else is left alone.
 */
static void open_needed(const char *file) {
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st;
  void *map = fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof(ElfW(Ehdr)) ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
  close(fd);
  if (map == MAP_FAILED) return;
  const unsigned char *base = map;
  size_t size = (size_t)st.st_size;
  const ElfW(Ehdr) *header = map;
  const union { uint16_t word; unsigned char bytes[2]; } order = {1};
  int usable = memcmp(header->e_ident, ELFMAG, SELFMAG) == 0 && header->e_ident[EI_CLASS] == (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) &&
               header->e_ident[EI_DATA] == (order.bytes[0] ? ELFDATA2LSB : ELFDATA2MSB) && header->e_phentsize == sizeof(ElfW(Phdr)) &&
               header->e_phoff % sizeof(ElfW(Addr)) == 0 && header->e_phoff < size && header->e_phnum <= (size - header->e_phoff) / sizeof(ElfW(Phdr));
  const ElfW(Phdr) *segments = usable ? (const ElfW(Phdr) *)(base + header->e_phoff) : NULL;
  const ElfW(Dyn) *dynamic = NULL;
  size_t dynamic_count = 0;
  for (int i = 0; usable && i < header->e_phnum; i++) {
    const ElfW(Phdr) *segment = &segments[i];
    if (segment->p_type == PT_DYNAMIC && segment->p_offset % sizeof(ElfW(Addr)) == 0 && segment->p_offset < size && segment->p_filesz <= size - segment->p_offset) {
      dynamic = (const ElfW(Dyn) *)(base + segment->p_offset);
      dynamic_count = segment->p_filesz / sizeof(ElfW(Dyn));
    }
  }
  /* DT_STRTAB is an address: the loadable segment holding it gives its place in the file. */
  size_t strtab = SIZE_MAX, strtab_size = 0;
  for (size_t d = 0; d < dynamic_count && dynamic[d].d_tag != DT_NULL; d++) {
    if (dynamic[d].d_tag == DT_RPATH || dynamic[d].d_tag == DT_RUNPATH) strtab = SIZE_MAX, dynamic_count = 0;
    if (dynamic[d].d_tag == DT_STRSZ) strtab_size = dynamic[d].d_un.d_val;
    if (dynamic[d].d_tag != DT_STRTAB) continue;
    ElfW(Addr) address = dynamic[d].d_un.d_ptr;
    for (int i = 0; i < header->e_phnum; i++) {
      const ElfW(Phdr) *s = &segments[i];
      if (s->p_type == PT_LOAD && address >= s->p_vaddr && address - s->p_vaddr < s->p_filesz) strtab = s->p_offset + (address - s->p_vaddr);
    }
  }
  if (dynamic_count > 0 && strtab < size && strtab_size <= size - strtab) {
    for (size_t d = 0; d < dynamic_count && dynamic[d].d_tag != DT_NULL; d++) {
      if (dynamic[d].d_tag != DT_NEEDED || dynamic[d].d_un.d_val >= strtab_size) continue;
      const char *name = (const char *)base + strtab + dynamic[d].d_un.d_val;
      if (memchr(name, 0, strtab_size - dynamic[d].d_un.d_val)) dlopen(name, RTLD_NOW | RTLD_LOCAL);
    }
  }
  munmap(map, size);
}
#else
static void open_needed(const char *file) { (void)file; }
#endif

static void free_job(struct preload_job *job) {
  for (int i = 0; i < job->count; i++) free(job->files[i]);
  for (int k = 0; k < job->init_count; k++) free(job->init[k]);
  free(job);
}

static void *preload_thread(void *arg) {
  struct preload_job *job = arg;
  void *handles[MAX_PRELOADS] = {0};
  for (int i = 0; i < job->count; i++) {
    if (job->needed_only[i]) {
      open_needed(job->files[i]);
      continue;
    }
    /* Binding every symbol here spares JavaScript's thread doing it call by call; a symbol this
       Node lacks fails RTLD_NOW, and then the lazy binding Node itself uses decides. */
    handles[i] = dlopen(job->files[i], RTLD_NOW | RTLD_LOCAL);
    if (!handles[i]) handles[i] = dlopen(job->files[i], RTLD_LAZY | RTLD_LOCAL);
  }
  /* A library's own initialisation, an int function of no arguments whose result is not needed
     (fontconfig's FcInit reads its configuration), found among the opened files' libraries. */
  for (int k = 0; k < job->init_count; k++) {
    for (int i = 0; i < job->count; i++) {
      void *function = handles[i] ? dlsym(handles[i], job->init[k]) : NULL;
      if (function) {
        ((int (*)(void))function)();
        break;
      }
    }
  }
  free_job(job);
  return NULL;
}

/* A JavaScript array of at most MAX_PRELOADS strings, copied into out; the count, or -1. */
static int string_list(napi_env env, napi_value array, char **out) {
  uint32_t length;
  if (napi_get_array_length(env, array, &length) != napi_ok || length > MAX_PRELOADS) return -1;
  for (uint32_t i = 0; i < length; i++) {
    napi_value item;
    size_t bytes;
    out[i] = NULL;
    if (napi_get_element(env, array, i, &item) != napi_ok || napi_get_value_string_utf8(env, item, NULL, 0, &bytes) != napi_ok || !(out[i] = malloc(bytes + 1))) {
      for (uint32_t j = 0; j <= i; j++) free(out[j]);
      return -1;
    }
    napi_get_value_string_utf8(env, item, out[i], bytes + 1, &bytes);
  }
  return (int)length;
}

/* The one preload thread a process runs, joined by preloadJoin (JavaScript's thread only). */
static pthread_t preload_thread_id;
static int preload_state; /* 0: none yet; 1: running or done, not joined; 2: joined, or failed to start */

static napi_value preload(napi_env env, napi_callback_info info) {
  napi_value started_value;
  size_t argc = 3;
  napi_value args[3];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 3) return fail(env, "preload(addons, neededOf, init): three arrays");
  struct preload_job *job = calloc(1, sizeof *job);
  char *addons[MAX_PRELOADS], *needed[MAX_PRELOADS];
  int addon_count = job ? string_list(env, args[0], addons) : -1;
  int needed_count = addon_count >= 0 ? string_list(env, args[1], needed) : -1;
  if (needed_count >= 0 && addon_count + needed_count <= MAX_PRELOADS) job->init_count = string_list(env, args[2], job->init);
  if (needed_count < 0 || addon_count + needed_count > MAX_PRELOADS || job->init_count < 0) {
    for (int i = 0; i < addon_count; i++) free(addons[i]);
    for (int i = 0; i < needed_count; i++) free(needed[i]);
    free(job);
    return fail(env, "preload: arrays of at most 16 strings, 16 files in all");
  }
  /* The add-ons first, the libraries nan add-ons need after: OpenBLAS's threads, which spin for a
     while once started, then compete with the longest part of the work for less of it (a default
     heatmap 1–2 ms sooner done, interleaved runs). */
  for (int i = 0; i < addon_count; i++) job->files[job->count++] = addons[i];
  for (int i = 0; i < needed_count; i++) job->files[job->count] = needed[i], job->needed_only[job->count++] = 1;
  if (preload_state != 0) {
    free_job(job);
    napi_get_boolean(env, false, &started_value);
    return started_value;
  }
  /* Library constructors and fontconfig's parser run on it: glibc's default stack, not musl's 128 kB. */
  pthread_attr_t attributes;
  int started = pthread_attr_init(&attributes) == 0;
  if (started) {
    pthread_attr_setstacksize(&attributes, (size_t)8 << 20);
    started = pthread_create(&preload_thread_id, &attributes, preload_thread, job) == 0;
    pthread_attr_destroy(&attributes);
  }
  preload_state = started ? 1 : 2;
  if (!started) free_job(job);
  napi_get_boolean(env, started, &started_value);
  return started_value;
}

/* A process that exits while the loader runs constructors on another thread can crash in the
   libraries' destructors: exit waits for the preload thread (cli/startup.ts). */
static napi_value preload_join(napi_env env, napi_callback_info info) {
  (void)env, (void)info;
  if (preload_state == 1) {
    pthread_join(preload_thread_id, NULL);
    preload_state = 2;
  }
  return NULL;
}

/*
 * CRC-32 (zlib's crc32) of a buffer or of a string's UTF-8 bytes, continuing from value: the code
 * cache's checksums (cli/compileCache.ts) without loading node:zlib, a millisecond of every run's start.
 */
static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n) {
  for (; n > 0x40000000; n -= 0x40000000, p += 0x40000000) crc = (uint32_t)crc32(crc, p, 0x40000000);
  return (uint32_t)crc32(crc, p, (uInt)n);
}

static napi_value crc32_value(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc < 1) return fail(env, "crc32(data[, value]): data");
  uint32_t value = 0;
  if (argc == 2 && napi_get_value_uint32(env, args[1], &value) != napi_ok) return fail(env, "crc32: value must be a number");
  napi_valuetype type;
  napi_typeof(env, args[0], &type);
  uint32_t crc;
  if (type == napi_string) {
    size_t bytes;
    if (napi_get_value_string_utf8(env, args[0], NULL, 0, &bytes) != napi_ok) return fail(env, "crc32: data must be a string or a buffer");
    char *text = malloc(bytes + 1);
    if (!text) return fail(env, "crc32: out of memory");
    napi_get_value_string_utf8(env, args[0], text, bytes + 1, &bytes);
    crc = crc32_update(value, (const unsigned char *)text, bytes);
    free(text);
  } else {
    unsigned char *data;
    size_t length;
    if (!uint8_arg(env, args[0], &data, &length)) return fail(env, "crc32: data must be a string or a buffer");
    crc = crc32_update(value, data, length);
  }
  napi_value result;
  napi_create_uint32(env, crc, &result);
  return result;
}

/*
 * PNG encoding of a canvas's pixels (cairo's ARGB32, premultiplied, native-endian words, as
 * canvas.toBuffer('raw') gives them): RGB where every pixel is opaque, else RGBA unpremultiplied
 * as cairo's and node-canvas's own writers round it; rows unfiltered (the pictures are flat
 * colours, where filters cost time and bytes). The zlib stream is deflated in parts on threads:
 * each part but the last ends in a sync flush, on a byte boundary, and starts from the 32 kB of
 * input before it as its dictionary, so the parts join into one stream (pigz's scheme) of about
 * the size one deflate makes; the Adler-32s are combined. Same pixels as canvas's encoder (tested).
 * The parts are set by the picture alone, so the bytes do not depend on the thread count; they
 * are zlib's, the zlib this process binds (Node's own, where Node exports it).
 * Each part converts its own rows (and those of its dictionary), so the memory beyond the raw
 * pixels is a part's rows per thread and the compressed stream.
 */
#define PNG_MAX_PARTS 16
#define PNG_PART ((size_t)256 << 10)
#define PNG_WINDOW 32768
/* The largest picture taken (bytes of raw pixels): one IDAT chunk holds its stream. */
#define PNG_MAX_RAW ((size_t)1 << 30)

struct png_picture {
  const unsigned char *raw; /* 4 bytes a pixel */
  size_t width, height, channels, row_bytes;
  int level;
};

struct png_part {
  const struct png_picture *picture;
  size_t first_row, end_row;
  int last, status;
  unsigned char *out;
  size_t out_length;
  uLong adler;
};

/* Rows [first, end) of the picture as PNG rows (filter byte 0, then RGB or RGBA) into out. */
static void png_rows(const struct png_picture *picture, size_t first, size_t end, unsigned char *out) {
  for (size_t y = first; y < end; y++) {
    const unsigned char *p = picture->raw + y * picture->width * 4;
    *out++ = 0;
    for (size_t x = 0; x < picture->width; x++, p += 4) {
      uint32_t v, a;
      memcpy(&v, p, 4); /* a Buffer need not be aligned */
      a = v >> 24;
      if (picture->channels == 3) out[0] = (unsigned char)(v >> 16), out[1] = (unsigned char)(v >> 8), out[2] = (unsigned char)v;
      else if (a == 0) out[0] = out[1] = out[2] = out[3] = 0;
      else out[0] = (unsigned char)((((v >> 16) & 0xff) * 255 + a / 2) / a), out[1] = (unsigned char)((((v >> 8) & 0xff) * 255 + a / 2) / a),
      out[2] = (unsigned char)(((v & 0xff) * 255 + a / 2) / a), out[3] = (unsigned char)a;
      out += picture->channels;
    }
  }
}

static void png_deflate_part(struct png_part *part) {
  const struct png_picture *picture = part->picture;
  part->status = -1;
  /* The rows before this part that hold its dictionary, converted here with its own. */
  size_t row_bytes = picture->row_bytes;
  size_t before = (PNG_WINDOW + row_bytes - 1) / row_bytes;
  size_t from = part->first_row > before ? part->first_row - before : 0;
  size_t in_length = (part->end_row - part->first_row) * row_bytes, context = (part->first_row - from) * row_bytes;
  unsigned char *rows = malloc(context + in_length);
  if (!rows) return;
  png_rows(picture, from, part->end_row, rows);
  const unsigned char *in = rows + context;
  size_t dictionary = context < PNG_WINDOW ? context : PNG_WINDOW;
  z_stream z;
  memset(&z, 0, sizeof z);
  int initialised = deflateInit2(&z, picture->level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  /* deflateBound assumes one Z_FINISH; a sync flush adds at most an empty stored block. */
  size_t capacity = initialised ? deflateBound(&z, (uLong)in_length) + 16 : 0;
  part->out = initialised && capacity <= UINT_MAX ? malloc(capacity) : NULL;
  int ok = part->out && (dictionary == 0 || deflateSetDictionary(&z, in - dictionary, (uInt)dictionary) == Z_OK);
  if (ok) {
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)in_length;
    z.next_out = part->out;
    z.avail_out = (uInt)capacity;
    int code = deflate(&z, part->last ? Z_FINISH : Z_SYNC_FLUSH);
    /* All taken, and for a sync flush room left over: else the flush may be incomplete. */
    ok = z.avail_in == 0 && (part->last ? code == Z_STREAM_END : code == Z_OK && z.avail_out > 0);
    part->out_length = capacity - z.avail_out;
  }
  if (initialised) deflateEnd(&z);
  if (ok) part->adler = adler32(adler32(0L, Z_NULL, 0), in, (uInt)in_length), part->status = 0;
  free(rows);
}

/* Threads taking the next part until none is left. */
struct png_crew {
  struct png_part *parts;
  size_t count, next;
};

static void *png_crew_work(void *arg) {
  struct png_crew *crew = arg;
  for (;;) {
    size_t i = __atomic_fetch_add(&crew->next, 1, __ATOMIC_RELAXED);
    if (i >= crew->count) return NULL;
    png_deflate_part(&crew->parts[i]);
  }
}

static void put_u32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* A chunk's length and type at out; its data follows, then its CRC, which png_chunk_end writes. */
static void png_chunk_start(unsigned char *out, const char *type, size_t length) {
  put_u32(out, (uint32_t)length);
  memcpy(out + 4, type, 4);
}

static size_t png_chunk_end(unsigned char *out, size_t length) {
  put_u32(out + 8 + length, crc32_update(0, out + 4, length + 4));
  return length + 12;
}

static napi_value encode_png(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 5) return fail(env, "encodePng(raw, width, height, level, threads): five arguments");
  unsigned char *pixels;
  size_t length;
  if (!uint8_arg(env, args[0], &pixels, &length)) return fail(env, "encodePng: raw must be a Uint8Array");
  int64_t width, height, level, threads;
  if (!int_arg(env, args[1], &width) || !int_arg(env, args[2], &height) || !int_arg(env, args[3], &level) || !int_arg(env, args[4], &threads)) {
    return fail(env, "encodePng: width, height, level and threads must be integers");
  }
  if (width < 1 || height < 1 || width > INT32_MAX || height > INT32_MAX || (uint64_t)width * (uint64_t)height * 4 != length) return fail(env, "encodePng: raw must hold width*height 32-bit pixels");
  if (length > PNG_MAX_RAW) return fail(env, "encodePng: at most 2^28 pixels");
  if (level < 0 || level > 9 || threads < 1) return fail(env, "encodePng: level 0-9, threads at least 1");
  size_t count = (size_t)width * (size_t)height;
  int opaque = 1;
  for (size_t i = 0; i < count && opaque; i++) {
    uint32_t v;
    memcpy(&v, pixels + 4 * i, 4);
    opaque = v >> 24 == 0xff;
  }
  size_t channels = opaque ? 3 : 4;
  struct png_picture picture = {pixels, (size_t)width, (size_t)height, channels, 1 + (size_t)width * channels, (int)level};
  /* Parts of 256 kB or more, their number set by the picture alone; `threads` threads take them in turn. */
  size_t parts_count = (picture.row_bytes * picture.height + PNG_PART - 1) / PNG_PART;
  if (parts_count > PNG_MAX_PARTS) parts_count = PNG_MAX_PARTS;
  if (parts_count > picture.height) parts_count = picture.height;
  if (parts_count < 1) parts_count = 1;
  struct png_part parts[PNG_MAX_PARTS];
  for (size_t i = 0; i < parts_count; i++) {
    parts[i] = (struct png_part){&picture, picture.height * i / parts_count, picture.height * (i + 1) / parts_count, i == parts_count - 1, -1, NULL, 0, 0};
  }
  struct png_crew crew = {parts, parts_count, 0};
  size_t crew_size = (size_t)threads < parts_count ? (size_t)threads : parts_count;
  pthread_t thread_ids[PNG_MAX_PARTS];
  int started[PNG_MAX_PARTS] = {0};
  for (size_t i = 1; i < crew_size; i++) started[i] = pthread_create(&thread_ids[i], NULL, png_crew_work, &crew) == 0;
  png_crew_work(&crew); /* this thread takes parts too, and any a thread that did not start leaves */
  for (size_t i = 1; i < crew_size; i++)
    if (started[i]) pthread_join(thread_ids[i], NULL);
  int ok = 1;
  size_t stream_length = 2 + 4;
  for (size_t i = 0; i < parts_count; i++) ok = ok && parts[i].status == 0, stream_length += parts[i].out_length;
  /* Signature, IHDR, the stream in one IDAT, IEND. */
  napi_value result;
  unsigned char *out = NULL;
  size_t total = 8 + 25 + 12 + stream_length + 12;
  if (ok && napi_create_buffer(env, total, (void **)&out, &result) != napi_ok) out = NULL;
  if (out) {
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(out, signature, 8);
    size_t at = 8;
    png_chunk_start(out + at, "IHDR", 13);
    put_u32(out + at + 8, (uint32_t)width), put_u32(out + at + 12, (uint32_t)height);
    out[at + 16] = 8, out[at + 17] = opaque ? 2 : 6, out[at + 18] = out[at + 19] = out[at + 20] = 0;
    at += png_chunk_end(out + at, 13);
    /* The zlib header (deflate, 32 kB window, the level's flag as zlib writes it), the parts, the Adler-32. */
    png_chunk_start(out + at, "IDAT", stream_length);
    unsigned char *stream = out + at + 8;
    int flag = level < 2 ? 0 : level < 6 ? 1 : level == 6 ? 2 : 3;
    unsigned header = (0x78 << 8) | (unsigned)(flag << 6);
    header += 31 - header % 31;
    stream[0] = (unsigned char)(header >> 8), stream[1] = (unsigned char)header;
    size_t in_stream = 2;
    uLong adler = parts[0].adler;
    for (size_t i = 0; i < parts_count; i++) {
      memcpy(stream + in_stream, parts[i].out, parts[i].out_length);
      in_stream += parts[i].out_length;
      if (i > 0) adler = adler32_combine(adler, parts[i].adler, (z_off_t)((parts[i].end_row - parts[i].first_row) * picture.row_bytes));
    }
    put_u32(stream + in_stream, (uint32_t)adler);
    at += png_chunk_end(out + at, stream_length);
    png_chunk_start(out + at, "IEND", 0);
    png_chunk_end(out + at, 0);
  }
  for (size_t i = 0; i < parts_count; i++) free(parts[i].out);
  if (!out) return fail(env, ok ? "encodePng: out of memory" : "encodePng: deflate failed (out of memory?)");
  return result;
}

/* isatty(fd): whether stderr is a terminal, without making process.stderr (a stream: a millisecond). */
static napi_value is_terminal(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  int64_t fd;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 1 || !int_arg(env, args[0], &fd)) return fail(env, "isTerminal(fd): one number");
  napi_value result;
  napi_get_boolean(env, fd >= 0 && fd <= INT32_MAX && isatty((int)fd) == 1, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"syevd", NULL, syevd, NULL, NULL, NULL, napi_default, NULL},
      {"lapackAvailable", NULL, lapack_available, NULL, NULL, NULL, napi_default, NULL},
      {"preload", NULL, preload, NULL, NULL, NULL, napi_default, NULL},
      {"preloadJoin", NULL, preload_join, NULL, NULL, NULL, napi_default, NULL},
      {"crc32", NULL, crc32_value, NULL, NULL, NULL, napi_default, NULL},
      {"encodePng", NULL, encode_png, NULL, NULL, NULL, napi_default, NULL},
      {"isTerminal", NULL, is_terminal, NULL, NULL, NULL, napi_default, NULL},
      {"hugeBuffer", NULL, huge_buffer, NULL, NULL, NULL, napi_default, NULL},
      {"quietStderr", NULL, quiet_stderr, NULL, NULL, NULL, napi_default, NULL},
      {"im2col", NULL, im2col, NULL, NULL, NULL, napi_default, NULL},
      {"col2im", NULL, col2im, NULL, NULL, NULL, napi_default, NULL},
      {"boxMuller", NULL, box_muller, NULL, NULL, NULL, napi_default, NULL},
      {"mtUniform24", NULL, mt_uniform24, NULL, NULL, NULL, napi_default, NULL},
      {"fmaInPlace", NULL, fma_in_place, NULL, NULL, NULL, napi_default, NULL},
      {"reluMap", NULL, relu_map, NULL, NULL, NULL, napi_default, NULL},
      {"writeRows", NULL, write_rows, NULL, NULL, NULL, napi_default, NULL},
      {"scaleRows", NULL, scale_rows, NULL, NULL, NULL, napi_default, NULL},
      {"combineTile", NULL, combine_tile, NULL, NULL, NULL, napi_default, NULL},
      {"mirrorTile", NULL, mirror_tile, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods);
  /* The arguments combineTile and mirrorTile take: 2 since they take a thread count. */
  napi_value tile_passes;
  napi_create_uint32(env, 2, &tile_passes);
  napi_set_named_property(env, exports, "tilePasses", tile_passes);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
