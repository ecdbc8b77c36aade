/**
 * gkeflow's builtin demo image (spec source `builtin:demo`): a real, tiny OCI image made
 * without Docker — one gzip layer with a static web root and a note. On the local target the
 * pods are simulated by kwok, so nothing executes it; on GKE, run it with a server image or
 * push your own (the walkthrough's tensorflow notebook).
 */
import { buildImage, type BuiltImage } from './oci';

export interface DemoImageOptions {
  /** Text of the served page; different text ⇒ a different layer and digest (tests use this). */
  message?: string;
  /** Port recorded in the image config (ExposedPorts), the walkthrough's 8888. */
  port?: number;
}

/** Builds the demo image in memory; deterministic for the same options. */
export function buildDemoImage(opts: DemoImageOptions = {}): BuiltImage {
  const port = opts.port ?? 8888;
  const message = opts.message ?? 'Hello from gkeflow: this page is served from a real OCI image built without Docker.';
  const html = `<!doctype html>\n<html><head><title>gkeflow demo</title></head><body><h1>gkeflow demo</h1><p>${message}</p></body></html>\n`;
  return buildImage({
    layers: [
      [
        { path: 'srv/' },
        { path: 'srv/www/' },
        { path: 'srv/www/index.html', content: html },
        { path: 'srv/www/healthz', content: 'ok\n' },
        { path: 'srv/README.txt', content: 'gkeflow builtin:demo image: a static web root, no shell, no binaries.\n' },
      ],
    ],
    config: {
      ExposedPorts: { [`${port}/tcp`]: {} },
      WorkingDir: '/srv/www',
      Labels: { 'org.opencontainers.image.title': 'gkeflow-demo', 'org.opencontainers.image.source': 'builtin:demo' },
    },
  });
}
