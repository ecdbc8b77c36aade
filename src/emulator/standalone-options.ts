/**
 * Options of the standalone emulator: flags, then environment variables, then a config file
 * (JSON or YAML), then defaults (ports from src/config/endpoints.ts). Every problem is one
 * Error naming the flag or variable. The state dir has no default here: the entry (main.ts)
 * supplies the local stack's.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { LOCAL_PORTS, PORT_ENV } from '../config/endpoints';
import {
  checkDelays,
  DEFAULT_DELAYS,
  delayProfile,
  isSpeed,
  type Delays,
  type DelayProfile,
  type EmulatorOptions,
} from './settings';
import { checkFaultRule, type FaultRule } from './faults';

/** Env vars the standalone emulator reads (flag in brackets). */
export const ENV = {
  port: PORT_ENV.emulator, // --port, default LOCAL_PORTS.emulator
  adminPort: PORT_ENV.emulatorAdmin, // --admin-port, default LOCAL_PORTS.emulatorAdmin
  stateDir: 'GKEFLOW_EMULATOR_STATE_DIR', // --state-dir, default (main.ts) <stack state dir>/emulator
  controlPlane: 'GKEFLOW_EMULATOR_CONTROL_PLANE', // --control-plane kwok|none
  speed: 'GKEFLOW_EMULATOR_SPEED', // --speed
  profile: 'GKEFLOW_EMULATOR_PROFILE', // --profile default|gke|zero
  seed: 'GKEFLOW_EMULATOR_SEED', // --seed
  requireAuth: 'GKEFLOW_EMULATOR_REQUIRE_AUTH', // --require-auth[=TOKEN]
  config: 'GKEFLOW_EMULATOR_CONFIG', // --config FILE
  delays: 'GKEFLOW_EMULATOR_DELAYS', // --delays JSON, e.g. {"createCluster":20000}
  faults: 'GKEFLOW_EMULATOR_FAULTS', // --faults JSON, an array of fault rules
} as const;

const FLAGS: Record<string, keyof typeof ENV> = {
  '--port': 'port',
  '--admin-port': 'adminPort',
  '--state-dir': 'stateDir',
  '--control-plane': 'controlPlane',
  '--speed': 'speed',
  '--profile': 'profile',
  '--seed': 'seed',
  '--require-auth': 'requireAuth',
  '--config': 'config',
  '--delays': 'delays',
  '--faults': 'faults',
};

/** Config file shape: any EmulatorOptions field except stateDir and log. */
interface FileConfig {
  controlPlane?: 'kwok' | 'none';
  speed?: number;
  seed?: number;
  profile?: DelayProfile;
  delays?: Partial<Delays>;
  quotas?: EmulatorOptions['quotas'];
  faults?: FaultRule[];
  requireAuth?: boolean | string;
}

function intIn(v: string, what: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new Error(`${what}: expected an integer ${min}–${max}, got '${v}'`);
  return n;
}

/** EmulatorOptions as the flags and env give them: the state dir only when one was given. */
export type ParsedEmulatorOptions = Readonly<Omit<EmulatorOptions, 'stateDir'> & { stateDir?: string }>;

/** Parses argv (without node and script) and env into frozen EmulatorOptions. */
export function parseEmulatorArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedEmulatorOptions {
  const flags: Partial<Record<keyof typeof ENV, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const key = FLAGS[flag];
    if (!key) throw new Error(`unknown flag ${flag}; known: ${Object.keys(FLAGS).join(', ')}`);
    if (key === 'requireAuth' && inline === undefined) flags.requireAuth = 'true';
    else if (inline !== undefined) flags[key] = inline;
    else if (argv[i + 1] === undefined) throw new Error(`${flag} needs a value`);
    else flags[key] = argv[++i];
  }
  const get = (k: keyof typeof ENV): [string, string] | undefined =>
    flags[k] !== undefined
      ? [flags[k]!, `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`]
      : env[ENV[k]]
        ? [env[ENV[k]]!, ENV[k]]
        : undefined;

  const cfgPath = get('config');
  const file: FileConfig = cfgPath ? readConfig(cfgPath[0], cfgPath[1]) : {};
  const port = get('port');
  const admin = get('adminPort');
  const dir = get('stateDir');
  const cp = get('controlPlane');
  const speed = get('speed');
  const profileArg = get('profile');
  const profile = profileArg ? profileArg[0] : (file.profile ?? 'default');
  const base = wrapField(profileArg?.[1] ?? 'config.profile', () => delayProfile(profile));
  const seed = get('seed');
  const auth = get('requireAuth');
  const delaysArg = get('delays');
  const faultsArg = get('faults');
  const delays = delaysArg ? { ...file.delays, ...(json(delaysArg, 'object') as Partial<Delays>) } : file.delays;
  if (delays) wrapField(delaysArg?.[1] ?? 'config.delays', () => checkDelays({ ...base, ...delays }));
  const faults = faultsArg ? (json(faultsArg, 'array') as FaultRule[]) : file.faults;
  if (faultsArg) wrapField(faultsArg[1], () => (faults ?? []).forEach((r, i) => checkFaultRule(r, i)));
  const controlPlane = cp ? cp[0] : (file.controlPlane ?? 'kwok');
  if (controlPlane !== 'kwok' && controlPlane !== 'none')
    throw new Error(`${cp?.[1] ?? 'config.controlPlane'}: expected kwok or none, got '${controlPlane}'`);
  const speedN = speed ? Number(speed[0]) : (file.speed ?? 1);
  if (!isSpeed(speedN))
    throw new Error(`${speed?.[1] ?? 'config.speed'}: expected a positive number, got '${speed?.[0] ?? file.speed}'`);
  return Object.freeze({
    port: port ? intIn(port[0], port[1], 0, 65535) : LOCAL_PORTS.emulator,
    adminPort: admin ? intIn(admin[0], admin[1], 0, 65535) : LOCAL_PORTS.emulatorAdmin,
    ...(dir ? { stateDir: path.resolve(dir[0]) } : {}),
    controlPlane,
    speed: speedN,
    profile: profile as DelayProfile,
    seed: seed ? intIn(seed[0], seed[1], 0, 2 ** 32 - 1) : (file.seed ?? 1),
    delays,
    quotas: file.quotas,
    faults,
    requireAuth: auth
      ? /^(1|true|yes)$/i.test(auth[0])
        ? true
        : /^(0|false|no)$/i.test(auth[0])
          ? false
          : auth[0]
      : (file.requireAuth ?? false),
  });
}

function json([text, what]: [string, string], kind: 'object' | 'array'): unknown {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what}: not JSON (${(e as Error).message})`);
  }
  if (kind === 'array' ? !Array.isArray(v) : typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`${what}: expected a JSON ${kind}`);
  return v;
}

function wrapField<T>(what: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`);
  }
}

function readConfig(file: string, what: string): FileConfig {
  let raw: unknown;
  try {
    raw = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${what}=${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof raw !== 'object' || raw === null) throw new Error(`${what}=${file}: expected a mapping`);
  const cfg = raw as FileConfig;
  const known = ['controlPlane', 'speed', 'seed', 'profile', 'delays', 'quotas', 'faults', 'requireAuth'];
  const unknown = Object.keys(cfg).filter((k) => !known.includes(k));
  if (unknown.length) throw new Error(`${file}: unknown field ${unknown.join(', ')}; known: ${known.join(', ')}`);
  if (cfg.delays) checkDelays({ ...DEFAULT_DELAYS, ...cfg.delays });
  (cfg.faults ?? []).forEach((r, i) => checkFaultRule(r, i));
  return cfg;
}
