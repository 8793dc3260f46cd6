// Keeps package-lock.json in sync with @tauri-apps/cli's optional platform packages.
//
// The npm registry this project's machines reach serves only the linux glibc builds of the Tauri
// CLI (cli-linux-x64-gnu, cli-linux-arm64-gnu). `npm install` then leaves the other platforms'
// packages out of the lock file, and `npm ci` refuses the lock as out of sync. This script adds
// the missing entries (version and platform, no integrity: npm skips them on other platforms
// and fetches them by version where they are needed). Run it after `npm install` changes the lock:
//
//   node scripts/lock-tauri-cli-platforms.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = new URL('../package-lock.json', import.meta.url);
const PLATFORMS = {
  'darwin-arm64': { os: ['darwin'], cpu: ['arm64'] },
  'darwin-x64': { os: ['darwin'], cpu: ['x64'] },
  'linux-arm-gnueabihf': { os: ['linux'], cpu: ['arm'], libc: ['glibc'] },
  'linux-arm64-gnu': { os: ['linux'], cpu: ['arm64'], libc: ['glibc'] },
  'linux-arm64-musl': { os: ['linux'], cpu: ['arm64'], libc: ['musl'] },
  'linux-riscv64-gnu': { os: ['linux'], cpu: ['riscv64'], libc: ['glibc'] },
  'linux-x64-gnu': { os: ['linux'], cpu: ['x64'], libc: ['glibc'] },
  'linux-x64-musl': { os: ['linux'], cpu: ['x64'], libc: ['musl'] },
  'win32-arm64-msvc': { os: ['win32'], cpu: ['arm64'] },
  'win32-ia32-msvc': { os: ['win32'], cpu: ['ia32'] },
  'win32-x64-msvc': { os: ['win32'], cpu: ['x64'] },
};

const lock = JSON.parse(readFileSync(LOCK, 'utf8'));
const cli = lock.packages['node_modules/@tauri-apps/cli'];
if (!cli) throw new Error('@tauri-apps/cli is not in package-lock.json');

let added = 0;
for (const [name, version] of Object.entries(cli.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const platform = PLATFORMS[name.replace('@tauri-apps/cli-', '')];
  if (!platform) throw new Error(`unknown platform package ${name}`);
  lock.packages[key] = { version, ...platform, dev: true, license: 'Apache-2.0 OR MIT', optional: true, engines: { node: '>= 10' } };
  added++;
}

// npm writes packages sorted by path; keep it that way so diffs stay small.
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(LOCK, JSON.stringify(lock, null, 2) + '\n');
console.log(added ? `added ${added} platform entries for @tauri-apps/cli` : 'package-lock.json already lists every platform');
