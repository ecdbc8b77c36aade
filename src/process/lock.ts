import crypto from 'node:crypto';
import fs from 'node:fs';
import { isAlive, processStartTime, sleep } from './process';

/**
 * Creates `dir` holding this process's pid and start time in one atomic step: a private
 * directory is filled, then renamed into place (rename fails when `dir` exists), so nobody ever
 * sees a lock without its owner. Returns whether this process now holds it.
 */
function create(dir: string): boolean {
  const tmp = `${dir}.new-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  fs.mkdirSync(tmp);
  try {
    fs.writeFileSync(`${tmp}/pid`, String(process.pid));
    const started = processStartTime(process.pid);
    if (started !== undefined) fs.writeFileSync(`${tmp}/start`, started);
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

/**
 * Removes a lock dir in one atomic step: renamed aside first, then deleted. Deleting it in place
 * would empty it before removing it, and rename(2) replaces an empty directory: another process's
 * create() could land in that moment and have its fresh lock removed or the removal fail.
 */
function removeLock(dir: string): void {
  const aside = `${dir}.gone-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(dir, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  fs.rmSync(aside, { recursive: true, force: true });
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

/** Clock ticks per second of /proc's start times (USER_HZ: 100 on every architecture Node runs on). */
const USER_HZ = 100;

/** When a process started (epoch ms), from /proc; undefined without /proc. */
function startedAtMs(pid: number): number | undefined {
  const ticks = processStartTime(pid);
  if (ticks === undefined) return undefined;
  try {
    const btime = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1];
    return btime === undefined ? undefined : Number(btime) * 1000 + (Number(ticks) * 1000) / USER_HZ;
  } catch {
    return undefined;
  }
}

/**
 * Whether the process named by a lock still holds it. The pid alone does not say (the kernel
 * reuses pids; a foreign process may carry it): the start time written with it must match; for a
 * lock written without one (older gkeflow), a process that started after the lock was made
 * cannot be its owner.
 */
function ownerAlive(dir: string, pid: number): boolean {
  if (!isAlive(pid)) return false;
  let recorded: string | undefined;
  try {
    recorded = fs.readFileSync(`${dir}/start`, 'utf8').trim() || undefined;
  } catch {
    recorded = undefined;
  }
  if (recorded !== undefined) {
    const now = processStartTime(pid);
    return now === undefined || now === recorded;
  }
  const started = startedAtMs(pid);
  let made: number;
  try {
    made = fs.statSync(dir).mtimeMs;
  } catch {
    return true; // released meanwhile: the caller looks again
  }
  // 2 s of slack for clock granularity: a younger process than that is another one.
  return started === undefined || started <= made + 2000;
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
    if (m && !ownerAlive(mutex, m)) removeLock(mutex);
    return false;
  }
  try {
    if (owner(dir) === deadOwner) removeLock(dir);
    return true;
  } finally {
    removeLock(mutex);
  }
}

/**
 * Runs fn while holding an exclusive lock: a directory holding the owner's pid and start time. A
 * lock whose owner died (or whose pid now names another process) is taken over, so a killed
 * build or `stack up` never wedges the cache or the stack.
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
    if (o && !ownerAlive(lockDir, o)) {
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
    if (owner(lockDir) === process.pid) removeLock(lockDir);
  }
}

/**
 * Takes the lock `dir` now, without waiting: a release function, or the pid of the live process
 * that holds it. A lock whose owner died (or whose pid names another process now) is taken over.
 */
export function tryDirLock(dir: string): { release: () => void } | { holder: number } {
  for (let tries = 0; tries < 100; tries++) {
    if (create(dir))
      return {
        release: () => {
          if (owner(dir) === process.pid) removeLock(dir);
        },
      };
    const o = owner(dir);
    if (o === undefined) continue; // released just now
    if (o && ownerAlive(dir, o)) return { holder: o };
    if (o) takeOver(dir, o);
    else return { holder: 0 }; // being created this instant: held
  }
  return { holder: owner(dir) ?? 0 };
}
