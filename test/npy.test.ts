import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeNpy, NpyFormatError, parseNpy } from '../src/io/npy';
import { FIXTURES } from './helpers';

// numpy.save's files: a = arange(12).reshape(3, 4) / 8 − 0.5 in several layouts.
const expected = Array.from({ length: 12 }, (_, i) => i / 8 - 0.5);

for (const [file, dtype] of [
  ['c_f8_le.npy', 'float64'],
  ['c_f4_le.npy', 'float32'],
  ['c_f4_be.npy', 'float32'],
  ['c_f8_be.npy', 'float64'],
  ['fortran_f4_le.npy', 'float32'],
  ['fortran_f8_be.npy', 'float64'],
] as const) {
  test(`reads numpy's ${file} into row-major ${dtype}`, () => {
    const array = parseNpy(fs.readFileSync(path.join(FIXTURES, 'npy', file)));
    assert.equal(array.dtype, dtype);
    assert.deepEqual(array.shape, [3, 4]);
    assert.deepEqual(Array.from(array.data), expected);
  });
}

test('reads a 1-D array and refuses integer dtypes by name', () => {
  assert.deepEqual(parseNpy(fs.readFileSync(path.join(FIXTURES, 'npy', 'vector_f4.npy'))).shape, [12]);
  assert.throws(() => parseNpy(fs.readFileSync(path.join(FIXTURES, 'npy', 'int64.npy'))), /dtype '<i8' is not supported/);
});

test('writes what numpy writes, byte for byte', () => {
  for (const [file, dtype] of [
    ['c_f4_le.npy', 'float32'],
    ['c_f8_le.npy', 'float64'],
  ] as const) {
    const written = encodeNpy(expected, [3, 4], dtype);
    assert.deepEqual(Buffer.from(written), fs.readFileSync(path.join(FIXTURES, 'npy', file)), file);
  }
});

test('round-trips, and refuses truncated or padded data', () => {
  const bytes = encodeNpy([1, 2, 3, 4, 5, 6], [2, 3]);
  const array = parseNpy(bytes);
  assert.deepEqual(array.shape, [2, 3]);
  assert.deepEqual(Array.from(array.data), [1, 2, 3, 4, 5, 6]);
  assert.throws(() => parseNpy(bytes.subarray(0, bytes.length - 1)), NpyFormatError);
  assert.throws(() => parseNpy(Buffer.concat([bytes, Buffer.from([0, 0, 0, 0])])), NpyFormatError);
  assert.throws(() => parseNpy(Buffer.from('not an npy file')), /bad magic/);
});
