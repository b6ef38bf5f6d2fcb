/**
 * The readers against random and mutated files: each returns a well-formed
 * array or throws its own format error, never anything else, never hangs.
 * `npm test` runs FUZZ_RUNS=300 cases per reader; `npm run fuzz` runs 10,000.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CsvFormatError, parseCsv } from '../src/io/csv';
import { encodeNpy, NpyFormatError, parseNpy } from '../src/io/npy';
import { encodeSafetensors, parseSafetensors, SafetensorsFormatError } from '../src/io/safetensors';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

/** A valid file with some bytes overwritten, some cut off, or some inserted. */
function mutated(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((edits) => {
      const copy = Uint8Array.from(valid);
      for (const [at, byte] of edits) copy[at] = byte;
      return copy;
    }),
    fc.nat({ max: valid.length }).map((cut) => valid.subarray(0, cut)),
    fc.tuple(fc.nat({ max: valid.length }), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([at, extra]) =>
      Uint8Array.from([...valid.subarray(0, at), ...extra, ...valid.subarray(at)]),
    ),
  );
}

function onlyFormatErrors<T>(parse: (b: Uint8Array) => T, errorType: new (...a: never[]) => Error, check: (value: T) => void) {
  return (bytes: Uint8Array) => {
    let value: T;
    try {
      value = parse(bytes);
    } catch (error) {
      assert.ok(error instanceof errorType, `unexpected ${(error as Error).name}: ${(error as Error).message}`);
      return;
    }
    check(value);
  };
}

const npyValid = encodeNpy(Float32Array.from({ length: 12 }, (_, i) => i / 3), [3, 4]);
const npyCheck = onlyFormatErrors(parseNpy, NpyFormatError, (a) => {
  assert.equal(a.data.length, a.shape.reduce((x, y) => x * y, 1));
});

test(`npy reader: ${RUNS} random and ${RUNS} mutated files give an array or a clean error`, () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), npyCheck), { numRuns: RUNS });
  fc.assert(fc.property(mutated(npyValid), npyCheck), { numRuns: RUNS });
  // A header shape is never trusted beyond the bytes that are there.
  const lying = Buffer.from(npyValid);
  lying.write("(99999999, 99999999)".padEnd(20), lying.indexOf('(3, 4)'), 'latin1');
  assert.throws(() => parseNpy(lying), NpyFormatError);
});

const stValid = encodeSafetensors(
  [
    { name: 'lin1.weight', shape: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    { name: 'lin1.bias', shape: [3], data: Float32Array.from([7, 8, 9]) },
  ],
  { format: 'ntk-cli' },
);
const stCheck = onlyFormatErrors(parseSafetensors, SafetensorsFormatError, (f) => {
  for (const t of f.tensors.values()) assert.equal(t.data.length, t.shape.reduce((x, y) => x * y, 1));
});

test(`safetensors reader: ${RUNS} random and ${RUNS} mutated files give tensors or a clean error`, () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), stCheck), { numRuns: RUNS });
  fc.assert(fc.property(mutated(stValid), stCheck), { numRuns: RUNS });
  fc.assert(
    fc.property(fc.jsonValue(), fc.nat({ max: 64 }), (header, extra) => {
      const json = Buffer.from(JSON.stringify(header) ?? 'null');
      const bytes = Buffer.alloc(8 + json.length + extra);
      bytes.writeBigUInt64LE(BigInt(json.length));
      json.copy(bytes, 8);
      stCheck(bytes);
    }),
    { numRuns: RUNS },
  );
});

const csvCheck = onlyFormatErrors((b) => parseCsv(Buffer.from(b).toString('utf8')), CsvFormatError, (m) => {
  assert.equal(m.values.length, m.rows * m.cols);
});

test(`csv reader: ${RUNS} random texts and ${RUNS} mutated tables give a matrix or a clean error`, () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)), csvCheck), { numRuns: RUNS });
  const table = Buffer.from('a,b,c\n1,2.5,-3e-2\nnan,inf,-inf\n4,5,6\n');
  fc.assert(fc.property(mutated(table), csvCheck), { numRuns: RUNS });
});
