// `npm start`: build the toolchain if needed, bring the local stack up and show where it is.
import { main } from '../src/cli/main';

async function run(): Promise<number> {
  const up = await main(['stack', 'up']);
  if (up !== 0) return up;
  console.log('\nTemporal Web UI: http://127.0.0.1:' + (process.env.GKEFLOW_UI_PORT ?? '8233'));
  console.log('Stop the stack with: npx gkeflow stack down');
  return 0;
}

run().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
