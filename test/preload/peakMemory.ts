/**
 * Preloaded with `node -r` to record the CLI's peak resident memory: at exit,
 * process.resourceUsage().maxRSS (kilobytes) is written to the file named by
 * NTK_TEST_PEAK_FILE, for tests that hold the memory guard's estimates to it.
 */
import * as fs from 'node:fs';

const file = process.env.NTK_TEST_PEAK_FILE;
if (file) process.on('exit', () => fs.writeFileSync(file, String(process.resourceUsage().maxRSS)));
