// Requests, Brands and Activity in headless Chromium, over the fake of
// tests/browser/fake/requests-brands-activity.js (sample brands, grants, ~40 log entries).

const UNLOCKED = { exists: true, unlocked: true };
const TWO_REQUESTS = [{ user_code: 'WDJB-MJHT' }, { user_code: 'QRTZ-PLMK' }];
const ACME = 'cl_acme_running';
const LUMEN = 'cl_lumen_grocer';
/** Every catalog field name the sample data uses, to check an entry names only what was asked. */
const CATALOG = [
  'birth_date', 'gender', 'language', 'home.country', 'home.region', 'home.city', 'home.postcode', 'household.size',
  'household.children_ages', 'sizes.clothing', 'sizes.shoe', 'contact.email', 'interests', 'offer_preferences',
  'shopping.decision_style', 'health', 'religion', 'politics',
];

export default function (test, h) {
  const { openApp, visible, shot, check, calls, nav, assertNoHorizontalScroll } = h;

  const card = (page, code) => page.locator(`[data-testid="request"][data-user-code="${code}"]`);
  const toggle = (c, field) => c.locator(`input[data-testid="field-toggle"][data-field="${field}"]`);
  const mode = (c, field) => c.locator(`select[data-testid="field-mode"][data-field="${field}"]`);
  const brandCard = (page, id) => page.locator(`[data-testid="brand"][data-client-id="${id}"]`);
  const grant = (page, id) => page.locator(`[data-testid="grant"][data-grant-id="${id}"]`);

  /** Dismisses the toasts and moves the pointer away, for a screenshot of the page itself. */
  async function calm(page) {
    for (const b of await page.getByRole('button', { name: 'Dismiss' }).all()) await b.click().catch(() => {});
    await page.mouse.move(1, 1);
  }

  /** The main area scrolled to its top (it keeps its position across sections). */
  const toTop = (page) => page.evaluate(() => document.querySelector('main')?.scrollTo(0, 0));

  async function waitFor(page, fn, arg, what) {
    try {
      await page.waitForFunction(fn, arg, { timeout: 10_000 });
    } catch {
      throw new Error(`${what}: not so after 10 s`);
    }
  }

  test('requests: approve narrowed sends exactly the ticked fields, and the grant shows in Brands', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/requests', init: { ...UNLOCKED, requests: TWO_REQUESTS } });
    const lumen = card(page, 'WDJB-MJHT');
    await visible(lumen, 'the WDJB-MJHT request');
    check((await page.locator('[data-screen="requests"]').count()) === 1, 'no data-screen="requests"');
    check((await page.getByTestId('request').count()) === 2, 'not two request cards');
    const text = await lumen.innerText();
    for (const words of ['Lumen Grocer', 'unverified', 'WDJB-MJHT', 'https://lumen-grocer.example', 'Recommend products']) {
      check(text.includes(words), `the request card does not show "${words}"`);
    }
    check(await toggle(lumen, 'household.size').isChecked(), 'an ordinary field is not ticked by default');
    check(!(await toggle(lumen, 'health').isChecked()), 'the special-category field is ticked by default');
    const terms = await lumen.getByTestId('terms').innerText();
    check(/Lumen Grocer has not stated its terms\. By taking the token, it accepts yours:\s*SD-BASE-ATP/.test(terms),
      `the unstated terms read "${terms}"`);
    check((await lumen.getByTestId('agreement').inputValue()) === 'SD-BASE-ATP', 'the terms choice is not the proposed agreement');
    check((await lumen.getByTestId('approve').innerText()).trim() === 'Approve narrowed',
      'with the special field left out the approval is narrowed, but the button does not say so');
    const modes = await mode(lumen, 'household.children_ages').locator('option').evaluateAll((os) => os.map((o) => o.value));
    check(JSON.stringify(modes) === '["exact","coarse","answer"]', `the mode choice offers ${JSON.stringify(modes)}`);
    await assertNoHorizontalScroll(page, 1100, 'requests');
    await shot(page, 'requests-1100x760');

    await toggle(lumen, 'home.postcode').uncheck();
    await mode(lumen, 'household.children_ages').selectOption('coarse');
    await lumen.locator('input[data-testid="purpose-toggle"][data-purpose="personalize-offers"]').uncheck();
    await lumen.getByTestId('duration').selectOption('30');
    check((await lumen.getByTestId('web-origin').innerText()).includes('https://lumen-grocer.example'),
      'the request does not offer to allow the brand\'s web origin');
    check(!(await lumen.getByTestId('allow-origin').isChecked()), 'the web origin is allowed by default');
    await lumen.getByTestId('allow-origin').check();
    await shot(page, 'requests-narrowed');
    await lumen.getByTestId('approve').click();

    await lumen.waitFor({ state: 'detached', timeout: 10_000 });
    await visible(page.getByText(/Approved\. Lumen Grocer may use 3 details for 30 days/), 'the approval toast');
    const sent = await calls(page, 'approve_request');
    const expected = {
      approval: {
        user_code: 'WDJB-MJHT',
        fields: [
          { field: 'household.size', mode: 'exact' },
          { field: 'household.children_ages', mode: 'coarse' },
          { field: 'interests', mode: 'exact' },
        ],
        purposes: ['recommend-products'],
        days: 30,
        sensitive_consent: [],
        allow_origin: true,
        agreement: null,
      },
    };
    check(sent.length === 1 && JSON.stringify(sent[0].args) === JSON.stringify(expected),
      `approve_request got ${JSON.stringify(sent)}, expected ${JSON.stringify(expected)}`);
    check((await page.getByTestId('request').count()) === 1, 'the approved request is still listed');
    await visible(nav(page).getByRole('link', { name: 'Requests 1 pending' }), 'the pending count after approving');

    await nav(page).getByRole('link', { name: 'Brands' }).click();
    const brand = brandCard(page, LUMEN);
    await visible(brand, 'Lumen Grocer in Brands');
    const g = brand.getByTestId('grant');
    check((await g.count()) === 1, 'the approval did not make one grant');
    check((await g.getAttribute('data-state')) === 'active', 'the new grant is not active');
    const gText = await g.innerText();
    check(gText.includes('active') && gText.includes('household.children_ages') && gText.includes('coarse'),
      `the new grant shows "${gText}"`);
    check(!gText.includes('home.postcode') && !gText.includes('health'), 'the grant lists a field that was left out');
    check((await g.getByTestId('allowed-origin').innerText()).includes('https://lumen-grocer.example'),
      'the grant does not show the allowed web origin');
    check((await g.getByTestId('grant-agreement').getAttribute('data-agreement')) === 'SD-BASE-ATP',
      'the grant does not show the proposed terms');
    await finish();
  });

  test('requests: a brand that accepts none of your terms is bound to the one you choose, and the grant shows it', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, {
      hash: '#/requests',
      init: { ...UNLOCKED, requests: [{ user_code: 'KTNV-RQZD' }, { user_code: 'QRTZ-PLMK' }] },
    });
    const tidy = card(page, 'KTNV-RQZD');
    await visible(tidy, 'the KTNV-RQZD request');
    check((await tidy.getByTestId('terms').getAttribute('data-standing')) === 'mismatch', 'the request is not a mismatch');
    const warning = await tidy.getByTestId('terms-mismatch').innerText();
    check(warning.includes('Tidy Home accepts none of your terms for this request') && warning.includes('SD-BASE-A, SD-BASE-ATP-S3P'),
      `the mismatch warning reads "${warning}"`);
    const select = tidy.getByTestId('agreement');
    check(await select.evaluate((el) => el.required && el.value === ''), 'the terms choice is not required and empty');
    const options = await select.locator('option').evaluateAll((os) => os.map((o) => o.textContent));
    check(JSON.stringify(options) === JSON.stringify(['Choose…', 'SD-BASE-ATP-S3P']), `the terms choice offers ${JSON.stringify(options)}`);
    const fjordTerms = await card(page, 'QRTZ-PLMK').getByTestId('terms').innerText();
    check(fjordTerms.includes('Your terms: SD-BASE-ATP') && fjordTerms.includes('Fjord Outdoor accepts them.'),
      `the accepted terms read "${fjordTerms}"`);

    await tidy.getByTestId('approve').click();
    await visible(tidy.getByTestId('approve-error'), 'the choose-the-terms message');
    check((await select.getAttribute('aria-invalid')) === 'true', 'the terms choice is not marked invalid');
    check((await calls(page, 'approve_request')).length === 0, 'approve_request was called without a choice');
    await tidy.scrollIntoViewIfNeeded();
    await shot(page, 'requests-terms-mismatch');

    await select.selectOption('SD-BASE-ATP-S3P');
    check((await tidy.innerText()).includes('share fully anonymised data'), 'the chosen agreement\'s words are not shown');
    await tidy.getByTestId('approve').click();
    await tidy.waitFor({ state: 'detached', timeout: 10_000 });
    const sent = await calls(page, 'approve_request');
    check(sent.length === 1 && sent[0].args.approval.agreement === 'SD-BASE-ATP-S3P',
      `approve_request got ${JSON.stringify(sent.map((c) => c.args.approval.agreement))}`);

    await nav(page).getByRole('link', { name: 'Brands' }).click();
    const brand = brandCard(page, 'cl_tidy_home');
    await visible(brand, 'Tidy Home in Brands');
    const agreement = brand.getByTestId('grant-agreement');
    check((await agreement.getAttribute('data-agreement')) === 'SD-BASE-ATP-S3P', 'the grant does not show the chosen terms');
    check((await agreement.innerText()).includes('share fully anonymised data'), 'the grant does not say what its terms allow');
    check((await grant(page, 'gr_nwb_0b77').getByTestId('grant-agreement').count()) === 0, 'a grant without terms shows some');
    await finish();
  });

  test('requests: a special field needs consent, zero fields are refused, deny asks first', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/requests', init: { ...UNLOCKED, requests: TWO_REQUESTS } });
    const lumen = card(page, 'WDJB-MJHT');
    await visible(lumen, 'the WDJB-MJHT request');

    await toggle(lumen, 'health').check();
    const consent = lumen.locator('input[data-testid="sensitive-consent"][data-field="health"]');
    await visible(consent, 'the consent checkbox of the special field');
    await lumen.getByTestId('approve').click();
    await visible(lumen.getByTestId('approve-error'), 'the missing-consent message');
    check((await consent.getAttribute('aria-invalid')) === 'true', 'the consent box is not marked invalid');
    await shot(page, 'requests-consent-needed');

    for (const f of ['household.size', 'household.children_ages', 'home.postcode', 'interests', 'health']) {
      await toggle(lumen, f).uncheck();
    }
    await lumen.getByTestId('approve').click();
    await visible(lumen.getByText('Tick at least one detail to share, or deny the request.'), 'the zero-fields message');
    check((await calls(page, 'approve_request')).length === 0, 'approve_request was called without consent or fields');

    const fjord = card(page, 'QRTZ-PLMK');
    await fjord.getByTestId('deny').click();
    const dialog = page.getByRole('dialog');
    await visible(dialog, 'the deny confirmation');
    await shot(page, 'requests-deny-confirm');
    check((await calls(page, 'deny_request')).length === 0, 'deny_request was called before confirming');
    await dialog.getByTestId('confirm').click();
    await fjord.waitFor({ state: 'detached', timeout: 10_000 });
    const denied = await calls(page, 'deny_request');
    check(denied.length === 1 && denied[0].args.user_code === 'QRTZ-PLMK', `deny_request got ${JSON.stringify(denied)}`);
    await finish();
  });

  test('requests: empty, then a new request appears on the requests event', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/requests', init: UNLOCKED });
    await visible(page.getByTestId('requests-empty'), 'the empty state');
    check((await page.getByTestId('requests-empty').innerText()).includes('with a code'), 'the empty state does not explain the code');
    await shot(page, 'requests-empty');
    await page.evaluate(() => window.__FAKE_BUTLER__.addRequest({ user_code: 'QRTZ-PLMK' }));
    await visible(card(page, 'QRTZ-PLMK'), 'the new request after the event');
    await finish();
  });

  test('brands: pause, resume, revoke with confirmation; knowledge and receipts', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/brands', init: UNLOCKED });
    await visible(page.locator('[data-screen="brands"] [data-testid="brand"]'), 'a brand card');
    const order = await page.getByTestId('brand').evaluateAll((els) => els.map((e) => e.getAttribute('data-client-id')));
    check(JSON.stringify(order) === JSON.stringify([LUMEN, ACME, 'cl_northwind_books']), `brands are in the order ${order}`);
    await assertNoHorizontalScroll(page, 1100, 'brands');
    await shot(page, 'brands-1100x760');

    // Revoked and expired grants have no buttons.
    for (const id of ['gr_acme_19c0', 'gr_nwb_0b77']) {
      check((await grant(page, id).locator('button').count()) === 0, `the ended grant ${id} has buttons`);
    }
    check((await grant(page, 'gr_nwb_52e1').getByTestId('grant-state').innerText()).includes('paused'), 'the paused badge');

    const g = grant(page, 'gr_acme_7f3a');
    await g.getByTestId('pause-grant').click();
    await waitFor(page, () => document.querySelector('[data-grant-id="gr_acme_7f3a"]')?.getAttribute('data-state') === 'paused', null, 'the grant is paused');
    check((await g.getByTestId('grant-state').innerText()).includes('paused'), 'the badge does not say paused');
    await g.getByTestId('resume-grant').click();
    await waitFor(page, () => document.querySelector('[data-grant-id="gr_acme_7f3a"]')?.getAttribute('data-state') === 'active', null, 'the grant is active again');

    await g.getByTestId('revoke-grant').click();
    const dialog = page.getByRole('dialog');
    await visible(dialog, 'the revoke confirmation');
    check((await dialog.innerText()).includes('Revoke is final'), 'the dialog does not say revoke is final');
    await shot(page, 'brands-revoke-confirm');
    check(!(await calls(page, 'set_grant_status')).some((c) => c.args.status === 'revoked'), 'revoked before confirming');
    await dialog.getByTestId('confirm').click();
    await waitFor(page, () => document.querySelector('[data-grant-id="gr_acme_7f3a"]')?.getAttribute('data-state') === 'revoked', null, 'the grant is revoked');
    check((await g.locator('button').count()) === 0, 'the revoked grant still has buttons');
    const statuses = (await calls(page, 'set_grant_status')).map((c) => `${c.args.grant_id}:${c.args.status}`);
    check(JSON.stringify(statuses) === JSON.stringify(['gr_acme_7f3a:paused', 'gr_acme_7f3a:active', 'gr_acme_7f3a:revoked']),
      `set_grant_status calls: ${statuses}`);

    // What Acme knows, and its receipts.
    const acme = brandCard(page, ACME);
    await acme.getByTestId('knowledge-toggle').click();
    await visible(acme.getByTestId('knowledge-row'), 'a knowledge row');
    const known = await acme.getByTestId('knowledge').innerText();
    check(known.includes('sizes.shoe') && known.includes('Recommend products'), `knowledge shows "${known.slice(0, 200)}"`);
    await acme.getByTestId('receipts-toggle').click();
    await visible(acme.getByTestId('receipt'), 'a receipt');
    const first = acme.getByTestId('receipt').first();
    check((await first.innerText()).includes('revoked'), 'the newest receipt is not the revocation');
    await acme.getByTestId('knowledge').scrollIntoViewIfNeeded();
    await calm(page);
    await shot(page, 'brands-knowledge-receipts');

    // Copy: to the clipboard when allowed; otherwise the text is shown selected.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await first.getByTestId('copy-receipt').click();
    await visible(page.getByText(/copied: a signed JWS/), 'the copied toast');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    check(/^[\w-]+\.[\w-]+\.[\w-]+$/.test(copied), `the clipboard holds "${copied.slice(0, 60)}", not a compact JWS`);
    await page.evaluate(() => {
      navigator.clipboard.writeText = () => Promise.reject(new Error('denied'));
    });
    await acme.getByTestId('receipt').nth(1).getByTestId('copy-receipt').click();
    const area = acme.getByTestId('receipt-jws');
    await visible(area, 'the receipt text to copy by hand');
    const selected = await area.evaluate((el) => el.selectionEnd - el.selectionStart === el.value.length && document.activeElement === el);
    check(selected, 'the fallback textarea is not focused with its text selected');
    await calm(page);
    await shot(page, 'brands-receipts-copy-by-hand');

    // A brand that was given nothing.
    const lumen = brandCard(page, LUMEN);
    await lumen.getByTestId('knowledge-toggle').click();
    await visible(lumen.getByText('Nothing has been shared with Lumen Grocer yet.'), 'the knowledge empty state');
    await finish();
  });

  test('brands: the empty state', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/brands', init: { ...UNLOCKED, brands: [] } });
    await visible(page.getByTestId('brands-empty'), 'the brands empty state');
    await shot(page, 'brands-empty');
    await finish();
  });

  test('activity: the chain verifies, the chart renders, filters reach query_log, entries name their fields', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/activity', init: { ...UNLOCKED, pageLimit: 15 } });
    await visible(page.locator('[data-screen="activity"] [data-testid="log-entry"]'), 'a log entry');
    await visible(page.getByText('The log verifies end to end: 41 entries'), 'the verified chain');
    check((await page.getByTestId('chain-status').getAttribute('data-state')) === 'verified', 'the chain card is not verified');
    await visible(page.getByTestId('alert'), 'an alert');

    const canvas = page.locator('[data-testid="activity-chart"] canvas').first();
    await visible(canvas, 'the chart canvas');
    const box = await canvas.boundingBox();
    const container = await page.getByTestId('activity-chart').boundingBox();
    check(box && box.width > 100 && box.height > 50, `the chart canvas is ${JSON.stringify(box)}`);
    check(box.x + box.width <= container.x + container.width + 1, 'the chart is wider than its card');
    check((await page.getByTestId('chart-summary').innerText()).includes('41 requests in the last 30 days'), 'the chart summary');
    await assertNoHorizontalScroll(page, 1100, 'activity');
    await shot(page, 'activity-1100x760');

    // Stacked by brand: one colour per brand, the same total.
    await page.getByTestId('chart-by-brand').click();
    await visible(page.getByTestId('chart-summary').getByText(/from Acme Running/), 'the by-brand summary');
    await page.getByTestId('activity-chart').scrollIntoViewIfNeeded();
    const over = page.locator('[data-testid="activity-chart"] .u-over').first();
    const overBox = await over.boundingBox();
    await over.hover({ position: { x: overBox.width - 12, y: overBox.height / 2 } });
    await visible(page.getByText(/^[A-Z][a-z]{2} \d+, \d{4}: \d+ requests?/), 'the numbers of the day under the pointer');
    await shot(page, 'activity-chart-by-brand');
    await page.getByRole('button', { name: 'By outcome' }).click();

    // Entries: only the fields asked for are named, with the brand.
    const entries = await page.getByTestId('log-entry').evaluateAll((els) => els.map((e) => ({
      text: e.textContent,
      disclosed: [...e.querySelectorAll('[data-testid="disclosed-field"]')].map((d) => d.getAttribute('data-field')),
    })));
    check(entries.length === 15, `the first page has ${entries.length} entries`);
    const log = await page.evaluate(() => window.__FAKE_BUTLER__.state.log);
    for (const shown of entries) {
      const seq = Number(/log-(\d+)/.exec(shown.text)?.[1]);
      const entry = log.find((e) => e.seq === seq);
      check(entry, `an entry shows no receipt id: "${shown.text.slice(0, 80)}"`);
      check(shown.text.includes(entry.brand), `entry ${seq} does not name its brand`);
      for (const d of entry.disclosed) check(shown.text.includes(d.field), `entry ${seq} does not show ${d.field}`);
      const named = new Set([...entry.asked, ...entry.disclosed.map((d) => d.field), ...entry.withheld.map((w) => w.field)]);
      for (const f of CATALOG) {
        if (!named.has(f) && new RegExp(`(^|[^\\w.])${f.replace('.', '\\.')}($|[^\\w.])`).test(shown.text)) {
          check(false, `entry ${seq} names ${f}, which was not asked`);
        }
      }
    }

    // Load older passes the last seq as `before`.
    const lastSeq = Number(await page.getByTestId('log-entry').last().getAttribute('data-seq'));
    await page.getByTestId('load-older').click();
    await waitFor(page, () => document.querySelectorAll('[data-testid="log-entry"]').length === 30, null, 'thirty entries after Load older');
    const older = (await calls(page, 'query_log')).at(-1);
    check(older.args.before === lastSeq && older.args.limit === 50, `Load older sent ${JSON.stringify(older.args)}`);

    // Filters.
    await page.getByTestId('filter-brand').selectOption(ACME);
    await page.getByTestId('filter-outcome').selectOption('narrowed');
    const fieldOptions = await page.getByTestId('filter-field').locator('option').evaluateAll((os) => os.map((o) => o.value));
    check(fieldOptions.includes('sizes.shoe') && fieldOptions.includes('home.city') && !fieldOptions.includes('politics'),
      `the field filter offers ${fieldOptions}`);
    await page.getByTestId('filter-apply').click();
    await waitFor(page, () => [...document.querySelectorAll('[data-testid="log-entry"]')].every((e) => e.getAttribute('data-outcome') === 'narrowed'),
      null, 'only narrowed entries');
    const q = (await calls(page, 'query_log')).at(-1).args;
    check(q.filter.brand === ACME && q.filter.outcome === 'narrowed' && q.before === null && q.filter.field === null,
      `query_log got ${JSON.stringify(q)}`);
    const narrowed = await page.getByTestId('log-entry').first().innerText();
    check(narrowed.includes('Acme Running') && narrowed.includes('birth_date') && narrowed.includes('home.city') && narrowed.includes('not granted'),
      `a narrowed entry shows "${narrowed}"`);
    check(!narrowed.includes('sizes.shoe'), 'a narrowed entry names sizes.shoe, which it did not ask for');
    await visible(page.getByRole('heading', { name: 'Requests per day from Acme Running' }), 'the brand timeline title');
    await page.getByTestId('log-filters').scrollIntoViewIfNeeded();
    await shot(page, 'activity-filtered');

    // Dates and text.
    await page.getByTestId('filter-reset').click();
    await page.getByTestId('filter-since').fill('2020-01-01');
    await page.getByTestId('filter-text').fill('shoe');
    await page.getByTestId('filter-apply').click();
    await waitFor(page, () => document.querySelectorAll('[data-testid="log-entry"]').length > 0, null, 'entries after a text search');
    const t = (await calls(page, 'query_log')).at(-1).args.filter;
    check(t.text === 'shoe' && typeof t.since === 'string' && t.since.startsWith('20') && t.brand === null,
      `the text and date filters sent ${JSON.stringify(t)}`);
    await finish();
  });

  test('activity: a broken chain is shown in red with where and why', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, {
      hash: '#/activity',
      init: { ...UNLOCKED, chainBroken: { broken_at: 117, reason: "entry 117's hash does not follow entry 116" } },
    });
    await waitFor(page, () => document.querySelector('[data-testid="chain-status"]')?.getAttribute('data-state') === 'broken', null, 'the broken state');
    const text = await page.getByTestId('chain-status').innerText();
    check(text.includes('117') && text.includes('does not follow'), `the broken chain shows "${text}"`);
    await shot(page, 'activity-chain-broken');
    await finish();
  });

  test('activity: an empty log explains what will appear', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/activity', init: { ...UNLOCKED, log: [], alerts: [] } });
    await visible(page.getByTestId('activity-empty'), 'the activity empty state');
    await visible(page.getByTestId('alerts-empty'), 'the "No unusual use" state');
    check((await page.getByTestId('activity-empty').innerText()).includes('Every use of your data by a brand will appear here'),
      'the empty state does not explain');
    await shot(page, 'activity-empty');
    await finish();
  });

  test('requests, brands and activity at 800x600: no horizontal scroll (screenshots)', async (browser, base) => {
    const viewport = { width: 800, height: 600 };
    const { page, finish } = await openApp(browser, base, { viewport, hash: '#/requests', init: { ...UNLOCKED, requests: TWO_REQUESTS } });
    await visible(card(page, 'WDJB-MJHT'), 'a request');
    await assertNoHorizontalScroll(page, 800, 'requests at 800x600');
    await shot(page, 'requests-800x600');

    await nav(page).getByRole('link', { name: 'Brands' }).click();
    await visible(page.getByTestId('brand'), 'a brand');
    await toTop(page);
    await assertNoHorizontalScroll(page, 800, 'brands at 800x600');
    await shot(page, 'brands-800x600');
    await brandCard(page, ACME).getByTestId('knowledge-toggle').click();
    await visible(brandCard(page, ACME).getByTestId('knowledge-row'), 'a knowledge row');
    await assertNoHorizontalScroll(page, 800, 'brands at 800x600, with what Acme knows');
    await brandCard(page, ACME).getByTestId('knowledge').scrollIntoViewIfNeeded();
    await shot(page, 'brands-800x600-knowledge');

    await nav(page).getByRole('link', { name: 'Activity' }).click();
    await visible(page.getByTestId('log-entry'), 'a log entry');
    await toTop(page);
    await visible(page.locator('[data-testid="activity-chart"] canvas'), 'the chart');
    await page.waitForTimeout(200); // the ResizeObserver settles
    await assertNoHorizontalScroll(page, 800, 'activity at 800x600');
    const box = await page.locator('[data-testid="activity-chart"] canvas').first().boundingBox();
    check(box.x + box.width <= 800, `the chart runs off the window: ${JSON.stringify(box)}`);
    await shot(page, 'activity-800x600');
    await page.getByTestId('log-entry').first().scrollIntoViewIfNeeded();
    await shot(page, 'activity-800x600-entries');
    await finish();
  });
}
