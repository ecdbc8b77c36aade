import crypto from 'node:crypto';
import fs from 'node:fs';
import { isAlive, sleep } from './process';

/**
 * Creates `dir` holding this process's pid in one atomic step: a private directory is filled,
 * then renamed into place (rename fails when `dir` exists), so nobody ever sees a lock without
 * its owner. Returns whether this process now holds it.
 */
function create(dir: string): boolean {
  const tmp = `${dir}.new-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  fs.mkdirSync(tmp);
  try {
    fs.writeFileSync(`${tmp}/pid`, String(process.pid));
    fs.renameSync(tmp, dir);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTEMPTY' || code === 'EISDIR') return false;
    throw e;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The pid holding a lock dir, 0 when it has none yet (an old-style lock), undefined when there is no lock. */
function owner(dir: string): number | undefined {
  try {
    return Number(fs.readFileSync(`${dir}/pid`, 'utf8')) || 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return fs.existsSync(dir) ? 0 : undefined;
    throw e;
  }
}

/**
 * Removes a lock whose owner died. Only the holder of `<dir>.takeover` may, and it removes the
 * lock only if the dead owner still holds it: two processes taking over at once cannot both win,
 * and neither removes a lock someone took in the meantime.
 */
function takeOver(dir: string, deadOwner: number): boolean {
  const mutex = `${dir}.takeover`;
  if (!create(mutex)) {
    // Someone else is taking over; its mutex is stale only if it died in these few lines.
    const m = owner(mutex);
    if (m && !isAlive(m)) fs.rmSync(mutex, { recursive: true, force: true });
    return false;
  }
  try {
    if (owner(dir) === deadOwner) fs.rmSync(dir, { recursive: true, force: true });
    return true;
  } finally {
    fs.rmSync(mutex, { recursive: true, force: true });
  }
}

/**
 * Runs fn while holding an exclusive lock: a directory holding the owner's pid. A lock whose
 * owner died is taken over, so a killed build never wedges the cache.
 */
export async function withDirLock<T>(
  lockDir: string,
  log: (l: string) => void,
  waitingMsg: string,
  fn: () => Promise<T>,
  pollMs = 1000,
): Promise<T> {
  let announced = false;
  while (!create(lockDir)) {
    const o = owner(lockDir);
    if (o === undefined) continue; // released just now
    if (o && !isAlive(o)) {
      if (!takeOver(lockDir, o)) await sleep(20);
      continue;
    }
    if (!announced) log(`waiting: ${waitingMsg}`);
    announced = true;
    await sleep(pollMs);
  }
  try {
    return await fn();
  } finally {
    if (owner(lockDir) === process.pid) fs.rmSync(lockDir, { recursive: true, force: true });
  }
}
