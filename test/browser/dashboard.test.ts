import Database from 'better-sqlite3';
import { expect } from 'chai';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import {
  initialiseParticipants,
  runNetworkScript,
  SAMPLE_COLUMNS,
  SAMPLE_ROWS,
  startLocalConsortium,
  waitForOutcome,
  type LocalConsortium,
} from '@corroborate/dev';
import { newGatewayClient, type GatewayClient } from '@corroborate/gateway';
import { launchChromium, type Browser } from './chromium';

// The operator dashboard in a real browser (Debian's Chromium driven by playwright-core) against
// the test network, three organisations each with its gateway and worker as processes.

const repoDir = resolve(__dirname, '..', '..');
const home = process.env.CORROBORATE_HOME ?? join(repoDir, '.corroborate', 'test');
const portBase = Number(process.env.CORROBORATE_PORT_BASE ?? 27000);
/** Where the pages' screenshots go; docs/dashboard keeps the ones the documentation shows. */
const screenshots = resolve(
  process.env.CORROBORATE_SCREENSHOT_DIR ?? join(home, 'dashboard-screenshots'),
);
const readerKey = 'cbk_dashboard_reader_test_key_000000000000';
const columns = [...SAMPLE_COLUMNS];
const [authentic, altered] = SAMPLE_ROWS;
const phone = { width: 390, height: 844 };
const desktop = { width: 1280, height: 900 };

describe('the operator dashboard in Chromium', function () {
  let consortium: LocalConsortium;
  let org1: GatewayClient;
  let org2: GatewayClient;
  let browser: Browser;
  let page: Page;
  let dashboardUrl: string;
  let alteredFile: string;
  let originalName: string;
  const run = `${process.pid}-${Date.now()}`;
  const ids = { authentic: `dash-ok-${run}`, altered: `dash-altered-${run}` };
  const downloads = join(home, 'dashboard-downloads');

  let originalRatio = '0.5';

  /** Sets the quorum ratio through governance: Org1 proposes, Org2 approves (2 of 3). */
  async function setQuorumRatio(quorumRatio: string): Promise<void> {
    const current = await org1.getParticipants();
    if (current.quorumRatio === quorumRatio) return;
    const proposalId = `dash-ratio-${quorumRatio.replace(/[^0-9]/g, '_')}-${run}`;
    await org1.proposeParticipantChange({ proposalId, quorumRatio });
    const approved = await org2.approveParticipantChange(proposalId);
    expect(approved.status).to.equal('applied');
  }

  async function shoot(name: string): Promise<void> {
    await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  }

  function row(id: string) {
    return page.locator(`tr[data-request="${id}"]`);
  }

  before(async function () {
    this.timeout(600_000);
    mkdirSync(screenshots, { recursive: true });
    runNetworkScript(repoDir, home, ['up']);
    consortium = await startLocalConsortium({
      repoDir,
      home,
      // Apart from the end-to-end consortium (+500, +600) and the conformance member (+700).
      gatewayPortBase: portBase + 800,
      workerPortBase: portBase + 900,
      logLevel: 'warn',
      worker: { maxAttempts: 2, initialBackoffMs: 200, maxBackoffMs: 500, finalizeGraceMs: 2000 },
      extraApiKeys: [{ id: 'dashboard-reader', key: readerKey, roles: ['reader'] }],
    });
    const member = (org: string) => {
      const found = consortium.members.find((candidate) => candidate.org === org);
      if (!found) throw new Error(`no member ${org}`);
      return found;
    };
    org1 = newGatewayClient({ url: member('org1').gatewayUrl, apiKey: member('org1').apiKey });
    org2 = newGatewayClient({ url: member('org2').gatewayUrl, apiKey: member('org2').apiKey });
    dashboardUrl = `${member('org1').gatewayUrl}/dashboard`;
    // Each member's admin through its own gateway, until a strict majority has approved.
    await initialiseParticipants(consortium.members);
    // Every voter must vote valid for acceptance, so that every verdict is certain to be recorded
    // (with 1 of 2, the first valid verdict decides and the second is refused).
    originalRatio = (await org1.getParticipants()).quorumRatio;
    await setQuorumRatio('1');
    // Org3's copy of the second row differs in one field.
    alteredFile = join(member('org3').dir, 'customers.sqlite');
    const database = new Database(alteredFile);
    try {
      originalName = (
        database.prepare('SELECT name FROM customers WHERE id = ?').get(BigInt(altered!.id)) as {
          name: string;
        }
      ).name;
      database
        .prepare('UPDATE customers SET name = ? WHERE id = ?')
        .run('Mallory', BigInt(altered!.id));
    } finally {
      database.close();
    }
    browser = await launchChromium(downloads);
    page = await browser.context.newPage();
  });

  after(async function () {
    this.timeout(180_000);
    await browser?.close();
    if (alteredFile && originalName !== undefined) {
      const database = new Database(alteredFile);
      try {
        database
          .prepare('UPDATE customers SET name = ? WHERE id = ?')
          .run(originalName, BigInt(altered!.id));
      } finally {
        database.close();
      }
    }
    // The network outlives this suite: the others expect the ratio it found.
    if (org1) await setQuorumRatio(originalRatio);
    await consortium?.stop();
  });

  it('refuses a wrong key with the gateway’s coded 401 and stays signed out', async () => {
    await page.goto(dashboardUrl);
    await shoot('sign-in');
    await page.getByLabel('API key').fill('cbk_not_a_key_of_this_gateway');
    await page.getByRole('button', { name: 'Sign in' }).click();

    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).to.include('UNAUTHENTICATED: the API key is not known');
    expect(await page.evaluate(() => sessionStorage.getItem('corroborate.apiKey'))).to.equal(null);
    await shoot('sign-in-refused');
  });

  it('signs in with a reader key and shows the overview', async () => {
    await page.getByLabel('API key').fill(readerKey);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    expect(await page.getByRole('list', { name: 'Requests by status' }).textContent()).to.match(
      /pending.*accepted.*rejected.*expired/,
    );
    await page.getByText('reachable, height').waitFor();
    expect(await page.locator('.chart-canvas').getAttribute('aria-label')).to.match(
      /^Records per minute, last hour: /,
    );
  });

  it('shows a request the moment it is submitted, from the event stream', async () => {
    await page.getByRole('link', { name: 'Requests' }).click();
    await page.getByRole('heading', { level: 1, name: 'Requests' }).waitFor();
    await page.getByText('● Live').waitFor();

    await org1.submit({
      id: ids.authentic,
      sourceId: 'customers',
      read: { kind: 'sql', table: 'customers', key: { id: authentic!.id }, columns },
    });

    // No reload: the row arrives with the FirstBlockCreated event.
    await row(ids.authentic).waitFor({ timeout: 60_000 });
    expect(await row(ids.authentic).textContent()).to.include('Org1MSP');
    await waitForOutcome(org1, ids.authentic, 180_000);
    await row(ids.authentic).getByText('accepted').waitFor({ timeout: 60_000 });
    await row(ids.authentic).getByText(`customers id=${authentic!.id}`).waitFor();
  });

  it('finds a request by its table and key', async () => {
    await page.getByLabel('Search').fill(`id=${authentic!.id}`);
    await page.getByRole('button', { name: 'Search' }).click();

    await row(ids.authentic).waitFor();
    await shoot('requests');
  });

  it("opens the request and shows every organisation's verdict and the outcome", async () => {
    await row(ids.authentic).getByRole('link', { name: ids.authentic }).click();

    await page.getByRole('heading', { level: 1, name: new RegExp(ids.authentic) }).waitFor();
    for (const participant of ['Org2MSP', 'Org3MSP']) {
      const verdict = page.locator(`li.verdict[data-participant="${participant}"]`);
      await verdict.locator('.result', { hasText: 'valid' }).waitFor({ timeout: 60_000 });
      expect(await verdict.textContent()).to.include('OK');
    }
    expect(await page.locator('.verdict[data-participant="Org1MSP"]').count()).to.equal(0);
    await page.getByText('Outcome accepted, recorded').waitFor();
    expect(
      await page.getByRole('img', { name: /2 valid and 0 invalid of 2 voters/ }).count(),
    ).to.equal(1);
  });

  it('downloads the receipt and verifies it in the browser, showing every check', async () => {
    await page.getByRole('button', { name: 'Download and verify receipt' }).click();

    const status = page.locator('.verdict-line');
    await status.waitFor();
    expect(await status.textContent()).to.match(
      /^Receipt verified \(from this gateway\): all 14 checks passed; it claims the outcome accepted\.$/,
    );
    // The browser holds no consortium trust file: it says so rather than claim a proof.
    expect(await page.locator('.consensus').textContent()).to.match(
      /^Consensus unproven: no trust file, .* prove it offline with corroborate receipt verify FILE --trust TRUST-FILE\.$/,
    );
    const checks = await page.locator('.checks li strong').allTextContents();
    expect(checks).to.deep.equal([
      'encoding',
      'format',
      'digest',
      'content',
      'contentHash',
      'certificateFingerprint',
      'signature',
      'records',
      'batchRoot',
      'participants',
      'verdicts',
      'verdictSignatures',
      'outcome',
      'proofs',
    ]);
    // Block numbers come with the receipt.
    expect(
      await page.locator('table.transactions tbody td[data-label="Block"]').first().textContent(),
    ).to.match(/^[0-9]+$/);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Save receipt file' }).click(),
    ]);
    const saved = join(downloads, `${ids.authentic}.receipt.json`);
    await download.saveAs(saved);
    const served = await org1.send('GET', `/v1/requests/${ids.authentic}/receipt`);
    expect(readFileSync(saved, 'utf8')).to.equal(served.text);
    await shoot('request');
  });

  it("shows the drift history of an accepted request: each member's attestation in a round", async () => {
    const opened = await org2.recheck(ids.authentic);
    await page.goto(`${dashboardUrl}#/requests/${ids.authentic}`);
    const round = page.locator(`li.recheck[data-round="${opened.round}"]`);
    for (const participant of ['Org1MSP', 'Org2MSP', 'Org3MSP']) {
      await round
        .locator(`li.attestation-matches[data-participant="${participant}"]`)
        .waitFor({ timeout: 120_000 });
    }
    expect(await round.locator('h3').textContent()).to.include('asked by Org2MSP');
    await shoot('request-recheck');
  });

  it("names the field that differs in an altered replica's invalid verdict", async () => {
    await org1.submit({
      id: ids.altered,
      sourceId: 'customers',
      read: { kind: 'sql', table: 'customers', key: { id: altered!.id }, columns },
    });
    await page.goto(`${dashboardUrl}#/requests/${ids.altered}`);

    const verdict = page.locator('li.verdict[data-participant="Org3MSP"]');
    await verdict.locator('.result', { hasText: 'invalid' }).waitFor({ timeout: 120_000 });
    expect(await verdict.textContent()).to.include('HASH_MISMATCH');
    expect(await verdict.locator('.differing .field').allTextContents()).to.deep.equal(['name']);
    await page.getByText('Outcome rejected, recorded').waitFor({ timeout: 60_000 });
    await shoot('request-altered');
  });

  it('shows the participants, the ratio and threshold, and the proposals', async () => {
    await page.getByRole('link', { name: 'Participants' }).click();

    await page.getByRole('heading', { level: 1, name: 'Participants and governance' }).waitFor();
    const set = page.getByRole('region', { name: 'Participant set' });
    for (const mspId of ['Org1MSP', 'Org2MSP', 'Org3MSP']) {
      await set.getByText(mspId, { exact: true }).waitFor();
    }
    expect(await set.textContent()).to.include('Quorum ratio1');
    const past = page.getByRole('region', { name: /^Past proposals/ });
    await past.getByText(`dash-ratio-1-${run}`).waitFor();
    expect(await past.textContent()).to.include('quorum ratio 1');
    await shoot('participants');
  });

  it('shows the overview with the decided requests counted and charted', async () => {
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();

    const summary = await page.locator('.chart-canvas').getAttribute('aria-label');
    expect(summary).to.match(/[1-9][0-9]* records? corroborated in the last 60 minutes/);
    const table = page.getByText(/Data table/);
    await table.click();
    expect(await page.locator('.chart table tbody tr').count()).to.equal(60);
    await table.click();
    await shoot('overview');
  });

  it('is usable at phone width and by keyboard, with focus visible', async () => {
    await page.setViewportSize(phone);
    await page.goto(`${dashboardUrl}#/overview`);
    // Loaded afresh, as an operator opening the link would.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await shoot('phone-overview');

    // The skip link comes first, and focusing it draws the focus outline.
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement;
      return { text: element.textContent, outline: getComputedStyle(element).outlineStyle };
    });
    expect(focused).to.deep.equal({ text: 'Skip to content', outline: 'solid' });
    // By keyboard to the requests page.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Requests' }).waitFor();
    await page.getByLabel('Search').fill(ids.authentic);
    await page.getByRole('button', { name: 'Search' }).click();
    await row(ids.authentic).waitFor();
    // Tables become one card per request: nothing runs past the screen's edge.
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).to.equal(0);
    await shoot('phone-requests');

    await page.goto(`${dashboardUrl}#/requests/${ids.altered}`);
    await page.locator('.differing .field').waitFor();
    await shoot('phone-request');
    await page.goto(`${dashboardUrl}#/participants`);
    await page.getByRole('heading', { level: 1, name: 'Participants and governance' }).waitFor();
    await shoot('phone-participants');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await shoot('phone-sign-in');
    await page.setViewportSize(desktop);
  });
});
