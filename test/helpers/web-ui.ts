/**
 * The Temporal Web UI in a real browser (playwright-core driving Debian's chromium): opens a
 * run's page, reads what it shows, takes screenshots. Used by the e2e browser test and by
 * `npm run screenshots`.
 */
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where the browser is: GKEFLOW_CHROMIUM, else Debian's chromium; undefined when absent. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return [env.GKEFLOW_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && fs.existsSync(p));
}

/** Why the browser test is skipped on this machine, and how to get it. */
export const NO_CHROMIUM =
  "no chromium: install Debian's (sudo apt-get install chromium; .ci/run does) or set GKEFLOW_CHROMIUM=/path/to/chromium";

export async function launchBrowser(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    // Nothing may leave 127.0.0.0/8: no proxy lookups, no component updates, no DNS prefetch.
    args: ['--no-sandbox', '--no-proxy-server', '--disable-component-update', '--disable-background-networking'],
  });
}

/** Opens a page that can only reach loopback: any other request is aborted. */
export async function loopbackPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    return /^127\.\d+\.\d+\.\d+$|^localhost$/.test(host) ? route.continue() : route.abort();
  });
  return page;
}

/**
 * Logs the page's browser in to the stack's Web UI front with the codec token (the state dir's
 * `codec.token`), as a user does once per browser; the UI then decodes payloads.
 */
export async function logInToUi(page: Page, uiUrl: string, token: string): Promise<void> {
  await page.goto(`${uiUrl}/gkeflow/login`, { waitUntil: 'load' });
  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
  await page.waitForLoadState('networkidle');
}

/** Opens the run's page from the workflow list, found by its workflow id; returns its text. */
export async function openRunByWorkflowId(page: Page, uiUrl: string, workflowId: string): Promise<string> {
  const query = encodeURIComponent(`WorkflowId="${workflowId}"`);
  await page.goto(`${uiUrl}/namespaces/default/workflows?query=${query}`, { waitUntil: 'networkidle' });
  await page.getByText(workflowId, { exact: true }).first().click();
  await page.waitForURL(/\/workflows\/.+\/.+\/history/);
  // The page renders skeletons first, then the run once its description and history arrive.
  await page.getByText('Workflow Type', { exact: false }).first().waitFor({ timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  return page.innerText('body');
}

/** Text of the page and of its frames (the UI renders summaries as markdown in iframes). */
export async function allText(page: Page): Promise<string> {
  const parts = [await page.innerText('body')];
  for (const f of page.frames()) if (f !== page.mainFrame()) parts.push(await f.innerText('body').catch(() => ''));
  return parts.join('\n');
}

/** Clicks one of the run page's tabs (User Metadata, Search Attributes …) and returns all text. */
export async function runTab(page: Page, tab: string): Promise<string> {
  await page.getByText(tab, { exact: true }).first().click();
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(500); // the tab's frames render after the data arrives
  return allText(page);
}

/** The Schedules page's text. */
export async function schedulesPage(page: Page, uiUrl: string): Promise<string> {
  await page.goto(`${uiUrl}/namespaces/default/schedules`, { waitUntil: 'networkidle' });
  await page.waitForTimeout(500);
  return page.innerText('body');
}
