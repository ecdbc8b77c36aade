import path from 'node:path';
import { UsageError } from '../errors';
import { stateDir } from './paths';

/** Ports and directories of the local stack: defaults, each movable by an env var. */
export interface StackConfig {
  stateDir: string;
  temporalPort: number;
  uiPort: number;
  registryPort: number;
  emulatorPort: number;
  emulatorAdminPort: number;
}

export const PORT_VARS = {
  temporalPort: ['GKEFLOW_TEMPORAL_PORT', 7233],
  uiPort: ['GKEFLOW_UI_PORT', 8233],
  registryPort: ['GKEFLOW_REGISTRY_PORT', 5000],
  emulatorPort: ['GKEFLOW_EMULATOR_PORT', 8090],
  emulatorAdminPort: ['GKEFLOW_EMULATOR_ADMIN_PORT', 8091],
} as const;

/** Reads the stack configuration from the environment; a malformed port is a usage error. */
export function stackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const problems: string[] = [];
  const port = (key: keyof typeof PORT_VARS): number => {
    const [name, def] = PORT_VARS[key];
    const raw = env[name];
    if (raw === undefined || raw === '') return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 65535) problems.push(`${name}=${raw}: must be a port number 1..65535`);
    return n;
  };
  const cfg: StackConfig = {
    stateDir: stateDir(env),
    temporalPort: port('temporalPort'),
    uiPort: port('uiPort'),
    registryPort: port('registryPort'),
    emulatorPort: port('emulatorPort'),
    emulatorAdminPort: port('emulatorAdminPort'),
  };
  if (problems.length) throw new UsageError(problems.join('; '));
  return Object.freeze(cfg);
}

export const logFile = (cfg: StackConfig, name: string) => path.join(cfg.stateDir, 'logs', `${name}.log`);
export const pidFile = (cfg: StackConfig, name: string) => path.join(cfg.stateDir, 'run', `${name}.json`);
