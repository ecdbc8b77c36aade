import path from 'node:path';
import { readEndpoints, taskQueueFor, type PortName } from '../config/endpoints';
import { stateDir } from '../paths';

/** Ports and directories of the local stack; ports and queue come from src/config/endpoints. */
export interface StackConfig {
  stateDir: string;
  /** The ports the stack binds on 127.0.0.1, each movable by its PORT_ENV variable. */
  ports: Readonly<Record<PortName, number>>;
  /** The task queue the stack's worker polls (and its health check watches). */
  taskQueue: string;
}

/** Reads the stack configuration from the environment; a malformed port is a usage error. */
export function stackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const endpoints = readEndpoints(env);
  return Object.freeze({
    stateDir: stateDir(env),
    ports: endpoints.ports,
    taskQueue: taskQueueFor('local', endpoints),
  });
}

export const logFile = (cfg: StackConfig, name: string) => path.join(cfg.stateDir, 'logs', `${name}.log`);
export const pidFile = (cfg: StackConfig, name: string) => path.join(cfg.stateDir, 'run', `${name}.json`);
