// The demo shop end to end, as a visitor and their Butler would live it: the real `butler serve`
// on a temporary vault and the shop's server, both on loopback, and the shop's page in headless
// Chromium (Debian's, driven by playwright-core). The owner's side is the real `butler` command.
//
//   node tests/shop.test.mjs      (after `cargo build -p butler-cli -p butler-shop` and `npm run build`)
//
// Environment: BUTLER_BIN, SHOP_BIN (default: target/debug/ of the repository), CHROMIUM
// (default /usr/bin/chromium), SCREENSHOTS (a folder to save the shop before and after connecting).

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';
import PRODUCTS from '../src/products.json' with { type: 'json' };

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const BUTLER = process.env.BUTLER_BIN ?? join(repo, 'target/debug/butler');
const SHOP = process.env.SHOP_BIN ?? join(repo, 'target/debug/butler-shop');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = process.env.SCREENSHOTS;
const PASSPHRASE = 'shop test passphrase, not for real data';
/** The whole test stops after this, whatever happens. */
const DEADLINE_MS = 180_000;

const dataDir = mkdtempSync(join(tmpdir(), 'butler-shop-test-'));
const env = { ...process.env, BUTLER_DATA_DIR: dataDir, BUTLER_PASSPHRASE: PASSPHRASE };
const children = [];
let passed = 0;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Runs an owner command of the real `butler`; returns its standard output. */
function owner(...args) {
  return execFileSync(BUTLER, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts a server and resolves with the URL on the first line it prints. */
function serve(bin, args) {
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolveUrl, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${bin} exited with ${code} before serving`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      const url = line.match(/http:\/\/127\.0\.0\.1:\d+/)?.[0];
      if (url) resolveUrl(url);
      else reject(new Error(`${bin} printed no URL: ${line}`));
    });
  });
}

async function step(name, body) {
  await body();
  passed += 1;
  console.log(`ok ${passed} - ${name}`);
}

const order = (page) =>
  page.locator('[data-testid="products"] > li').evaluateAll((items) => items.map((i) => i.dataset.productId));

/** What the page must never show: an error left on the screen. */
async function noErrorShown(page) {
  const tone = await page.getByTestId('butler-status').getAttribute('data-tone');
  check(tone !== 'error', `the page shows an error: ${await page.getByTestId('butler-status').innerText()}`);
  check(!(await page.getByRole('alert').count()), 'the page shows an alert');
}

async function run() {
  owner('init');
  owner('profile', 'set', 'language', 'fr-FR');
  owner('interests', 'add', '--topic', '323', '--weight', '0.9');
  owner('interests', 'add', '--text', 'sourdough baking', '--weight', '0.6');
  owner('prefs', 'set', 'kinds.wanted', 'discount');
  const butlerUrl = await serve(BUTLER, ['serve', '--port', '0']);
  const shopUrl = await serve(SHOP, ['--port', '0', '--butler', butlerUrl]);
  const shopOrigin = new URL(shopUrl).origin;

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));

    let generic;
    await step('without Butler the shop shows its usual order and invites the visitor to connect', async () => {
      await page.goto(shopUrl);
      await page.getByTestId('connect').waitFor({ state: 'visible' });
      check((await page.getByTestId('products').getAttribute('data-order')) === 'generic', 'the order is not the generic one');
      generic = await order(page);
      check(generic.length === 8, `8 products expected, got ${generic.length}`);
      await noErrorShown(page);
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'shop-before.png'), fullPage: true });
    });

    let userCode;
    await step('connecting shows a user code, and the owner sees the shop and its origin in Butler', async () => {
      await page.getByTestId('connect').click();
      const code = page.getByTestId('user-code');
      await code.waitFor({ state: 'visible', timeout: 15_000 });
      userCode = (await code.innerText()).trim();
      check(/^[A-Z]{4}-[A-Z]{4}$/.test(userCode), `not a user code: ${userCode}`);
      const pending = JSON.parse(owner('requests', 'list', '--json'));
      const request = pending.find((r) => r.user_code === userCode);
      check(request?.brand === 'Corner Shop', `the request is not listed: ${JSON.stringify(pending)}`);
      check(request.web_origin === shopOrigin, `the request shows the origin ${request.web_origin}, not ${shopOrigin}`);
    });

    let grantId;
    await step('approved narrowed (no language) with --allow-origin, the page ranks its products by Butler', async () => {
      owner(
        'requests', 'approve', userCode, '--allow-origin', '--narrow',
        'field:interests:answer field:offer_preferences:answer purpose:recommend-products purpose:personalize-content purpose:contact',
      );
      await page.locator('[data-testid="products"][data-order="personalized"]').waitFor({ timeout: 30_000 });
      const personalized = await order(page);
      check(JSON.stringify(personalized) !== JSON.stringify(generic), 'the personalized order is the generic one');

      // The same question to the answers endpoint, with the page's token, gives the page's order.
      const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('corner-shop.butler')));
      grantId = saved.grantId;
      const products = await page.locator('[data-testid="products"] > li').count();
      check(products === 8, 'products went missing');
      const response = await fetch(`${butlerUrl}/v1/answers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${saved.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ purpose: 'recommend-products', candidates: CANDIDATES }),
      });
      check(response.status === 200, `the answers endpoint said ${response.status}`);
      const ranking = (await response.json()).ranking.map((r) => r.id);
      check(JSON.stringify(ranking) === JSON.stringify(personalized),
        `the page shows ${personalized}, the answers endpoint ranks ${ranking}`);
      check(personalized[0] === 'trail-shoes' && personalized[1] === 'sourdough-kit',
        `the owner's interests (running, sourdough) do not lead: ${personalized}`);

      const greeting = await page.getByTestId('greeting').innerText();
      check(greeting === 'Welcome to the Corner Shop', `the language was not granted, yet the greeting is "${greeting}"`);
      await noErrorShown(page);
    });

    await step('the offer goes through Butler, and the why panel names grant, purpose and receipt', async () => {
      await page.getByTestId('send-offer').click();
      const result = page.getByTestId('offer-result');
      await page.locator('[data-testid="offer-result"][data-decision]').waitFor({ timeout: 10_000 });
      const decision = await result.getAttribute('data-decision');
      check(['delivered', 'deferred', 'declined'].includes(decision), `decision ${decision}`);
      await page.getByTestId('why').locator('summary').click();
      const why = await page.getByTestId('why').innerText();
      check(why.includes(grantId) && why.includes('recommend-products') && why.includes('contact'), `the why panel says: ${why}`);
      const receipts = await page.locator('#why-list > li').evaluateAll((items) => items.map((i) => i.dataset.receipt));
      check(receipts.length === 2 && receipts.every((r) => /^log-\d+$/.test(r)), `receipts ${receipts}`);
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'shop-after.png'), fullPage: true });

      // The owner's log has each of the page's requests, with the shop's origin.
      const entries = JSON.parse(owner('log', 'list', '--json')).entries;
      for (const receipt of receipts) {
        const entry = entries.find((e) => `log-${e.seq}` === receipt);
        check(entry?.origin === shopOrigin, `entry ${receipt} does not name the shop's origin: ${JSON.stringify(entry)}`);
      }
      const language = entries.find((e) => e.endpoint === '/v1/profile' && e.origin === shopOrigin);
      check(language?.withheld?.[0]?.field === 'language', `the language read is not logged as withheld: ${JSON.stringify(language)}`);
      if (decision === 'delivered') {
        const inbox = owner('inbox', 'list');
        check(inbox.includes('15% off running gear'), `the delivered offer is not in the inbox: ${inbox}`);
      }
    });

    await step('with Butler stopped the page shows the usual order calmly, and is personal again once it is back', async () => {
      const serving = children.find((c) => c.spawnargs.includes('serve'));
      serving.kill('SIGTERM');
      await new Promise((done) => serving.once('exit', done));
      await page.reload();
      await page.locator('[data-testid="butler-status"]:not(:empty)').waitFor({ timeout: 15_000 });
      check((await page.getByTestId('products').getAttribute('data-order')) === 'generic', 'personalized with Butler stopped');
      check(JSON.stringify(await order(page)) === JSON.stringify(generic), 'not the generic order with Butler stopped');
      await noErrorShown(page);
      await serve(BUTLER, ['serve', '--port', new URL(butlerUrl).port]);
      await page.reload();
      await page.locator('[data-testid="products"][data-order="personalized"]').waitFor({ timeout: 15_000 });
    });

    await step('once the owner revokes the grant, the next load shows the usual order and no error', async () => {
      owner('grants', 'revoke', grantId);
      await page.reload();
      await page.locator('[data-testid="butler-status"]:not(:empty)').waitFor({ timeout: 15_000 });
      check((await page.getByTestId('products').getAttribute('data-order')) === 'generic', 'still personalized after revocation');
      check(JSON.stringify(await order(page)) === JSON.stringify(generic), 'not the generic order after revocation');
      check(await page.getByTestId('connect').isVisible(), 'no way to connect again');
      check(await page.getByTestId('why').isHidden(), 'the why panel still shows old personalizations');
      await noErrorShown(page);
      const refused = JSON.parse(owner('log', 'list', '--json', '--outcome', 'refused')).entries;
      check(refused.some((e) => e.origin === shopOrigin && e.note?.includes('revoked')),
        'the refused request after revocation is not in the owner\'s log with the shop\'s origin');
    });

    check(pageErrors.length === 0, `the page threw: ${pageErrors.join('; ')}`);
  } finally {
    await browser.close();
  }
}

/** The shop's products as candidates, as the page sends them (src/products.ts). */
const CANDIDATES = PRODUCTS.map(({ id, topics, text }) => ({ id, topics, text }));

const deadline = setTimeout(() => {
  console.error(`not ok - the shop test did not finish within ${DEADLINE_MS / 1000} s`);
  cleanup();
  process.exit(1);
}, DEADLINE_MS);

function cleanup() {
  for (const child of children) child.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}

if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
try {
  await run();
  console.log(`# ${passed} passed`);
} catch (error) {
  console.error(`not ok - ${error.stack ?? error}`);
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  cleanup();
}
