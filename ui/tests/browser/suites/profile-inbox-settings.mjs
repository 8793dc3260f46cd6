// Browser tests of the Profile, Inbox and Settings screens, against the fake Rust side in
// ../fake/profile-inbox-settings.js. Screenshots go to tests/browser/out/ as profile-*, inbox-*
// and settings-*.

const OPEN = { exists: true, unlocked: true, kdfDelayMs: 150 };

/** The text of the elements an input's aria-describedby names. */
const description = (locator) =>
  locator.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' '),
  );

/** Scrolls the main area to its end (or to `y`). */
const scrollMain = (page, y = null) =>
  page.evaluate((to) => {
    const main = document.querySelector('main');
    main.scrollTop = to ?? main.scrollHeight;
  }, y);

export default function (test, h) {
  const { openApp, visible, shot, check, calls, nav, assertNoHorizontalScroll, assertInViewport, PASSPHRASE } = h;
  const init = { ...OPEN, passphrase: PASSPHRASE };

  test('profile: a field is edited and saved; "Saved" shows in its row, Enter saves too', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/profile', init });
    await visible(page.locator('[data-screen="profile"]'), 'the profile screen');
    const city = page.locator('[data-field="home.city"]');
    await visible(city, 'the home.city row');
    check((await city.locator('input').count()) === 1, 'the home.city row has more than one input');
    check((await city.locator('input').inputValue()) === 'Bristol', 'home.city does not show its value');

    await city.locator('input').fill('Bath');
    await city.getByTestId('save-field').click();
    await visible(city.getByText('Saved'), '"Saved" in the home.city row');
    const sent = await calls(page, 'set_field');
    check(sent.length === 1 && sent[0].args.name === 'home.city' && sent[0].args.value === 'Bath',
      `set_field got ${JSON.stringify(sent)}`);

    // Enter in the input saves, and the value comes back normalised (fr -> FR is the Rust side's).
    const clothing = page.locator('[data-field="sizes.clothing"]');
    await clothing.locator('input').fill('m');
    await clothing.locator('input').press('Enter');
    await visible(clothing.getByText('Saved'), '"Saved" in the sizes.clothing row');
    check((await clothing.locator('input').inputValue()) === 'M', 'the normalised clothing size is not shown');
    await shot(page, 'profile-10-field-saved');

    // A set field can be cleared.
    const gender = page.locator('[data-field="gender"]');
    check((await gender.getByTestId('clear-field').count()) === 0, 'an empty field has a Clear button');
    const email = page.locator('[data-field="contact.email"]');
    await email.getByTestId('clear-field').click();
    await visible(email.getByText('Cleared'), '"Cleared" in the contact.email row');
    check((await calls(page, 'unset_field'))[0]?.args.name === 'contact.email', 'unset_field was not called for contact.email');
    await finish();
  });

  test('profile: a refused value shows the reason beside its field', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/profile', init });
    const country = page.locator('[data-field="home.country"]');
    await visible(country, 'the home.country row');
    const input = country.locator('input');
    await input.fill('France');
    await input.press('Enter');
    const message = country.getByText('“France” is not a two-letter ISO 3166-1 country code.');
    await visible(message, 'the country-code message in its row');
    check((await input.getAttribute('aria-invalid')) === 'true', 'the country input is not marked invalid');
    check((await description(input)).includes('not a two-letter'), 'the message is not linked to the country input');
    check((await country.getByText('Saved').count()) === 0, '"Saved" shows after a refusal');

    const size = page.locator('[data-field="household.size"]');
    await size.locator('input').fill('25');
    await size.getByTestId('save-field').click();
    await visible(size.getByText('25 is out of range 1 to 20.'), 'the household-size message in its row');

    const birth = page.locator('[data-field="birth_date"]');
    await birth.locator('input').fill('1990-02-30');
    await birth.locator('input').press('Enter');
    await visible(birth.getByText('“1990-02-30” is not a real date in the form YYYY-MM-DD.'), 'the date message in its row');
    await country.scrollIntoViewIfNeeded();
    await shot(page, 'profile-11-field-invalid');

    // Typing again and saving a good value clears the message.
    await input.fill('fr');
    await input.press('Enter');
    await visible(country.getByText('Saved'), '"Saved" after correcting the country');
    check((await input.inputValue()) === 'FR', 'the country code is not shown normalised');
    check((await message.count()) === 0, 'the old message is still shown');
    await finish();
  });

  test('profile: an interest is added from the topic search', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/profile/interests', init });
    await visible(page.locator('[data-interest]'), 'the interests');
    check((await page.locator('[data-interest]').count()) === 5, 'the five sample interests are not listed');

    const search = page.getByRole('combobox', { name: 'Topic or your own words' });
    await search.click();
    await search.pressSequentially('hiking', { delay: 30 });
    const option = page.getByRole('option', { name: /Hiking & Camping/ });
    await visible(option, 'the Hiking & Camping topic in the list');
    await shot(page, 'profile-20-topic-search');
    const searched = await calls(page, 'search_topics');
    // Debounced: far fewer searches than keys.
    check(searched.length >= 1 && searched.length < 4, `search_topics was called ${searched.length} times for 6 keys`);
    await option.click();
    await visible(page.getByText('Adds the topic'), 'the picked topic under the search');
    await page.getByRole('button', { name: 'Add interest' }).click();

    const row = page.locator('[data-interest]').filter({ hasText: 'Hiking & Camping' });
    await visible(row, 'the new interest in the list');
    const added = await calls(page, 'add_interest');
    check(added.length === 1, `add_interest was called ${added.length} times`);
    const sent = added[0].args.interest;
    check(sent.topic === 472 && sent.text === null && sent.weight === 0.5 && sent.expires === null && sent.one_off === false,
      `add_interest got ${JSON.stringify(sent)}`);

    // Free text works too: the last option keeps the owner's words.
    await search.fill('');
    await search.pressSequentially('Pottery', { delay: 20 });
    await page.getByRole('option', { name: /Use "Pottery" in your own words/ }).click();
    await page.getByRole('button', { name: 'Add interest' }).click();
    await visible(page.locator('[data-interest]').filter({ hasText: 'Pottery' }), 'the free-text interest');
    const second = (await calls(page, 'add_interest'))[1].args.interest;
    check(second.topic === null && second.text === 'Pottery', `the free-text interest was sent as ${JSON.stringify(second)}`);
    await finish();
  });

  test('profile: interests are switched off, snoozed and removed', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/profile/interests', init });
    const running = page.locator('[data-interest="1"]');
    await visible(running, 'the Running & Walking interest');
    await shot(page, 'profile-21-interests');

    await running.locator('[data-action="switch-off"]').click();
    await visible(running.getByTestId('interest-status').getByText('Off'), 'the Off badge');
    let changes = await calls(page, 'change_interest');
    check(JSON.stringify(changes[0].args) === JSON.stringify({ id: 1, change: { change: 'switch_off' } }),
      `switch off sent ${JSON.stringify(changes[0]?.args)}`);

    const baking = page.locator('[data-interest="2"]');
    await baking.locator('[data-action="snooze"]').click();
    const dialog = page.getByRole('dialog', { name: 'Snooze an interest' });
    await visible(dialog, 'the snooze dialog');
    await shot(page, 'profile-22-snooze-dialog');
    await dialog.getByTestId('confirm').click();
    await visible(baking.getByTestId('interest-status').getByText(/Snoozed until/), 'the Snoozed badge');
    changes = await calls(page, 'change_interest');
    const snooze = changes[1].args;
    check(snooze.id === 2 && snooze.change.change === 'snooze' && /^\d{4}-\d{2}-\d{2}$/.test(snooze.change.until),
      `snooze sent ${JSON.stringify(snooze)}`);

    const tricycle = page.locator('[data-interest="5"]');
    await tricycle.locator('[data-action="remove"]').click();
    const confirm = page.getByRole('dialog', { name: 'Remove this interest?' });
    await visible(confirm, 'the remove dialog');
    await confirm.getByTestId('confirm').click();
    await tricycle.waitFor({ state: 'detached' });
    check(JSON.stringify((await calls(page, 'remove_interest'))[0]?.args) === '{"id":5}', 'remove_interest did not get id 5');
    await finish();
  });

  test('profile: offer preferences are saved; quiet hours need both ends', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/profile/offers', init });
    const form = page.locator('[data-screen="profile"] form');
    await visible(form.getByRole('heading', { name: 'What you want to hear about' }), 'the offer preferences');
    await shot(page, 'profile-30-offer-prefs');

    // Refusing a welcome kind unticks it on the welcome side.
    const unwanted = form.locator('[data-group="kinds_unwanted"]');
    await unwanted.getByLabel('Discounts').check();
    check(!(await form.locator('[data-group="kinds_wanted"]').getByLabel('Discounts').isChecked()), 'Discounts stays welcome and refused');

    await form.getByLabel('Until').fill('');
    await form.getByRole('button', { name: 'Save preferences' }).click();
    const until = form.getByLabel('Until');
    await visible(form.getByText('Give both the start and the end of the quiet hours, or leave both empty.'), 'the quiet-hours message');
    check((await until.getAttribute('aria-invalid')) === 'true', 'the Until input is not marked invalid');
    check((await calls(page, 'set_offer_prefs')).length === 0, 'set_offer_prefs was called with one quiet-hours end');
    await until.scrollIntoViewIfNeeded();
    await shot(page, 'profile-31-quiet-hours-refused');

    await until.fill('07:30');
    await form.locator('[data-cap="per_brand_per_week"]').fill('2');
    await form.getByRole('button', { name: 'Save preferences' }).click();
    await visible(form.getByText('Preferences saved.'), 'the saved message');
    const saved = (await calls(page, 'set_offer_prefs'))[0].args.prefs;
    check(saved.kinds_unwanted.includes('discount') && !saved.kinds_wanted.includes('discount'), `kinds sent as ${JSON.stringify(saved)}`);
    check(saved.quiet_start === '21:00' && saved.quiet_end === '07:30', `quiet hours sent as ${saved.quiet_start}-${saved.quiet_end}`);
    check(saved.per_brand_per_week === 2 && saved.per_brand_per_day === 1, `caps sent as ${JSON.stringify(saved)}`);

    // A time zone the Rust side refuses is shown beside the time-zone input.
    const zone = form.getByLabel('Time zone');
    await zone.fill('Mars/Olympus');
    await form.getByRole('button', { name: 'Save preferences' }).click();
    await visible(form.getByText('“Mars/Olympus” is not an IANA time zone such as Europe/Paris.'), 'the time-zone message');
    check((await description(zone)).includes('Mars/Olympus'), 'the time-zone message is not linked to its input');
    await finish();
  });

  test('inbox: offers show their decision and reason; a suggestion is accepted', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/inbox', init });
    await visible(page.locator('[data-offer]'), 'the offers');
    check((await page.locator('[data-offer]').count()) === 5, 'the five offers are not listed');
    const badge = (id) => page.locator(`[data-offer="${id}"]`).getByTestId('decision');
    check((await badge(105).textContent()).trim() === 'Delivered', 'offer 105 is not Delivered');
    check((await badge(104).textContent()).trim().startsWith('Deferred until'), 'offer 104 is not Deferred until …');
    check((await badge(103).textContent()).trim() === 'Declined', 'offer 103 is not Declined');
    check((await page.locator('[data-offer="101"]').getByTestId('reason').textContent()).includes('unwelcome tactic (family mentions)'),
      'the reason of offer 101 is not in words');
    const link = page.locator('[data-offer="105"] a');
    check((await link.getAttribute('href')) === 'https://acme-running.example/offers/trail-20', 'the https link is not offered');
    check((await link.getAttribute('rel'))?.includes('noopener'), 'the link lacks rel=noopener');
    check((await page.locator('[data-offer="101"] a').count()) === 0, 'an http link is offered');
    await shot(page, 'inbox-10-offers');

    await page.locator('[data-filter="declined"]').click();
    check((await page.locator('[data-offer]').count()) === 2, 'the Declined filter does not show the two declined offers');

    await page.getByRole('navigation', { name: 'Parts of the inbox' }).getByRole('link', { name: /Suggestions/ }).click();
    const first = page.locator('[data-suggestion="3"]');
    await visible(first, 'the pending suggestion');
    check((await first.textContent()).includes('Acme Running reported a purchase'), 'the suggestion is not in words');
    await shot(page, 'inbox-20-suggestions');
    await first.getByTestId('accept').click();
    await visible(first.getByTestId('suggestion-status').getByText('Accepted: added to your interests'), 'the accepted status');
    const decided = await calls(page, 'decide_suggestion');
    check(JSON.stringify(decided[0]?.args) === JSON.stringify({ id: 3, decision: 'accept', weight: 0.5 }),
      `decide_suggestion got ${JSON.stringify(decided[0]?.args)}`);
    check((await first.getByTestId('accept').count()) === 0, 'a decided suggestion still has its buttons');

    // The accepted topic is now an interest.
    await nav(page).getByRole('link', { name: 'Profile' }).click();
    await page.getByRole('navigation', { name: 'Parts of your profile' }).getByRole('link', { name: 'Interests' }).click();
    await visible(page.locator('[data-interest]').filter({ hasText: 'Athletic Shoes' }), 'the accepted interest in the profile');
    await finish();
  });

  test('settings: the profile export shows its progress, then where the file went', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/settings', init });
    const exportForm = page.locator('[data-section="export-profile"]');
    await visible(exportForm, 'the export form');
    const path = exportForm.getByTestId('export-profile-path');
    check(/^\/home\/owner\/Downloads\/butler-profile-\d{4}-\d{2}-\d{2}\.butler$/.test(await path.inputValue()),
      `the export path is ${await path.inputValue()}`);

    // Readable JSON warns and switches the file name; back to protected.
    await exportForm.getByLabel(/Readable JSON/).check();
    await visible(exportForm.getByTestId('plain-warning'), 'the readable-JSON warning');
    check((await path.inputValue()).endsWith('.json'), 'the file name does not follow the readable format');
    await exportForm.getByLabel(/Protected with a passphrase/).check();

    await exportForm.getByLabel('File passphrase', { exact: true }).fill('a file passphrase of mine');
    await exportForm.getByLabel('Confirm file passphrase').fill('a file passphrase of mine');
    await exportForm.getByTestId('export-profile').click();
    const bar = exportForm.getByRole('progressbar');
    await visible(bar, 'the export progress bar');
    check(await exportForm.getByTestId('export-profile').isDisabled(), 'the export button is enabled while exporting');
    await visible(exportForm.getByTestId('progress-count').getByText(/^[12]\/3$/), 'the export progress count');
    await exportForm.scrollIntoViewIfNeeded();
    await shot(page, 'settings-20-export-progress');
    const done = exportForm.getByTestId('export-profile-done');
    await visible(done, 'the export done notice');
    check((await done.textContent()).includes('/home/owner/Downloads/butler-profile-'), 'the done notice does not name the file');
    const sent = (await calls(page, 'export_profile'))[0].args;
    check(sent.passphrase === 'a file passphrase of mine', 'export_profile did not get the passphrase');
    await shot(page, 'settings-21-export-done');

    // The system's file chooser fills the path in; cancelling it leaves the path as it was.
    const suggested = await path.inputValue();
    await exportForm.getByTestId('export-profile-path-choose').click();
    check((await path.inputValue()) === suggested, 'a cancelled chooser changed the path');
    await page.evaluate(() => (window.__FAKE_BUTLER__.state.chooserPath = '/home/owner/Documents/me.butler'));
    await exportForm.getByTestId('export-profile-path-choose').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="export-profile-path"]').value === '/home/owner/Documents/me.butler');
    const chooser = await page.evaluate(() => window.__FAKE_BUTLER__.state.lastChooser);
    check(chooser.defaultPath === suggested, `the chooser did not start at the suggested path: ${JSON.stringify(chooser)}`);


    // The log export has no total until the end: a count so far, then the entries written.
    const logForm = page.locator('[data-section="export-log"]');
    await logForm.getByLabel(/CSV/).check();
    check((await logForm.getByTestId('export-log-path').inputValue()).endsWith('.csv'), 'the log file name does not follow CSV');
    await logForm.getByTestId('export-log').click();
    await visible(logForm.getByText(/so far/), 'the log export count so far');
    await logForm.scrollIntoViewIfNeeded();
    await shot(page, 'settings-22-log-progress');
    await visible(logForm.getByTestId('export-log-done').getByText(/Exported 2,345 entries/), 'the log export done notice');
    check((await calls(page, 'export_log'))[0].args.format === 'csv', 'export_log did not get csv');
    await finish();
  });

  test('settings: an import needs the file passphrase and the replace tick, then says what came in', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/settings', init });
    const form = page.locator('[data-section="import-profile"]');
    await visible(form, 'the import form');
    await form.getByTestId('import-profile-path').fill('/home/owner/Downloads/butler-profile-backup.butler');
    await form.getByTestId('import-profile').click();
    await visible(form.getByText('This export is sealed: give its passphrase.'), 'the sealed-file message');
    await form.getByLabel('File passphrase').fill(PASSPHRASE);
    await form.getByTestId('import-profile').click();
    await visible(form.getByText(/Tick "Replace my current profile"/), 'the replace message');
    await form.getByTestId('import-replace').check();
    await visible(form.getByText(/cannot be undone/), 'the replace warning');
    await form.getByTestId('import-profile').click();
    await visible(form.getByRole('progressbar'), 'the import progress bar');
    await visible(form.getByTestId('import-profile-done').getByText(/Imported 10 fields, 5 interests and your offer preferences/),
      'the import done notice');
    await form.scrollIntoViewIfNeeded();
    await shot(page, 'settings-23-import-done');
    await finish();
  });

  test('settings: auto-lock is saved, a passphrase mismatch is refused, Lock now locks', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/settings', init });
    const autoLock = page.locator('[data-setting="auto_lock_minutes"]');
    await visible(autoLock, 'the auto-lock setting');
    await visible(page.getByTestId('api-status').getByText('http://127.0.0.1:7373'), 'the brand API address');
    await autoLock.getByRole('textbox').fill('0');
    await autoLock.getByRole('button', { name: 'Save' }).click();
    await visible(autoLock.getByText('Enter a whole number from 1 to 1440.'), 'the auto-lock range message');
    await autoLock.getByRole('textbox').fill('25');
    await autoLock.getByRole('button', { name: 'Save' }).click();
    await visible(autoLock.getByText('Saved'), 'the auto-lock Saved');
    const saved = (await calls(page, 'set_settings'))[0].args.settings;
    check(JSON.stringify(saved) === JSON.stringify({ auto_lock_minutes: 25, api_port: 7373, log_retention_days: 365 }),
      `set_settings got ${JSON.stringify(saved)}`);

    // Log retention: a number of days instead of the sample's 365.
    const retention = page.locator('[data-setting="log_retention_days"]');
    await retention.getByLabel('Days to keep log entries').fill('90');
    await retention.getByRole('button', { name: 'Save' }).click();
    await visible(retention.getByText('Saved'), 'the retention Saved');
    check((await calls(page, 'set_settings'))[1].args.settings.log_retention_days === 90, 'the retention was not sent');
    await page.locator('[data-section="api"]').scrollIntoViewIfNeeded();
    await shot(page, 'settings-11-api-and-retention');
    await scrollMain(page, 0);

    await page.getByLabel('Current passphrase').fill(PASSPHRASE);
    await page.getByLabel('New passphrase', { exact: true }).fill('copper window seventeen lakes');
    await page.getByLabel('Confirm new passphrase').fill('copper window seventeen lake');
    await page.getByTestId('change-passphrase').click();
    await visible(page.getByText('The two new passphrases are not the same.'), 'the mismatch message');
    check((await calls(page, 'change_passphrase')).length === 0, 'change_passphrase was called with a mismatch');
    await shot(page, 'settings-10-passphrase-mismatch');
    await page.getByLabel('Confirm new passphrase').fill('copper window seventeen lakes');
    await page.getByTestId('change-passphrase').click();
    await visible(page.getByText(/Passphrase changed/), 'the passphrase-changed notice');

    await page.getByTestId('lock-now').click();
    await visible(page.getByRole('heading', { name: 'Unlock Butler' }), 'the unlock screen after Lock now');
    check((await calls(page, 'lock')).length === 1, 'lock was not called once');
    await finish();
  });

  test('settings: your default terms and the measurement budget are saved, and requests then propose your terms', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/settings', init: { ...init, requests: [{ user_code: 'WDJB-MJHT' }] } });
    const terms = page.locator('[data-section="terms"]');
    const select = terms.getByLabel('Default terms');
    await visible(select, 'the default terms');
    check((await select.inputValue()) === 'SD-BASE', `the default terms are ${await select.inputValue()}`);
    const options = await select.locator('option').evaluateAll((os) => os.map((o) => o.textContent));
    check(options.length === 10 && options[0].startsWith('SD-BASE-DP: The brand may use your data only to deliver the service'),
      `the agreements offered: ${JSON.stringify(options)}`);
    check(await terms.getByTestId('save-terms').isDisabled(), 'Save is enabled before a change');
    await select.selectOption('SD-BASE-A-DP');
    await terms.getByTestId('save-terms').click();
    await visible(terms.getByText('Saved'), 'the terms Saved');
    const sentTerms = (await calls(page, 'set_default_terms')).map((c) => c.args);
    check(JSON.stringify(sentTerms) === JSON.stringify([{ agreement: 'SD-BASE-A-DP' }]), `set_default_terms got ${JSON.stringify(sentTerms)}`);
    await terms.scrollIntoViewIfNeeded();
    await shot(page, 'settings-12-terms-saved');

    const measure = page.locator('[data-section="measure"]');
    const words = measure.getByTestId('measure-in-words');
    check((await words.innerText()).includes('at most 4 noisy answers a month; each yes/no answer is true only 75%'),
      `the measurement reads "${await words.innerText()}"`);
    const epsilon = measure.getByLabel('Epsilon per answer');
    const budget = measure.getByLabel('Budget per month');
    check((await epsilon.inputValue()) === '1.1' && (await budget.inputValue()) === '4.39', 'the measurement numbers are not shown');
    await epsilon.fill('9');
    await measure.getByTestId('save-measure').click();
    await visible(measure.getByText('Enter a number from 0.01 to 5.'), 'the epsilon range message');
    check((await description(epsilon)).includes('Enter a number from 0.01 to 5.'), 'the epsilon message is not linked to its field');
    check((await calls(page, 'set_measure_settings')).length === 0, 'set_measure_settings was called out of range');
    await measure.scrollIntoViewIfNeeded();
    await shot(page, 'settings-13-measure-error');
    await epsilon.fill('1');
    await budget.fill('6');
    await measure.getByTestId('save-measure').click();
    await visible(words.getByText(/at most 6 noisy answers a month; each yes\/no answer is true only 73%/), 'the new measurement in words');
    await visible(measure.getByText('Saved'), 'the measurement Saved');
    const sentMeasure = (await calls(page, 'set_measure_settings')).map((c) => c.args);
    check(JSON.stringify(sentMeasure) === JSON.stringify([{ epsilon_per_answer: 1, budget_per_period: 6 }]),
      `set_measure_settings got ${JSON.stringify(sentMeasure)}`);
    await shot(page, 'settings-14-measure-saved');

    // The new default keeps its portability in the terms proposed for a profiling request.
    await nav(page).getByRole('link', { name: /Requests/ }).click();
    const request = page.locator('[data-testid="request"][data-user-code="WDJB-MJHT"]');
    await visible(request, 'the request');
    check((await request.getByTestId('agreement').inputValue()) === 'SD-BASE-ATP-DP',
      `the request proposes ${await request.getByTestId('agreement').inputValue()}`);
    await finish();
  });

  for (const viewport of [{ width: 1100, height: 760 }, { width: 800, height: 600 }]) {
    const size = `${viewport.width}x${viewport.height}`;
    test(`profile, inbox and settings at ${size}: no horizontal scroll (screenshots)`, async (browser, base) => {
      const { page, finish } = await openApp(browser, base, { viewport, hash: '#/profile', init });
      const screens = [
        ['#/profile', 'profile-fields', '[data-field]'],
        ['#/profile/interests', 'profile-interests', '[data-interest]'],
        ['#/profile/offers', 'profile-offers', '[data-group]'],
        ['#/inbox', 'inbox-offers', '[data-offer]'],
        ['#/inbox/suggestions', 'inbox-suggestions', '[data-suggestion]'],
        ['#/settings', 'settings', '[data-setting]'],
      ];
      for (const [hash, name, ready] of screens) {
        await page.evaluate((to) => (window.location.hash = to), hash);
        await visible(page.locator(ready), `${name} content`);
        await scrollMain(page, 0);
        await assertNoHorizontalScroll(page, viewport.width, `${name} at ${size}`);
        await assertInViewport(page, page.getByRole('heading', { level: 1 }), `the heading of ${name}`);
        await shot(page, `${name}-${size}`);
        await scrollMain(page);
        await assertNoHorizontalScroll(page, viewport.width, `${name} at ${size}, scrolled`);
        await shot(page, `${name}-${size}-end`);
      }
      await finish();
    });
  }

  test('profile, inbox and settings: loading failures offer a retry', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/inbox', init });
    await visible(page.locator('[data-offer]'), 'the offers');
    // The next inbox call fails once; the retry works.
    await page.evaluate(() => {
      const fake = window.__FAKE_BUTLER__;
      const real = fake.handlers.inbox;
      fake.handlers.inbox = () => {
        fake.handlers.inbox = real;
        throw { code: 'database', message: 'database is busy' };
      };
    });
    await page.evaluate(() => (window.location.hash = '#/settings'));
    await visible(page.locator('[data-screen="settings"]'), 'the settings screen');
    await page.evaluate(() => (window.location.hash = '#/inbox'));
    const alert = page.getByRole('alert').filter({ hasText: 'Database is busy.' });
    await visible(alert, 'the inbox load error');
    await shot(page, 'inbox-30-load-error');
    await alert.getByRole('button', { name: 'Try again' }).click();
    await visible(page.locator('[data-offer]'), 'the offers after retrying');
    await finish();
  });
}
