/**
 * The installation id: which gkeflow installation (a laptop, a CI system) made a resource, so that
 * two installations sharing one GCP project never judge each other's clusters. Together with the
 * Temporal namespace it is hashed into the `gkeflow-owner` label (contract/labels.ts ownerHash).
 *
 * | source                                   | when                                         |
 * |------------------------------------------|----------------------------------------------|
 * | GKEFLOW_INSTALLATION                     | set (CI: set it, its machines are ephemeral) |
 * | $XDG_CONFIG_HOME/gkeflow/installation    | else; made once with a random id, then kept  |
 *
 * Why persisted in the user's config directory: the id must be stable for as long as the
 * resources it labels live (a reaper whose id changed skips its own clusters as foreign, and they
 * leak), so it cannot be random per process; it must differ between two machines that share a
 * Temporal namespace name (two laptops each on `default`), so it cannot be a fixed default; and it
 * must survive a cache wipe or a fresh clone (`.gkeflow/` and ~/.cache are both disposable).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ownerHash } from '../contract/labels';
import { UsageError } from './errors';

/** The env var that names the installation. */
export const INSTALLATION_ENV = 'GKEFLOW_INSTALLATION';

const VALID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Where the persisted id lives. */
export function installationFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'gkeflow', 'installation');
}

/** The installation id: GKEFLOW_INSTALLATION, else the persisted one (made on first use). */
export function installationId(env: NodeJS.ProcessEnv = process.env): string {
  const given = env[INSTALLATION_ENV];
  if (given !== undefined) {
    if (!VALID.test(given))
      throw new UsageError(`${INSTALLATION_ENV}: '${given}' must be 1-64 letters, digits, '.', '_' or '-'`);
    return given;
  }
  const file = installationFile(env);
  const read = () => fs.readFileSync(file, 'utf8').trim();
  try {
    const id = read();
    if (VALID.test(id)) return id;
    throw new UsageError(`${file}: not an installation id ('${id}'); fix it or set ${INSTALLATION_ENV}`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Written whole under a unique name, then linked into place: a reader never sees a partial id,
  // and of two first uses at once one id wins (link refuses an existing name; the loser reads it).
  const tmp = `${file}.${process.pid}.${crypto.randomUUID()}`;
  fs.writeFileSync(tmp, `${crypto.randomUUID()}\n`, { mode: 0o644 });
  try {
    fs.linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return read();
}

/** The gkeflow-owner label value of this installation in `namespace`. */
export function installationOwner(namespace: string, env: NodeJS.ProcessEnv = process.env): string {
  return ownerHash(namespace, installationId(env));
}
