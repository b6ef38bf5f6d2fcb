/*
 * ntk-cli's native helpers, built by node-gyp at install time when a C
 * compiler and LAPACKE are present (Debian: liblapacke-dev, which runs on the
 * system's LAPACK, OpenBLAS where libopenblas-dev is installed). Everything
 * here is optional: ntk-cli falls back to JavaScript where the build failed.
 *
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
 *
 * Every size is checked against the arrays here as well as in JavaScript.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <lapacke.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#define HUGE_PAGE ((size_t)2 << 20)

static napi_value fail(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

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
  /* A symmetric row-major matrix is the same matrix column-major; 'L' there is 'U' here. */
  const char job = vectors ? 'V' : 'N';
  lapack_int info_code = a_size == 4 ? LAPACKE_ssyevd(LAPACK_COL_MAJOR, job, 'L', (lapack_int)n, (float *)a, (lapack_int)n, (float *)w)
                                     : LAPACKE_dsyevd(LAPACK_COL_MAJOR, job, 'L', (lapack_int)n, (double *)a, (lapack_int)n, (double *)w);
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
  if (*base < 0 || (uint64_t)(*base + g->channels * g->height * g->width) > x_length) return 0;
  if ((uint64_t)(g->channels * g->k * g->k * g->out_h * g->out_w) > p_length) return 0;
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

static float cephes_logf(float input) {
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

static void cephes_sincosf(float input, float *sin_out, float *cos_out) {
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

static napi_value box_muller(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  void *raw;
  size_t length, size;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 1 || !typed_array(env, args[0], &raw, &length, &size) || size != 4) {
    return fail(env, "boxMuller(data): one Float32Array");
  }
  float *data = raw;
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
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"syevd", NULL, syevd, NULL, NULL, NULL, napi_default, NULL},
      {"hugeBuffer", NULL, huge_buffer, NULL, NULL, NULL, napi_default, NULL},
      {"quietStderr", NULL, quiet_stderr, NULL, NULL, NULL, napi_default, NULL},
      {"im2col", NULL, im2col, NULL, NULL, NULL, napi_default, NULL},
      {"col2im", NULL, col2im, NULL, NULL, NULL, napi_default, NULL},
      {"boxMuller", NULL, box_muller, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
