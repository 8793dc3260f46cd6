// Browser tests of the vault's backups: the Backups card of Settings, a restore from there to the
// unlock screen, and the unlock screen's own way to a backup (for a vault that will not open),
// against the fake Rust side in ../fake/backups.js. Screenshots go to tests/browser/out/ as
// backups-*.

const DONE_END = 'The vault as it was is kept as a backup. Unlock with the passphrase this backup was made under.';

export default function (test, h) {
  const { openApp, visible, shot, check, calls, nav, focused, assertNoHorizontalScroll, assertInViewport, PASSPHRASE } = h;
  const open = { exists: true, unlocked: true, passphrase: PASSPHRASE, kdfDelayMs: 150 };

  /** The text of the elements an input's aria-describedby names. */
  const description = (locator) =>
    locator.evaluate((el) =>
      (el.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .map((id) => document.getElementById(id)?.textContent ?? '')
        .join(' '),
    );

  const isFocused = (locator) => locator.evaluate((el) => el === document.activeElement);

  test('backups: Settings lists them and backs up now; a refused file changes nothing; a sound one locks to the unlock screen, which says what came back', async (browser, base) => {
    const { page, finish } = await openApp(browser, base, { hash: '#/settings', viewport: { width: 800, height: 600 }, init: open });
    const card = page.locator('[data-section="backups"]');
    await visible(card.getByTestId('backup'), 'the backups');
    check((await card.getByRole('heading', { name: 'Backups' }).count()) === 1, 'the Backups card has no heading');
    check(/7 daily copies, 3 from before an update, 3 from before a restore\s+and 10 made by you/.test(await card.textContent()),
      'the card does not say what Butler keeps');
    const rows = card.getByTestId('backup');
    check((await rows.count()) === 4, `${await rows.count()} backups listed, expected 4`);
    const reasons = await rows.evaluateAll((els) => els.map((el) => el.dataset.reason));
    check(JSON.stringify(reasons) === JSON.stringify(['daily', 'daily', 'manual', 'migration']), `the reasons are ${JSON.stringify(reasons)}`);
    for (const [i, words] of ['Daily', 'Daily', 'Made by you', 'Before an update'].entries()) {
      check((await rows.nth(i).textContent()).includes(words), `backup ${i} does not say "${words}"`);
    }
    check((await rows.nth(0).textContent()).includes('2.5 MB'), 'the first backup does not show its size');

    // Back up now: the new one heads the list.
    await card.getByTestId('backup-now').click();
    await visible(card.getByTestId('backup-made'), 'the "Backed up" notice');
    check((await rows.count()) === 5, 'the new backup is not listed');
    check((await rows.nth(0).getAttribute('data-reason')) === 'manual', 'the new backup is not first');
    check((await calls(page, 'create_backup')).length === 1, 'create_backup was not called once');
    await card.scrollIntoViewIfNeeded();
    await assertNoHorizontalScroll(page, 800, 'the Backups card');
    await shot(page, 'backups-10-settings-card');

    // Another file, named as damaged: refused in the dialog, and nothing else changes.
    await card.getByTestId('restore-other').click();
    const dialog = page.getByRole('dialog', { name: 'Restore a backup' });
    await visible(dialog, 'the restore dialog');
    const pathInput = dialog.getByTestId('restore-path');
    check(await isFocused(pathInput), 'the path field does not have focus in the dialog');
    await pathInput.fill('/media/usb/butler-damaged.vault');
    await dialog.getByTestId('restore-passphrase').fill(PASSPHRASE);
    await dialog.getByTestId('restore-confirm').click();
    const refusal = dialog.getByRole('alert');
    await visible(refusal, 'the refusal in the dialog');
    check((await refusal.textContent()).includes('the vault was left as it is'), `the refusal says ${await refusal.textContent()}`);
    check(await page.evaluate(() => window.__FAKE_BUTLER__.state.unlocked), 'a refused backup locked the vault');
    check((await page.getByRole('heading', { name: 'Unlock Butler' }).count()) === 0, 'a refused backup left Settings');
    await assertInViewport(page, refusal, 'the refusal');
    await assertInViewport(page, dialog.getByTestId('restore-confirm'), 'the "Check and restore" button');
    await shot(page, 'backups-11-refused');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    check((await dialog.count()) === 0, 'Cancel did not close the dialog');
    check((await rows.count()) === 5, 'a refused restore changed the list');

    // A listed backup: an empty passphrase is refused first, then the restore locks the app.
    await rows.nth(1).getByTestId('restore-backup').click();
    await visible(dialog, 'the restore dialog for a listed backup');
    const passphrase = dialog.getByTestId('restore-passphrase');
    check(await isFocused(passphrase), 'the passphrase field does not have focus in the dialog');
    check((await dialog.textContent()).includes('kept as a backup first'), 'the dialog does not say the vault is kept');
    await dialog.getByTestId('restore-confirm').click();
    await visible(dialog.getByText("Enter the backup's passphrase."), 'the empty-passphrase message');
    check((await description(passphrase)).includes("Enter the backup's passphrase."), 'the message is not linked to the field');
    check((await calls(page, 'restore_backup')).length === 1, 'restore_backup was called with no passphrase');
    await passphrase.fill(PASSPHRASE);
    await passphrase.press('Enter');
    await visible(dialog.getByRole('progressbar', { name: 'Restoring a backup' }), 'the restore progress');
    await shot(page, 'backups-12-restoring');

    await visible(page.getByRole('heading', { name: 'Unlock Butler' }), 'the unlock screen after the restore');
    check((await nav(page).count()) === 0, 'the navigation is still shown after the restore');
    const done = page.getByTestId('restore-done');
    await visible(done, 'the restore notice');
    const text = (await done.textContent()).replace(/\s+/g, ' ').trim();
    check(/^Restored the backup of .+: 14 values and 2,345 log entries checked\. /.test(text) && text.endsWith(DONE_END),
      `the notice says "${text}"`);
    const field = page.getByLabel('Passphrase', { exact: true });
    check(await isFocused(field), 'the passphrase field does not have focus after the restore');
    const sent = await calls(page, 'restore_backup');
    const second = (await page.evaluate(() => window.__FAKE_BUTLER__.state.backups.map((b) => b.path)))[2];
    check(sent.length === 2 && sent[1].args.path === second && sent[1].args.passphrase === PASSPHRASE,
      `restore_backup got ${JSON.stringify(sent.map((c) => c.args))}`);
    await assertNoHorizontalScroll(page, 800, 'unlock after a restore');
    await shot(page, 'backups-13-unlock-after-restore');

    await field.fill(PASSPHRASE);
    await field.press('Enter');
    await visible(nav(page), 'the navigation after unlocking the restored vault');
    await finish();
  });

  test("backups: the unlock screen's restore link, and a damaged vault that offers its backups", async (browser, base) => {
    const { page, finish } = await openApp(browser, base, {
      viewport: { width: 800, height: 600 },
      init: { exists: true, passphrase: PASSPHRASE, kdfDelayMs: 100, damaged: true },
    });
    await visible(page.getByRole('heading', { name: 'Unlock Butler' }), 'the unlock heading');
    const link = page.getByTestId('unlock-restore');
    await visible(link, 'the quiet restore link');
    await assertInViewport(page, page.getByRole('button', { name: 'Unlock' }), 'the Unlock button');

    // The link, by keyboard, opens the list; back again.
    await link.focus();
    await page.keyboard.press('Enter');
    await visible(page.getByRole('heading', { level: 1, name: 'Restore from a backup' }), 'the backups panel');
    await visible(page.getByTestId('backup'), 'the backups on the unlock screen');
    check((await page.getByTestId('backup-now').count()) === 0, '"Back up now" shows while locked');
    await page.getByTestId('restore-back').click();
    await visible(page.getByRole('heading', { name: 'Unlock Butler' }), 'the unlock screen again');

    // A damaged vault: the error offers the backups.
    const field = page.getByLabel('Passphrase', { exact: true });
    await field.fill(PASSPHRASE);
    await field.press('Enter');
    const alert = page.getByRole('alert').filter({ hasText: 'The vault file is damaged' });
    await visible(alert, 'the damaged-vault error');
    check((await alert.textContent()).includes('(database disk image is malformed)'), 'the error does not say what is damaged');
    await shot(page, 'backups-20-unlock-damaged');
    await alert.getByRole('button', { name: 'Restore from a backup…' }).click();
    await visible(page.getByTestId('backup'), 'the backups after the damaged error');
    await assertNoHorizontalScroll(page, 800, 'the backups panel');
    await shot(page, 'backups-21-unlock-backups');

    // Keyboard: Enter opens the dialog on the passphrase, Escape closes it and focus comes back.
    const first = page.getByTestId('restore-backup').first();
    await first.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Restore a backup' });
    await visible(dialog, 'the restore dialog');
    check(await isFocused(dialog.getByTestId('restore-passphrase')), 'the passphrase field does not have focus');
    await page.keyboard.press('Escape');
    check((await dialog.count()) === 0, 'Escape did not close the dialog');
    const back = await focused(page);
    check(back.text === 'Restore…', `focus went to ${JSON.stringify(back)} after Escape, not back to the Restore button`);

    await page.keyboard.press('Enter');
    await visible(dialog, 'the restore dialog again');
    await page.keyboard.type(PASSPHRASE);
    await assertInViewport(page, dialog.getByTestId('restore-confirm'), 'the "Check and restore" button');
    await shot(page, 'backups-22-unlock-restore-dialog');
    await page.keyboard.press('Enter');
    const done = page.getByTestId('restore-done');
    await visible(done, 'the restore notice on the unlock screen');
    check((await done.textContent()).replace(/\s+/g, ' ').trim().endsWith(DONE_END), `the notice says "${await done.textContent()}"`);
    check(await isFocused(page.getByLabel('Passphrase', { exact: true })), 'the passphrase field does not have focus after the restore');
    check((await page.getByRole('alert').count()) === 0, 'the damaged-vault error is still shown');
    await shot(page, 'backups-23-unlock-restored');

    await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await page.getByLabel('Passphrase', { exact: true }).press('Enter');
    await visible(nav(page), 'the navigation after unlocking the restored vault');
    await finish();
  });
}
