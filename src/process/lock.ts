import fs from 'node:fs';
import { isAlive, sleep } from './process';

/**
 * Runs fn while holding an exclusive lock: a directory created atomically with mkdir, holding
 * the owner's pid. A lock whose owner died is taken over, so a killed build never wedges the cache.
 */
export async function withDirLock<T>(
  lockDir: string,
  log: (l: string) => void,
  waitingMsg: string,
  fn: () => Promise<T>,
): Promise<T> {
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(`${lockDir}/pid`, String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(fs.readFileSync(`${lockDir}/pid`, { encoding: 'utf8', flag: 'a+' }) || 0);
      if (owner && !isAlive(owner)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (!announced) log(`waiting: ${waitingMsg}`);
      announced = true;
      await sleep(1000);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}
