// `npm start`: the demo. Builds the toolchain if needed, brings the local stack up, then runs
// the classic walkthrough (examples/tensorflow-notebook.yaml) end to end with live progress,
// and leaves the environment running with its TTL.
import { main } from '../src/cli/main';
import { localAddress, readEndpoints } from '../src/config/endpoints';

const SPEC = 'examples/tensorflow-notebook.yaml';

async function run(): Promise<number> {
  const up = await main(['stack', 'up']);
  if (up !== 0) return up;
  console.log(`\nTemporal Web UI: http://${localAddress(readEndpoints().ports.ui)}\n`);
  console.log(`Running the walkthrough: gkeflow up -f ${SPEC} --wait\n`);
  const code = await main(['up', '-f', SPEC, '--wait']);
  console.log('\nTear it down:  npx gkeflow down tensorflow-cluster001 --wait');
  console.log('Stop the stack: npx gkeflow stack down');
  return code;
}

run().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
