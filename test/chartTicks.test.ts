/**
 * Chart axes against matplotlib 3.6 itself: for 281 views (linear and log,
 * x and y, from 1e-20 to 1e12, offsets and ×10ᵏ factors included),
 * fixtures/charts/ticks.json holds the ticks matplotlib draws and their
 * labels (fixtures/make_chart_fixtures.py); ntk-cli's must be the same
 * positions (to 1e-9 relative) and the same text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { axisTicks, tickSpace, type Tick } from '../src/render/plot/scales';
import type { Label } from '../src/render/plot/formatters';
import { FIXTURES } from './helpers';

interface Case {
  scale: 'linear' | 'log';
  axis: 'x' | 'y';
  view: [number, number];
  length_pt: number;
  tick_space: number;
  major: { value: number; label: Label }[];
  minor: { value: number; label: Label }[];
  offset_text: string;
}

const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'charts', 'ticks.json'), 'utf8')) as { matplotlib: string; cases: Case[] };

function same(actual: Tick[], expected: { value: number; label: Label }[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.map((t) => t.value).join(', ')} against ${expected.map((t) => t.value).join(', ')}`);
  actual.forEach((tick, i) => {
    const e = expected[i];
    assert.ok(Math.abs(tick.value - e.value) <= 1e-9 * Math.max(Math.abs(e.value), 1e-300), `${what}: tick ${i} at ${tick.value}, matplotlib ${e.value}`);
    assert.deepEqual({ text: tick.label.text, superscript: tick.label.superscript }, { text: e.label.text, superscript: e.label.superscript }, `${what}: label of ${e.value}`);
  });
}

test(`the fixture holds matplotlib's ticks for many views (matplotlib ${fixture.matplotlib})`, () => {
  assert.ok(fixture.cases.length > 250);
  assert.ok(fixture.cases.some((c) => c.offset_text !== ''), 'some views need an offset or a factor');
  assert.ok(fixture.cases.some((c) => c.minor.some((t) => t.label.text !== '')), 'some log views label minor ticks');
});

test('the tick space of an axis is the one matplotlib computes', () => {
  for (const c of fixture.cases) assert.equal(tickSpace(c.length_pt, c.axis), c.tick_space, `${c.axis} axis of ${c.length_pt} pt`);
});

for (const scale of ['linear', 'log'] as const) {
  test(`${scale} axes: every tick position, label and offset text is matplotlib's`, () => {
    for (const c of fixture.cases.filter((k) => k.scale === scale)) {
      const what = `${c.scale} ${c.axis} [${c.view.join(', ')}]`;
      const ticks = axisTicks({ scale: c.scale }, c.view, c.length_pt, c.axis);
      same(ticks.major, c.major, `${what} major`);
      same(ticks.minor, c.minor, `${what} minor`);
      assert.equal(ticks.offsetText, c.offset_text, `${what} offset text`);
    }
  });
}
