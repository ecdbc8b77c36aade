// A second (third, …) worker process of the reaper bench (`bench/reaper.ts --workers N`): the real
// workflows and activities on the bench's task queue, its GKE calls to the bench's emulator over
// gRPC (as a second worker of a real deployment does). Prints READY once polling; stops when its
// stdin closes. Usage (by bench/reaper.ts): tsx bench/reaper-worker.ts TEMPORAL TASKQUEUE EMULATOR REGISTRY
import { NativeConnection, Worker } from '@temporalio/worker';
import { createGkeClient } from '../src/clients/gke';
import { quietWorkerLogs, workflowBundle } from '../src/stack/local-temporal';
import { reaperActivities } from '../test/helpers/reaper';

async function main(): Promise<void> {
  const [address, taskQueue, emulatorAddress, registryAddress] = process.argv.slice(2);
  if (!address || !taskQueue || !emulatorAddress || !registryAddress)
    throw new Error('usage: reaper-worker.ts TEMPORAL TASKQUEUE EMULATOR REGISTRY');
  quietWorkerLogs();
  const config = { target: 'local' as const, emulatorAddress, registryAddress };
  const gke = createGkeClient(config);
  const activities = reaperActivities(config, gke);
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({ connection, taskQueue, workflowBundle: await workflowBundle(), activities });
  process.stdin.on('end', () => worker.shutdown());
  process.stdin.resume();
  const running = worker.run();
  console.log('READY');
  await running;
  await gke.close();
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
