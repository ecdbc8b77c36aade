// `npm run screenshots`: regenerates the README's picture of the Web UI (docs/img/web-ui-run.png)
// the way the browser test sees it: a private stack (temp state dir, free ports), the
// walkthrough, its run opened by workflow id in Debian's chromium. Copies go to .screenshots/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../src/cli/main';
import { PORT_ENV } from '../src/config/endpoints';
import { repoRoot } from '../src/paths';
import { freePort } from '../src/process/process';
import {
  chromiumPath,
  launchBrowser,
  logInToUi,
  loopbackPage,
  NO_CHROMIUM,
  openRunByWorkflowId,
  runTab,
} from '../test/helpers/web-ui';

const SPEC = 'examples/tensorflow-notebook.yaml';
const ENV_ID = 'gkeflow/gkeflow-demo/asia-east1-a/tensorflow-cluster001';

async function run(): Promise<number> {
  const browser = chromiumPath();
  if (!browser) {
    console.error(`screenshots: ${NO_CHROMIUM}`);
    return 2;
  }
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-screenshots-'));
  process.env.GKEFLOW_STATE_DIR = state;
  for (const v of Object.values(PORT_ENV)) process.env[v] = String(await freePort());
  try {
    if ((await main(['stack', 'up'])) !== 0) return 1;
    if ((await main(['up', '-f', SPEC, '--wait'])) !== 0) return 1;
    const b = await launchBrowser(browser);
    try {
      const page = await loopbackPage(b);
      const ui = `http://127.0.0.1:${process.env[PORT_ENV.ui]}`;
      await logInToUi(page, ui, fs.readFileSync(path.join(state, 'codec.token'), 'utf8').trim());
      await openRunByWorkflowId(page, ui, ENV_ID);
      await runTab(page, 'User Metadata');
      const shots = path.join(repoRoot, '.screenshots');
      fs.mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: path.join(shots, 'web-ui-run.png') });
      fs.copyFileSync(path.join(shots, 'web-ui-run.png'), path.join(repoRoot, 'docs/img/web-ui-run.png'));
      console.log('wrote docs/img/web-ui-run.png');
    } finally {
      await b.close();
    }
    await main(['down', ENV_ID, '--wait', '--yes']);
    return 0;
  } finally {
    await main(['stack', 'down']);
    fs.rmSync(state, { recursive: true, force: true });
  }
}

run().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
