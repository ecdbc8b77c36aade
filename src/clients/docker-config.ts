/**
 * Registry credentials from where users already keep them: Docker's config
 * (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`), as `docker login` writes it —
 * `credHelpers` per host, then `credsStore`, both run as `docker-credential-<name> get` with the
 * host on stdin, then `auths` (base64 `user:pass`). Asked only when a registry challenges, and
 * never logged or put in an error message: a credential goes into an Authorization header only.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Basic credentials (registry.ts's RegistryCredentials; stated here so the two do not import each other). */
interface RegistryCredentials {
  username: string;
  password: string;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** The keys Docker files a host under (Docker Hub's is its legacy index URL). */
function keysOf(host: string): string[] {
  if (host === 'docker.io' || host === 'registry-1.docker.io' || host === 'index.docker.io')
    return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  return [host, `https://${host}`, `http://${host}`];
}

function readConfig(env: NodeJS.ProcessEnv): DockerConfig | undefined {
  const dir = env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as DockerConfig;
  } catch {
    return undefined; // no config, or not JSON: anonymous, as docker itself would be
  }
}

/** `docker-credential-<helper> get`: the host on stdin, `{Username, Secret}` on stdout. */
function runHelper(helper: string, host: string, env: NodeJS.ProcessEnv): Promise<RegistryCredentials | undefined> {
  if (!/^[A-Za-z0-9_.-]+$/.test(helper)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const child = spawn(`docker-credential-${helper}`, ['get'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.once('error', () => resolve(undefined));
    child.once('close', (code) => {
      try {
        const j = JSON.parse(out) as { Username?: string; Secret?: string };
        resolve(code === 0 && j.Secret ? { username: j.Username ?? '', password: j.Secret } : undefined);
      } catch {
        resolve(undefined);
      }
    });
    child.stdin.end(host);
  });
}

/** The credentials Docker's config holds for `host`, or undefined (anonymous). */
export async function dockerConfigCredentials(
  host: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RegistryCredentials | undefined> {
  const config = readConfig(env);
  if (!config) return undefined;
  const keys = keysOf(host);
  const helper = keys.map((k) => config.credHelpers?.[k]).find(Boolean);
  if (helper) return runHelper(helper, keys[0]!, env);
  const auth = keys.map((k) => config.auths?.[k]).find(Boolean);
  if (auth?.auth) {
    const text = Buffer.from(auth.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0) return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (auth?.username && auth.password) return { username: auth.username, password: auth.password };
  if (config.credsStore) return runHelper(config.credsStore, keys[0]!, env);
  return undefined;
}
