/**
 * A run killed with SIGKILL while it writes leaves the old file whole: outputs
 * go to a temporary file in the same directory and are renamed into place.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseNpy } from '../src/io/npy';
import { BIN, tempDir } from './helpers';

test('SIGKILL during the write of a 144 MB kernel leaves the previous file untouched', async () => {
  const dir = tempDir();
  const target = path.join(dir, 'k.npy');
  const old = Buffer.from('the previous kernel\n');
  let killedMidWrite = 0;
  for (let attempt = 0; attempt < 3; attempt++) {
    fs.writeFileSync(target, old);
    const child = spawn(process.execPath, [BIN, 'kernel', '--samples', '6000', '--out', target], { stdio: 'ignore' });
    const sawTemp = await new Promise<boolean>((resolve) => {
      const poll = setInterval(() => {
        if (fs.readdirSync(dir).some((f) => f.endsWith('.tmp'))) {
          child.kill('SIGKILL');
          clearInterval(poll);
          resolve(true);
        }
      }, 1);
      child.on('exit', () => {
        clearInterval(poll);
        resolve(false);
      });
    });
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.on('exit', resolve)));
    const now = fs.readFileSync(target);
    if (sawTemp && child.signalCode === 'SIGKILL') {
      killedMidWrite++;
      assert.ok(now.equals(old), 'the old file must survive a kill during the write');
    } else {
      // The run finished before the kill: the file must then be the complete new kernel.
      assert.deepEqual(parseNpy(now).shape, [6000, 6000]);
    }
    for (const f of fs.readdirSync(dir).filter((name) => name.endsWith('.tmp'))) fs.rmSync(path.join(dir, f));
  }
  assert.ok(killedMidWrite > 0, 'at least one kill landed while the temporary file was being written');
});
