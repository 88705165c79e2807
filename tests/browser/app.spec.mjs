// The mugsync van app in a real browser: Debian's chromium, driven by playwright-core
// (never a downloaded browser). Run by crates/app/tests/browser.rs:
//
//   node tests/browser/app.spec.mjs <open_url> <artifact dir>
//
// MUGSYNC_TEST_PASSPHRASE is the store passphrase (for the lock/unlock step);
// MUGSYNC_CHROMIUM overrides /usr/bin/chromium. Exits 0 only when every step passed.
// Screenshots go to <artifact dir>/<page>-1280.png (1280×800) and <page>-390.png (390 wide,
// whole page), plus bulletin.pdf.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const [openUrl, artifactDir] = process.argv.slice(2);
if (!openUrl || !artifactDir) {
  console.error('usage: node tests/browser/app.spec.mjs <open_url> <artifact dir>');
  process.exit(2);
}
const passphrase = process.env.MUGSYNC_TEST_PASSPHRASE || '';
const executablePath = process.env.MUGSYNC_CHROMIUM || '/usr/bin/chromium';
const base = new URL(openUrl).origin;
const host = new URL(openUrl).host;
fs.mkdirSync(artifactDir, { recursive: true });

const watchdog = setTimeout(() => {
  console.error('FAIL: the browser test took longer than 240 s');
  process.exit(1);
}, 240_000);
watchdog.unref();

// What the worker types: a phone number, HTML, quotes and unicode in the free text.
const NARRATIVE = 'Refused to pay & hit her in the car. <script>alert("xss")</script> \'single\' "double" — ünïcödé 名前 ✓';
const NARRATIVE_WITH_PHONE = 'He said to ring him on 07700 900 654 if she wanted more work.';
const ALERT = 'Man in a <b>white</b> Ford, says he is "Dave" — ünïcödé. Check numbers before booking.';
const PHONE = '07700 900321';
const VICTIM_NAME = 'Sample Person Z';

const problems = [];
function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

// ---- plain HTTP, outside the browser ------------------------------------------------

function request(method, pathname, { headers = {}, body = '' } = {}) {
  const u = new URL(pathname, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: { Host: host, ...headers } },
      (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// ---- accessibility and layout checks, run on every page at both widths -----------------

async function audit(page, label) {
  const found = await page.evaluate(() => {
    const out = [];
    const parse = (c) => {
      const m = /rgba?\(([^)]+)\)/.exec(c || '');
      if (!m) return null;
      const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
    };
    const lum = ({ r, g, b }) => {
      const f = (v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
      };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const bgOf = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c.a > 0.5) return c;
      }
      return { r: 255, g: 255, b: 255, a: 1 };
    };
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && !el.closest('[hidden], .visually-hidden, .skip');
    };

    // Every form control has a label.
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden' || !visible(el)) continue;
      if (!(el.labels && el.labels.length) && !el.getAttribute('aria-label')) out.push(`unlabelled ${el.tagName} name=${el.name}`);
    }
    // One h1.
    const h1s = document.querySelectorAll('h1').length;
    if (h1s !== 1) out.push(`${h1s} h1 elements`);
    // Nothing wider than the screen.
    if (document.documentElement.scrollWidth > window.innerWidth + 1) {
      out.push(`page is ${document.documentElement.scrollWidth}px wide in a ${window.innerWidth}px window`);
    }
    // WCAG AA text contrast.
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    while (walker.nextNode()) {
      const t = walker.currentNode;
      const el = t.parentElement;
      if (!t.textContent.trim() || !el || seen.has(el)) continue;
      seen.add(el);
      if (!visible(el) || el.closest('option, button[disabled]')) continue;
      const cs = getComputedStyle(el);
      const fg = parse(cs.color);
      const bg = bgOf(el);
      const l1 = lum(fg);
      const l2 = lum(bg);
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      const size = parseFloat(cs.fontSize);
      const large = size >= 24 || (Number(cs.fontWeight) >= 700 && size >= 18.66);
      const need = large ? 3 : 4.5;
      if (ratio < need) out.push(`contrast ${ratio.toFixed(2)} < ${need}: <${el.tagName.toLowerCase()} class="${el.className}"> "${t.textContent.trim().slice(0, 40)}"`);
    }
    // Large targets: buttons and main links at least 44px tall (WCAG 2.5.5 enhanced).
    for (const el of document.querySelectorAll('button, .button, .top nav a, .tile, .big-tile')) {
      if (!visible(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.height < 44) out.push(`small target (${Math.round(r.height)}px): "${el.textContent.trim().slice(0, 30)}"`);
    }
    return out;
  });
  for (const f of found) problems.push(`${label}: ${f}`);
}

async function shoot(page, name) {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(artifactDir, `${name}-1280.png`) });
  await audit(page, `${name} @1280`);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(artifactDir, `${name}-390.png`), fullPage: true });
  await audit(page, `${name} @390`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

// ---- the run ---------------------------------------------------------------------------

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mugsync-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width: 1280, height: 800 },
  locale: 'en-GB',
  timezoneId: 'Europe/London',
});
context.setDefaultTimeout(15_000);

// The app must load nothing from anywhere but itself.
const offsite = [];
await context.route('**/*', (route) => {
  const url = route.request().url();
  if (url.startsWith(base + '/') || url.startsWith('data:')) return route.continue();
  offsite.push(url);
  return route.abort();
});

const page = context.pages()[0] || (await context.newPage());
page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
page.on('console', (m) => {
  if (m.type() === 'error' && !/status of 4(03|22|01)/.test(m.text())) problems.push(`console error: ${m.text()}`);
});
page.on('dialog', async (d) => {
  // Only the app's own confirmations; an alert() would mean injected script ran.
  if (d.type() === 'confirm') return d.accept();
  problems.push(`unexpected ${d.type()} dialog: ${d.message()}`);
  return d.dismiss();
});

let step = 'start';
const steps = [];
async function run(name, fn) {
  step = name;
  console.log(`• ${name}`);
  await fn();
  steps.push(name);
}

let reportUrl = '';
let cookie = null;

try {
  await run('open the one-time link: it sets an HttpOnly, SameSite=Strict cookie', async () => {
    await page.goto(openUrl);
    check(page.url() === base + '/', `after the link the app is at ${page.url()}`);
    await page.getByRole('heading', { level: 1, name: 'What do you need to do?' }).waitFor();
    const cookies = await context.cookies(base);
    cookie = cookies.find((c) => c.name.startsWith('mugsync_session_'));
    check(cookie, 'no session cookie was set');
    check(cookie.httpOnly, 'the session cookie is not HttpOnly');
    check(cookie.sameSite === 'Strict', `the session cookie is SameSite=${cookie.sameSite}`);
    check((await page.evaluate(() => document.cookie)) === '', 'script can read the session cookie');
    await shoot(page, 'home');
  });

  await run('the form marks each missing field next to it', async () => {
    await page.getByRole('link', { name: 'File a report' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'File a report' }).waitFor();
    const localToday = await page.evaluate(() => {
      const d = new Date();
      return `${String(d.getDate()).padStart(2, '0')}/${String(d.getMonth() + 1).padStart(2, '0')}/${d.getFullYear()}`;
    });
    check((await page.inputValue('#f-incident_date')) === localToday, `a new form starts at today, day first (${localToday}), not ${await page.inputValue('#f-incident_date')}`);
    check((await page.getAttribute('#f-incident_date', 'type')) === 'text', 'the date is a browser-locale date input');
    await page.fill('#f-incident_date', '20/11/2026');
    await page.fill('#f-narrative', 'Short account.');
    await page.getByRole('button', { name: 'File report' }).click();
    await page.locator('#error-summary').waitFor();
    check(await page.evaluate(() => document.activeElement && document.activeElement.id === 'error-summary'), 'the error summary takes focus');
    for (const id of ['#f-area-error', '#f-setting-error', '#f-kinds-error', '#f-consent-alert-error', '#f-consent-police-error']) {
      check(await page.locator(id).isVisible(), `${id} is not shown`);
    }
    check((await page.getAttribute('#f-area', 'aria-invalid')) === 'true', 'the area select is not marked invalid');
    await shoot(page, 'form-errors');
  });

  await run('a phone number in the account is warned about while typing', async () => {
    await page.fill('#f-narrative', NARRATIVE_WITH_PHONE);
    const warn = page.locator('#warn-narrative');
    await warn.waitFor({ state: 'visible' });
    check((await warn.textContent()).includes('ending 654'), `warning says: ${await warn.textContent()}`);
    check(await page.locator('#ack-box').isVisible(), 'the "file it as written" box is not offered');
    await page.fill('#f-narrative', NARRATIVE);
    await warn.waitFor({ state: 'hidden' });
  });

  await run('the draft saves as you type, without the person\'s details', async () => {
    await page.getByLabel('Name or working name').fill(VICTIM_NAME);
    await page.fill('#f-alert_text', ALERT);
    await page.locator('#draft-status', { hasText: 'Draft saved' }).waitFor();
    await page.waitForTimeout(1200); // let the last keystroke's save land
    // Back to a fresh form (not a reload: this page answered a POST).
    await page.goto(`${base}/reports/new`);
    check((await page.inputValue('#f-narrative')) === NARRATIVE, 'the draft did not bring the account back exactly');
    check((await page.inputValue('#f-alert_text')) === ALERT, 'the draft did not bring the public warning back');
    check((await page.getByLabel('Name or working name').inputValue()) === '', 'the person\'s name was kept in the draft');
  });

  await run('file a report through the form', async () => {
    // A month-first slip is refused, with the day-first form to use.
    await page.fill('#f-incident_date', '11/31/2026');
    await page.getByRole('button', { name: 'File report' }).click();
    await page.locator('#f-incident_date-error').waitFor();
    check((await page.locator('#f-incident_date-error').textContent()).includes('day first'), `date error says: ${await page.locator('#f-incident_date-error').textContent()}`);
    // The day as the scheme writes it (en-GB), said back in words while typing.
    await page.fill('#f-incident_date', '20/11/2026');
    const said = await page.locator('#f-incident_date-said').textContent();
    check(said === 'Friday 20 November 2026', `the typed day is said back as: ${said}`);
    await page.fill('#f-incident_time', '23:40');
    await page.selectOption('#f-area', 'mcr-piccadilly');
    await page.getByRole('radio', { name: 'car', exact: true }).check();
    await page.getByRole('checkbox', { name: 'physical assault' }).check();
    await page.getByRole('checkbox', { name: 'robbery' }).check();
    await page.fill('#f-perpetrator-phones', PHONE);
    await page.fill('#f-perpetrator-names_used', 'Dave <b>');
    await page.selectOption('#f-perpetrator-gender', 'man');
    await page.fill('#f-perpetrator-age_range', '40-50');
    await page.fill('#f-perpetrator-vehicle-colour', 'white');
    await page.fill('#f-perpetrator-vehicle-make', 'Ford');
    await page.fill('#f-perpetrator-vehicle-registration', 'ma6 ?');
    await page.getByRole('radio', { name: 'women', exact: true }).check();
    await page.getByRole('radio', { name: /^Yes/ }).check();
    await page.getByRole('radio', { name: /^The anonymous report/ }).check();
    await page.getByLabel('Name or working name').fill(VICTIM_NAME);
    await page.getByLabel('How to reach them').fill('via the Tuesday drop-in');
    check(!(await page.locator('#warn-narrative').isVisible()), 'a warning is showing for a clean account');
    await shoot(page, 'form');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: path.join(artifactDir, 'form-full-1280.png'), fullPage: true });
    await page.getByRole('button', { name: 'File report' }).click();
    await page.waitForURL(/\/reports\/[0-9a-f-]{36}\?filed=1$/);
    reportUrl = page.url().split('?')[0];
    check((await page.locator('#narrative').textContent()) === NARRATIVE, 'the account is not shown exactly as typed');
    check((await page.locator('#public-text').textContent()) === ALERT, 'the public warning is not shown exactly as typed');
    const html = await page.content();
    check(!html.includes(VICTIM_NAME), 'the person\'s name is on the report page');
    check(!html.includes('<script>alert("xss")'), 'the account was not escaped');
    check((await page.locator('.badges').first().textContent()).includes('synced'), 'sync state missing');
    check(html.includes('20 Nov 2026'), 'the report page does not show the day filed as 20 Nov 2026');
    await shoot(page, 'report');
  });

  await run('find it in the list, with its sync state (the app syncs by itself after filing)', async () => {
    await page.getByRole('link', { name: 'Reports', exact: true }).click();
    const card = page.locator('.report-card', { hasText: 'says he is "Dave"' });
    check((await card.count()) === 1, 'the new report is not in the list once');
    check((await card.textContent()).includes('synced'), 'its sync state is not shown');
    await shoot(page, 'reports');
    await card.getByRole('link').click();
    check(page.url() === reportUrl, `the list links to ${page.url()}`);
  });

  await run('check its number, offline', async () => {
    await page.getByRole('link', { name: 'Check a number' }).click();
    await page.getByLabel('Number, email or registration').fill('+44 7700 900321');
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    const answer = await page.locator('#answer-h').textContent();
    check(answer.includes('1 report of phone +44 7••• •••321'), `the check said: ${answer}`);
    check(!(await page.content()).includes('900321'), 'the full number is shown back');
    await shoot(page, 'check');
  });

  await run('alerts to read out, and the one-page printable sheet', async () => {
    await page.goto(`${base}/alerts?from=2026-09-01&to=2026-11-30`);
    const alerts = await page.content();
    check(alerts.includes('ünïcödé. Check numbers before booking.'), 'the new warning is not listed');
    check(!alerts.includes('Refused to pay &amp; hit her'), 'an account is on the alerts page');
    await shoot(page, 'alerts');
    await page.getByRole('link', { name: 'Printable sheet' }).click();
    await page.locator('.sheet').waitFor();
    const sheet = await page.locator('.sheet').textContent();
    check(sheet.includes(ALERT), 'the sheet lacks the public warning');
    for (const secret of [NARRATIVE.slice(0, 20), VICTIM_NAME, 'Tuesday drop-in', 'Picked up near the station', 'Sample Person A']) {
      check(!sheet.includes(secret), `the sheet shows "${secret}"`);
    }
    check(await page.getByRole('button', { name: 'Print' }).isVisible(), 'no print button');
    await shoot(page, 'bulletin');
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: path.join(artifactDir, 'bulletin-print-1280.png'), fullPage: true });
    const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
    fs.writeFileSync(path.join(artifactDir, 'bulletin.pdf'), pdf);
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) || []).length;
    check(pages === 1, `the printed sheet is ${pages} pages, not one`);
    await page.emulateMedia({ media: 'screen' });
  });

  await run('sync now', async () => {
    await page.getByRole('link', { name: 'Sync', exact: true }).click();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.locator('#sync-summary', { hasText: 'Sent' }).waitFor();
    await shoot(page, 'sync');
    await page.getByRole('link', { name: 'Reports', exact: true }).click();
    const card = page.locator('.report-card', { hasText: 'says he is "Dave"' });
    check((await card.textContent()).includes('synced') && !(await card.textContent()).includes('not yet synced'), 'not shown as synced');
  });

  await run('settings', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    check((await page.content()).includes('10 minutes without use'), 'idle lock not shown');
    await shoot(page, 'settings');
  });

  await run('lock, a wrong passphrase, then unlock', async () => {
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await page.waitForURL(/\/unlock/);
    await page.goto(reportUrl);
    check(page.url().startsWith(`${base}/unlock?next=`), 'a locked app showed a report');
    await page.getByLabel('Store passphrase').fill('not the passphrase');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.locator('#passphrase-error', { hasText: 'does not open this store' }).waitFor();
    await shoot(page, 'unlock');
    await page.getByLabel('Store passphrase').fill(passphrase);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.waitForURL(reportUrl);
  });

  await run('the cookie, CSRF token and Host header are all required', async () => {
    const noCookie = await request('GET', '/');
    check(noCookie.status === 403, `GET / without the cookie: ${noCookie.status}`);
    const reused = await request('GET', new URL(openUrl).pathname + new URL(openUrl).search);
    check(reused.status === 403, `reusing the one-time link: ${reused.status}`);
    const jar = `${cookie.name}=${cookie.value}`;
    const withCookie = await request('GET', '/', { headers: { Cookie: jar } });
    check(withCookie.status === 200, `GET / with the cookie: ${withCookie.status}`);
    const rebound = await request('GET', '/', { headers: { Cookie: jar, Host: `evil.example:${new URL(base).port}` } });
    check(rebound.status === 403, `a rebound Host name: ${rebound.status}`);
    const form = { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: jar };
    const noToken = await request('POST', '/reports', { headers: form, body: 'narrative=x&area=online' });
    check(noToken.status === 403, `POST without the CSRF token: ${noToken.status}`);
    const noCookiePost = await request('POST', '/lock', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'csrf=x' });
    check(noCookiePost.status === 403, `POST without the cookie: ${noCookiePost.status}`);
    const fromPage = await page.evaluate(async () => {
      const r = await fetch('/lock', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'x=1' });
      return r.status;
    });
    check(fromPage === 403, `a same-origin POST without the token: ${fromPage}`);
    check(page.url() === reportUrl && (await page.locator('#narrative').count()) === 1, 'the app locked on a refused request');
  });

  check(offsite.length === 0, `the app asked for outside resources: ${offsite.join(', ')}`);
} catch (e) {
  problems.push(`step "${step}" failed: ${e.message}`);
  try {
    await page.screenshot({ path: path.join(artifactDir, 'failure.png'), fullPage: true });
  } catch {}
}

await context.close();
fs.rmSync(userDataDir, { recursive: true, force: true });

console.log(`${steps.length} steps passed; screenshots in ${artifactDir}`);
if (problems.length) {
  console.error(`FAIL: ${problems.length} problem(s):`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
console.log('PASS');
