// Browser tests: the built UI (ui/dist) in headless Chromium, with the Tauri side faked by
// fake-backend.js. Builds nothing: run `npm run build` first.
//
//   npm run test:browser            (CHROMIUM=/path/to/chromium to use another browser)
//
// Screenshots of every screen go to tests/browser/out/ for a person to look at.
// Exits non-zero if any test fails; every wait is bounded.
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const UI = resolve(HERE, '../..');
const DIST = join(UI, 'dist');
const OUT = join(HERE, 'out');
const FAKE_BACKEND = join(HERE, 'fake-backend.js');
/** More fake handlers (fake/*.js) and more tests (suites/*.mjs), one file per group of screens. */
const listed = (dir) => (existsSync(dir) ? readdirSync(dir) : []);
const FAKE_PLUGINS = listed(join(HERE, 'fake')).filter((f) => f.endsWith('.js')).sort().map((f) => join(HERE, 'fake', f));
const SUITES = listed(join(HERE, 'suites')).filter((f) => f.endsWith('.mjs')).sort().map((f) => join(HERE, 'suites', f));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const STEP_TIMEOUT_MS = 10_000;
const TEST_TIMEOUT_MS = 60_000;
const RUN_TIMEOUT_MS = 5 * 60_000;

const PASSPHRASE = 'lantern quietly orbit marmalade';
const SECTIONS = ['Profile', 'Requests', 'Brands', 'Activity', 'Inbox', 'Settings'];

// ---------- preconditions ----------

function die(message) {
  console.error(`test:browser: ${message}`);
  process.exit(1);
}

if (!existsSync(join(DIST, 'index.html'))) die(`no ${join(DIST, 'index.html')}: run "npm run build" first.`);
if (!existsSync(CHROMIUM)) die(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM).`);

// The window's Content-Security-Policy, from the Tauri config, so a violation shows up here.
function loadCsp() {
  const config = resolve(UI, '../tauri.conf.json');
  try {
    return JSON.parse(readFileSync(config, 'utf8')).app.security.csp;
  } catch {
    return "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src ipc: http://ipc.localhost";
  }
}
const CSP = loadCsp();

// ---------- a tiny static server for ui/dist ----------

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

function startServer() {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(DIST, path === '/' ? 'index.html' : path));
    if (file !== DIST && !file.startsWith(DIST + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': CSP,
        'cache-control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen(server));
  });
}

// ---------- helpers ----------

class Failure extends Error {}

function check(condition, message) {
  if (!condition) throw new Failure(message);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Failure(`${what}: no result after ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function visible(locator, what) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  } catch {
    throw new Failure(`${what} did not appear within ${STEP_TIMEOUT_MS / 1000} s`);
  }
}

async function shot(page, name) {
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: false, animations: 'disabled', caret: 'hide' });
}

/** The element that has focus, described for messages and comparisons. */
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: 'body', text: '', section: null };
    return {
      tag: el.tagName.toLowerCase(),
      text: (el.textContent ?? '').replace(/\s+/g, ' ').trim(),
      section: el.getAttribute('data-section'),
      inViewport: (() => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
      })(),
    };
  });
}

/** Opens the app with the fake backend in the given state, in a fresh context. */
async function openApp(browser, base, { viewport = { width: 1100, height: 760 }, hash = '', init = {} } = {}) {
  const context = await browser.newContext({ viewport, reducedMotion: 'reduce' });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  await page.addInitScript((state) => {
    window.__FAKE_BUTLER_INIT__ = state;
  }, init);
  for (const plugin of FAKE_PLUGINS) await page.addInitScript({ path: plugin });
  await page.addInitScript({ path: FAKE_BACKEND });
  await page.goto(`${base}/${hash}`, { waitUntil: 'load', timeout: STEP_TIMEOUT_MS });

  const finish = async () => {
    const csp = await page.evaluate(() => window.__CSP_VIOLATIONS__ ?? []).catch(() => []);
    await context.close();
    const all = [...problems, ...csp.map((v) => `CSP violation: ${v}`)];
    check(all.length === 0, all.join('\n'));
  };
  return { page, finish };
}

const calls = (page, cmd) => page.evaluate((c) => window.__FAKE_BUTLER__.calls.filter((x) => x.cmd === c), cmd);
const nav = (page) => page.getByRole('navigation', { name: 'Sections' });

async function assertNoHorizontalScroll(page, width, where) {
  const { doc, main } = await page.evaluate(() => {
    const m = document.querySelector('main');
    return {
      doc: document.scrollingElement.scrollWidth,
      main: m ? m.scrollWidth - m.clientWidth : 0,
    };
  });
  check(doc <= width, `${where}: the page is ${doc} px wide in a ${width} px window (horizontal scroll)`);
  check(main <= 1, `${where}: the main area overflows sideways by ${main} px`);
}

async function assertInViewport(page, locator, what) {
  const box = await locator.boundingBox();
  const vp = page.viewportSize();
  check(box, `${what} is not rendered`);
  check(
    box.x >= 0 && box.y >= 0 && box.x + box.width <= vp.width + 0.5 && box.y + box.height <= vp.height + 0.5,
    `${what} is cut off: box ${JSON.stringify(box)} in a ${vp.width}x${vp.height} window`,
  );
}

// ---------- the tests ----------

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test('first run: a short passphrase is refused, then the vault is created and the shell opens', async (browser, base) => {
  const { page, finish } = await openApp(browser, base);
  await visible(page.getByRole('heading', { name: 'Set up your vault' }), 'the first-run heading');
  await shot(page, '01-first-run');

  await page.getByLabel('Passphrase', { exact: true }).fill('too short');
  await page.getByLabel('Confirm passphrase').fill('too short');
  await page.getByRole('button', { name: 'Create vault' }).click();
  await visible(page.getByText('Use at least 12 characters; this one has 9.'), 'the too-short message');
  check((await calls(page, 'create_vault')).length === 0, 'create_vault was called with a short passphrase');
  await shot(page, '02-first-run-too-short');

  await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await page.getByLabel('Confirm passphrase').fill(PASSPHRASE + '!');
  await page.getByRole('button', { name: 'Create vault' }).click();
  await visible(page.getByText('The two passphrases are not the same.'), 'the mismatch message');

  await page.getByLabel('Confirm passphrase').fill(PASSPHRASE);
  await shot(page, '03-first-run-filled');
  await page.getByRole('button', { name: 'Create vault' }).click();
  await visible(page.getByRole('status').getByText('Deriving your key'), 'the key-derivation progress');
  await shot(page, '04-first-run-deriving');

  await visible(nav(page), 'the navigation');
  await visible(page.getByRole('heading', { level: 1, name: 'Profile' }), 'the Profile heading');
  const created = await calls(page, 'create_vault');
  check(created.length === 1 && created[0].args.passphrase === PASSPHRASE,
    `create_vault got ${JSON.stringify(created)}, expected one call with the passphrase`);
  await shot(page, '05-shell-profile');
  await finish();
});

test('unlock: a wrong passphrase is reported under the field, the right one opens the shell', async (browser, base) => {
  const { page, finish } = await openApp(browser, base, { init: { exists: true, passphrase: PASSPHRASE } });
  await visible(page.getByRole('heading', { name: 'Unlock Butler' }), 'the unlock heading');
  const field = page.getByLabel('Passphrase', { exact: true });
  check(await field.evaluate((el) => el === document.activeElement), 'the passphrase field does not have focus');
  await shot(page, '06-unlock');

  await field.fill('not the passphrase');
  await field.press('Enter');
  await visible(page.getByText('That passphrase does not open this vault.'), 'the wrong-passphrase message');
  check((await field.getAttribute('aria-invalid')) === 'true', 'the field is not marked invalid');
  const described = await field.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' '));
  check(described.includes('does not open this vault'), `the message is not linked to the field (described by: "${described}")`);
  await shot(page, '07-unlock-wrong');

  await field.fill(PASSPHRASE);
  await field.press('Enter');
  await visible(nav(page), 'the navigation after unlocking');
  await finish();
});

test('unlock: too many attempts show the throttling message', async (browser, base) => {
  const { page, finish } = await openApp(browser, base, {
    init: { exists: true, passphrase: PASSPHRASE, wrongAttempts: 5, kdfDelayMs: 0 },
  });
  const field = page.getByLabel('Passphrase', { exact: true });
  await visible(field, 'the passphrase field');
  await field.fill(PASSPHRASE);
  await field.press('Enter');
  await visible(page.getByRole('alert').getByText('Too many wrong passphrases: the next attempt is possible in 30 s.'), 'the throttling message');
  await shot(page, '08-unlock-throttled');
  await finish();
});

test('the vault locking after idle returns to unlock and says why', async (browser, base) => {
  const { page, finish } = await openApp(browser, base, { init: { exists: true, unlocked: true, passphrase: PASSPHRASE } });
  await visible(nav(page), 'the navigation');
  await page.evaluate(() => window.__FAKE_BUTLER__.emit('locked', { reason: 'auto', idle_minutes: 10 }));
  await visible(page.getByText('Locked after 10 minutes idle.'), 'the idle-lock message');
  check((await nav(page).count()) === 0, 'the navigation is still shown after the lock');
  await shot(page, '09-unlock-after-idle');
  await finish();
});

test('the lock button locks the vault', async (browser, base) => {
  const { page, finish } = await openApp(browser, base, { init: { exists: true, unlocked: true, passphrase: PASSPHRASE } });
  await visible(nav(page), 'the navigation');
  await page.getByRole('button', { name: 'Lock' }).click();
  await visible(page.getByRole('heading', { name: 'Unlock Butler' }), 'the unlock heading');
  check((await calls(page, 'lock')).length === 1, 'lock was not called once');
  await finish();
});

test('owner activity is reported, at most once per 30 s', async (browser, base) => {
  const { page, finish } = await openApp(browser, base, { init: { exists: true, unlocked: true, passphrase: PASSPHRASE } });
  await visible(nav(page), 'the navigation');
  for (let i = 0; i < 20; i++) await page.mouse.move(100 + i * 10, 200 + i * 5);
  await page.keyboard.press('Shift');
  const sent = await calls(page, 'activity');
  check(sent.length === 1, `activity was called ${sent.length} times, expected once`);
  check(JSON.stringify(sent[0].args) === '{}', `activity got arguments ${JSON.stringify(sent[0].args)}`);
  await finish();
});

test('the Requests count follows the Rust side; a navigate event switches sections', async (browser, base) => {
  const { page, finish } = await openApp(browser, base, { init: { exists: true, unlocked: true, passphrase: PASSPHRASE } });
  await visible(nav(page), 'the navigation');
  check((await nav(page).locator('.count').count()) === 0, 'a count shows with no pending request');
  await page.evaluate(() => window.__FAKE_BUTLER__.addRequest({ user_code: 'WDJB-MJHT' }));
  await visible(nav(page).getByRole('link', { name: 'Requests 1 pending' }), 'the count after a new request');
  await page.evaluate(() => window.__FAKE_BUTLER__.emit('navigate', 'requests'));
  await visible(page.getByRole('heading', { level: 1, name: 'Requests' }), 'the Requests heading after navigate');
  await shot(page, '16-requests-count');
  await finish();
});

test('every section at 1100x760: a screenshot, no horizontal scroll', async (browser, base) => {
  const { page, finish } = await openApp(browser, base, { init: { exists: true, unlocked: true, passphrase: PASSPHRASE } });
  await visible(nav(page), 'the navigation');
  for (const [i, name] of SECTIONS.entries()) {
    await nav(page).getByRole('link', { name }).click();
    await visible(page.getByRole('heading', { level: 1, name }), `the ${name} heading`);
    const current = await nav(page).getByRole('link', { name }).getAttribute('aria-current');
    check(current === 'page', `the ${name} link is not marked as the current page`);
    check(page.url().endsWith(`#/${name.toLowerCase()}`), `the URL is ${page.url()} on ${name}`);
    await assertNoHorizontalScroll(page, 1100, name);
    await shot(page, `1${i}-section-${name.toLowerCase()}`);
  }
  await finish();
});

test('layout at 800x600: nothing cut off, no horizontal scroll', async (browser, base) => {
  const small = { width: 800, height: 600 };
  {
    const { page, finish } = await openApp(browser, base, { viewport: small });
    await visible(page.getByRole('heading', { name: 'Set up your vault' }), 'the first-run heading');
    await assertNoHorizontalScroll(page, 800, 'first run');
    await shot(page, '20-first-run-800x600');
    await finish();
  }
  {
    const { page, finish } = await openApp(browser, base, { viewport: small, init: { exists: true, passphrase: PASSPHRASE } });
    await visible(page.getByRole('heading', { name: 'Unlock Butler' }), 'the unlock heading');
    await assertNoHorizontalScroll(page, 800, 'unlock');
    await assertInViewport(page, page.getByRole('button', { name: 'Unlock' }), 'the Unlock button');
    await shot(page, '21-unlock-800x600');
    await finish();
  }
  {
    const { page, finish } = await openApp(browser, base, {
      viewport: small,
      hash: '#/requests',
      init: { exists: true, unlocked: true, passphrase: PASSPHRASE, requests: [{ user_code: 'WDJB-MJHT' }, { user_code: 'QRTZ-PLMK' }] },
    });
    await visible(nav(page).getByRole('link', { name: 'Requests 2 pending' }), 'the pending count on Requests');
    await visible(nav(page), 'the navigation');
    await visible(page.getByRole('heading', { level: 1, name: 'Requests' }), 'the Requests heading');
    await assertNoHorizontalScroll(page, 800, 'shell');
    await assertInViewport(page, nav(page), 'the navigation');
    await assertInViewport(page, page.locator('main'), 'the main area');
    for (const name of SECTIONS) {
      const link = nav(page).getByRole('link', { name });
      await assertInViewport(page, link, `the ${name} link`);
      const clipped = await link.evaluate((el) => [...el.querySelectorAll('.nav-label')].some((l) => l.scrollWidth > l.clientWidth + 1));
      check(!clipped, `the ${name} label is clipped`);
    }
    await assertInViewport(page, page.getByRole('button', { name: 'Lock' }), 'the Lock button');
    const mainBox = await page.locator('main').boundingBox();
    check(mainBox.width >= 600, `the main area is only ${mainBox.width} px wide at 800 px`);
    await shot(page, '22-shell-800x600');
    await finish();
  }
});

test('keyboard: skip link first, then every nav link and the lock button by Tab', async (browser, base) => {
  const { page, finish } = await openApp(browser, base, {
    viewport: { width: 800, height: 600 },
    init: { exists: true, unlocked: true, passphrase: PASSPHRASE },
  });
  await visible(nav(page), 'the navigation');

  await page.keyboard.press('Tab');
  const first = await focused(page);
  check(first.text === 'Skip to content', `the first Tab stop is ${JSON.stringify(first)}, not the skip link`);
  check(first.inViewport, 'the focused skip link is not visible');
  await shot(page, '30-skip-link-focused');

  const seen = [];
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (f.section) seen.push(f.section);
    if (f.text === 'Lock') {
      seen.push('lock');
      break;
    }
    if (i === 2) await shot(page, '31-nav-link-focused');
  }
  const expected = [...SECTIONS.map((s) => s.toLowerCase()), 'lock'];
  check(JSON.stringify(seen) === JSON.stringify(expected), `Tab reached ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`);

  // Enter on a focused link navigates; the skip link moves focus to the main area.
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  await visible(page.getByRole('heading', { level: 1, name: 'Settings' }), 'the Settings heading after Enter');
  let back = await focused(page);
  for (let i = 0; i < 10 && back.text !== 'Skip to content'; i++) {
    await page.keyboard.press('Shift+Tab');
    back = await focused(page);
  }
  check(back.text === 'Skip to content', `Shift+Tab back to the start reached ${JSON.stringify(back)}`);
  await page.keyboard.press('Enter');
  const main = await page.evaluate(() => document.activeElement?.id);
  check(main === 'main-content', `the skip link moved focus to "${main}", not the main area`);
  check(page.url().endsWith('#/settings'), `the skip link changed the URL to ${page.url()}`);
  await finish();
});

// The shared classes of src/styles/components.css, laid out in the real shell, so that a person
// can look at buttons, fields, cards, tables, badges and notices together.
const DESIGN_SAMPLE = `
<section class="page">
  <header class="page-header">
    <div><h1>Design sample</h1><p>Every shared class, as the screens use them.</p></div>
    <div class="cluster">
      <button class="btn btn-primary">Approve</button>
      <button class="btn btn-secondary">Narrow</button>
      <button class="btn btn-danger">Revoke</button>
      <button class="btn btn-quiet">Details</button>
    </div>
  </header>
  <div class="cluster">
    <span class="badge badge-ok">active</span><span class="badge badge-warn">paused</span>
    <span class="badge badge-danger">revoked</span><span class="badge badge-neutral">unverified</span>
    <span class="count">3</span>
    <button class="btn btn-secondary btn-sm">Small</button><button class="btn btn-primary btn-sm" disabled>Disabled</button>
  </div>
  <div class="card stack">
    <div class="card-header"><h2>Offer preferences</h2><span class="badge badge-neutral">draft</span></div>
    <div class="field"><label class="field-label" for="s1">Home city</label>
      <input id="s1" class="input" value="Lyon" aria-describedby="s1-hint"><div class="field-hint" id="s1-hint">Shared as a region unless you choose otherwise.</div></div>
    <div class="field"><label class="field-label" for="s2">Offers per week</label>
      <input id="s2" class="input" value="twelve" aria-invalid="true" aria-describedby="s2-err"><p class="field-error" id="s2-err">Enter a number from 0 to 50.</p></div>
    <div class="field"><label class="field-label" for="s3">Channel</label>
      <select id="s3" class="input"><option>Email</option><option>In the app</option></select></div>
  </div>
  <div class="notice notice-info"><div class="notice-body"><p class="notice-title">New request</p><p>Acme Running asks for your shoe size to recommend products.</p></div></div>
  <div class="notice notice-ok"><div class="notice-body">The log verifies end to end.</div></div>
  <div class="notice notice-warn"><div class="notice-body">Acme Running asked 40 times in an hour, more than usual.</div></div>
  <div class="notice notice-error"><div class="notice-body">The export could not be written.</div></div>
  <div class="table-wrap"><table class="table">
    <thead><tr><th>When</th><th>Brand</th><th>Purpose</th><th>Fields</th><th class="num">Requests</th><th>Outcome</th></tr></thead>
    <tbody>
      <tr><td>Today 09:14</td><td>Acme Running</td><td>recommend-products</td><td>sizes.shoe, interests (coarse)</td><td class="num">12</td><td><span class="badge badge-ok">disclosed</span></td></tr>
      <tr><td>Yesterday 18:02</td><td>Northwind Books</td><td>personalize-offers</td><td>interests (answer)</td><td class="num">3</td><td><span class="badge badge-warn">partly withheld</span></td></tr>
      <tr><td>Mon 11:40</td><td>Unknown Client</td><td>measure</td><td>birth_date</td><td class="num">1</td><td><span class="badge badge-danger">refused</span></td></tr>
    </tbody></table></div>
</section>
<div class="toasts"><div class="notice notice-ok toast"><p class="notice-body">Grant paused.</p></div></div>`;

test('design sample: the shared classes in the shell (screenshots)', async (browser, base) => {
  for (const viewport of [{ width: 1100, height: 760 }, { width: 800, height: 600 }]) {
    const { page, finish } = await openApp(browser, base, { viewport, init: { exists: true, unlocked: true, passphrase: PASSPHRASE } });
    await visible(nav(page), 'the navigation');
    // The sample is set as DOM nodes (parsed by a template), which the CSP allows.
    await page.evaluate((html) => {
      const t = document.createElement('template');
      t.innerHTML = html;
      document.querySelector('main').replaceChildren(t.content);
    }, DESIGN_SAMPLE);
    await assertNoHorizontalScroll(page, viewport.width, 'design sample');
    await shot(page, `40-design-sample-${viewport.width}x${viewport.height}`);
    await page.evaluate(() => {
      const main = document.querySelector('main');
      main.scrollTop = main.scrollHeight;
    });
    await shot(page, `41-design-sample-${viewport.width}x${viewport.height}-end`);
    await finish();
  }
});

// ---------- runner ----------

async function main() {
  // Each suite exports `default (test, helpers)` and registers its tests with `test`.
  const helpers = { openApp, visible, shot, check, calls, nav, focused, assertNoHorizontalScroll, assertInViewport, PASSPHRASE };
  for (const suite of SUITES) (await import(pathToFileURL(suite).href)).default(test, helpers);
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });

  const server = await startServer();
  const base = `http://127.0.0.1:${server.address().port}`;
  let browser;
  let passed = 0;
  let failed = 0;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      timeout: 30_000,
    });
    for (const { name, fn } of tests) {
      const started = Date.now();
      try {
        await withTimeout(fn(browser, base), TEST_TIMEOUT_MS, name);
        passed++;
        console.log(`ok - ${name} (${Date.now() - started} ms)`);
      } catch (error) {
        failed++;
        const message = error instanceof Failure ? error.message : (error?.stack ?? String(error));
        console.log(`not ok - ${name}\n  ${message.replace(/\n/g, '\n  ')}`);
      }
    }
  } finally {
    await browser?.close().catch(() => {});
    await new Promise((r) => server.close(r));
  }
  console.log(`\nscreenshots: ${OUT}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

const watchdog = setTimeout(() => die(`the browser tests took longer than ${RUN_TIMEOUT_MS / 1000} s`), RUN_TIMEOUT_MS);
main()
  .then((code) => {
    clearTimeout(watchdog);
    process.exitCode = code;
  })
  .catch((error) => {
    clearTimeout(watchdog);
    die(error?.stack ?? String(error));
  });
