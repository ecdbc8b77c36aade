/**
 * The emulator's state files on disk: written atomically and durably (a uniquely named temp file
 * in the same directory, fsynced, renamed over the old one, then the directory fsynced, so a crash
 * leaves the old state or the new one, never a short file), and read back refusing what is
 * damaged (empty, truncated, not JSON, unknown layout) with an error naming the file, after
 * keeping a copy of it beside it, so that nothing is lost to a later write.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Thrown when a state file exists but cannot be read as emulator state, or the state dir is in use. */
export class EmulatorStateError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'EmulatorStateError';
  }
}

/** Writes `data` to `file` atomically and durably, readable by the owner only (`mode`). */
export function writeFileDurably(file: string, data: string, mode = 0o600): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  syncDir(dir);
}

/** fsync a directory, so a rename in it survives a crash (a no-op where directories cannot be opened). */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* not supported here (e.g. Windows): the rename is still atomic */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * The JSON in `file` as `check` accepts it, or undefined when there is no file. A damaged file
 * (empty, truncated, unparsable, or refused by `check`, which throws saying why) is copied to
 * `<file>.damaged-<time>` and refused with an EmulatorStateError naming both.
 */
export function readStateJson<T>(file: string, what: string, check: (raw: unknown) => T): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EmulatorStateError(file, `${file} cannot be read: ${(e as Error).message}`);
  }
  let problem: string;
  if (!text.trim()) problem = 'the file is empty';
  else {
    try {
      return check(JSON.parse(text));
    } catch (e) {
      problem = e instanceof SyntaxError ? `not valid JSON, truncated? (${e.message})` : (e as Error).message;
    }
  }
  const copy = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  let kept = `a copy is kept at ${copy}`;
  try {
    fs.copyFileSync(file, copy, fs.constants.COPYFILE_EXCL);
  } catch (e) {
    kept = `no copy could be kept (${(e as Error).message})`;
  }
  throw new EmulatorStateError(
    file,
    `${file} is damaged ${what}: ${problem}; ${kept}. Nothing was changed: restore the file, or move it away to start empty.`,
  );
}
