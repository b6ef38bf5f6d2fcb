/** Property tests: each reader reads back what its writer wrote, for random shapes and values (fast-check). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatCsv, formatFloat32, parseCsv } from '../src/io/csv';
import { encodeNpy, parseNpy } from '../src/io/npy';
import { encodeSafetensors, parseSafetensors } from '../src/io/safetensors';

const float32 = fc.float({ noNaN: true, noDefaultInfinity: true });
const matrixOf = (value: fc.Arbitrary<number>) =>
  fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 })).chain(([rows, cols]) =>
    fc.record({ rows: fc.constant(rows), cols: fc.constant(cols), values: fc.array(value, { minLength: rows * cols, maxLength: rows * cols }) }),
  );

test('npy: parseNpy(encodeNpy(a)) = a, float32 and float64, any 2-D shape', () => {
  fc.assert(
    fc.property(matrixOf(fc.double({ noNaN: true })), fc.constantFrom('float32' as const, 'float64' as const), (m, dtype) => {
      const parsed = parseNpy(encodeNpy(m.values, [m.rows, m.cols], dtype));
      assert.deepEqual(parsed.shape, [m.rows, m.cols]);
      const expected = dtype === 'float32' ? Float32Array.from(m.values) : Float64Array.from(m.values);
      assert.deepEqual(Array.from(parsed.data), Array.from(expected));
    }),
    { numRuns: 200 },
  );
});

test('safetensors: parseSafetensors(encodeSafetensors(t)) = t, with metadata', () => {
  fc.assert(
    fc.property(fc.array(matrixOf(float32), { minLength: 1, maxLength: 4 }), fc.dictionary(fc.string(), fc.string()), (tensors, metadata) => {
      const named = tensors.map((t, i) => ({ name: `layer${i}.weight`, shape: [t.rows, t.cols], data: Float32Array.from(t.values) }));
      const parsed = parseSafetensors(encodeSafetensors(named, metadata));
      assert.deepEqual(parsed.metadata, { ...metadata });
      for (const t of named) {
        const back = parsed.tensors.get(t.name)!;
        assert.deepEqual(back.shape, t.shape);
        assert.deepEqual(Array.from(back.data), Array.from(t.data));
      }
    }),
    { numRuns: 200 },
  );
});

test('csv: float32 values written by formatCsv read back exactly', () => {
  fc.assert(
    fc.property(matrixOf(float32), (m) => {
      const values = Float32Array.from(m.values);
      const parsed = parseCsv(formatCsv(values, m.rows, m.cols));
      assert.deepEqual([parsed.rows, parsed.cols], [m.rows, m.cols]);
      assert.deepEqual(Array.from(Float32Array.from(parsed.values)), Array.from(values));
    }),
    { numRuns: 200 },
  );
});

test('csv: formatFloat32 gives the shortest decimal that reads back, for any float32 bit pattern', () => {
  // The plain definition: the fewest significant digits (1 … 9) whose decimal reads back as the same float32.
  const shortest = (t: number) => {
    for (let digits = 1; digits < 9; digits++) if (Math.fround(Number(t.toPrecision(digits))) === t) return String(Number(t.toPrecision(digits)));
    return String(Number(t.toPrecision(9)));
  };
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (pattern) => {
      bits[0] = pattern;
      const t = asFloat[0];
      if (!Number.isFinite(t) || t === 0) return;
      assert.equal(formatFloat32(t), shortest(t));
    }),
    { numRuns: 20000 },
  );
  for (const t of [1.5, 0.1, 9.9999999, 1e-7, 123456789, 16777216, 10, 1e13, 9.99e13, 1e-13, 1e-45, 3.4e38]) {
    assert.equal(formatFloat32(t), shortest(Math.fround(t)), String(t));
  }
  assert.deepEqual([NaN, Infinity, -Infinity, 0, -0].map(formatFloat32), ['nan', 'inf', '-inf', '0', '-0']);
});
