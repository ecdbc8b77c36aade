/**
 * What Google answers a call to an API the project has not enabled: PERMISSION_DENIED, its
 * message, and a google.rpc.ErrorInfo {reason SERVICE_DISABLED, domain googleapis.com, metadata
 * service, serviceTitle, consumer (`projects/NUMBER`), activationUrl, containerInfo}. A fault
 * rule with `reason: SERVICE_DISABLED` and no message is answered with these details.
 */
import crypto from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { ApiError } from '../../errors';

export const SERVICE_DISABLED = 'SERVICE_DISABLED';
const SERVICE = 'container.googleapis.com';
const TITLE = 'Kubernetes Engine API';

/** A stable 12-digit project number for a project id (Google names the consumer by number). */
export function projectNumberOf(project: string): string {
  const n = crypto.createHash('sha256').update(project).digest().readUIntBE(0, 6) % 900_000_000_000;
  return String(100_000_000_000 + n);
}

/** The project a request names (`projects/P/…` in name or parent, or the legacy projectId). */
export function projectOfRequest(req: Record<string, unknown>): string {
  for (const v of [req.name, req.parent]) {
    const m = typeof v === 'string' ? /^projects\/([^/]+)/.exec(v) : null;
    if (m?.[1]) return m[1];
  }
  return typeof req.projectId === 'string' && req.projectId ? req.projectId : '-';
}

/** The PERMISSION_DENIED Google answers when container.googleapis.com is disabled in `project`. */
export function serviceDisabled(project: string, message?: string): ApiError {
  const number = projectNumberOf(project);
  const activationUrl = `https://console.developers.google.com/apis/api/${SERVICE}/overview?project=${number}`;
  return new ApiError(
    status.PERMISSION_DENIED,
    message ??
      `${TITLE} has not been used in project ${number} before or it is disabled. Enable it by visiting ${activationUrl} then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.`,
    SERVICE_DISABLED,
    {
      domain: 'googleapis.com',
      metadata: {
        service: SERVICE,
        serviceTitle: TITLE,
        consumer: `projects/${number}`,
        activationUrl,
        containerInfo: number,
      },
    },
  );
}
