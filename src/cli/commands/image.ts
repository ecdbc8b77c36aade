/**
 * `gkeflow image worker`: builds the worker's OCI image without a container runtime (see
 * src/image/worker-image.ts) on a base given by registry reference, OCI layout or archive, then
 * pushes it to a registry and/or writes it as an OCI layout.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copyImage, openSource } from '../../activities/registry';
import { targetConfigFromEnv } from '../../clients/config';
import { resolveRepository, splitReference } from '../../clients/registry';
import { ImageNotFoundError, InvalidArgumentError } from '../../contract/activity-errors';
import { UsageError } from '../../config/errors';
import { parseImageReference, parseImageSource } from '../../envspec/image-ref';
import { ociLayoutReader, type ImageReader } from '../../image/reader';
import type { ImageSource } from '../../contract/image-io';
import {
  baseManifest,
  composeWorkerImage,
  packPackage,
  stageWorkerPackage,
  treeEntries,
  WORKER_PLATFORMS,
  WORKER_PREFIX,
  writeLayer,
  writeWorkerLayout,
} from '../../image/worker-image';
import { isCheckout, packageVersion, repoRoot } from '../../paths';
import type { CommandInput } from '../command';
import { emitResult } from '../output';

/** The host's platform in OCI words (linux/amd64, linux/arm64). */
const hostPlatform = () => `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`;

interface ImageFlags {
  base: string;
  platform: string;
  tag?: { repository: string; tag: string };
  output?: string;
  pkg?: string;
}

/** Every flag checked before anything is read or written (exit 2, naming the flag). */
function parseFlags(flags: CommandInput['flags']): ImageFlags {
  const str = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const base = str('base');
  if (!base)
    throw new UsageError(
      '--base is required: a Node 20 image (registry reference, oci:DIR[:TAG], oci-archive:FILE or docker-archive:FILE)',
    );
  const source = parseImageSource(base);
  if (typeof source === 'string') throw new UsageError(`--base: ${source}`);
  if (source.kind === 'builtin') throw new UsageError('--base: a builtin image is not a Node base image');
  const platform = str('platform') ?? hostPlatform();
  if (!WORKER_PLATFORMS[platform])
    throw new UsageError(`--platform: ${platform} is not one of ${Object.keys(WORKER_PLATFORMS).join(', ')}`);
  const ref = str('tag');
  let tag: ImageFlags['tag'];
  if (ref !== undefined) {
    const parsed = parseImageReference(ref);
    if (typeof parsed === 'string') throw new UsageError(`--tag: ${parsed}`);
    if (!parsed.tag || parsed.digest) throw new UsageError('--tag: must be REPOSITORY:TAG (a tag, no digest)');
    const { repository, ref: t } = splitReference(ref);
    tag = { repository, tag: t };
  }
  const output = str('layout');
  if (!tag && !output) throw new UsageError('--tag REPOSITORY:TAG (push) or --layout DIR (an OCI layout) is required');
  if (output && fs.existsSync(output) && fs.readdirSync(output).length)
    throw new UsageError(`--layout: ${output} exists and is not empty`);
  const pkg = str('package');
  if (pkg && !fs.existsSync(pkg)) throw new UsageError(`--package: no such file ${pkg}`);
  return { base, platform, tag, output, pkg };
}

export async function imageWorkerCommand(input: CommandInput): Promise<void> {
  const f = parseFlags(input.flags);
  const started = Date.now();
  const config = targetConfigFromEnv(process.env);
  let base: ImageReader;
  try {
    base = openSource(parseImageSource(f.base) as ImageSource, config);
  } catch (e) {
    badBase(e);
  }
  // The base is read (and its platform found) before anything is packed or installed.
  await baseManifest(base, f.platform).catch(badBase);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-image-'));
  try {
    const tarball = f.pkg ?? (await packPackage(repoRoot, work, !isCheckout()));
    input.err(`gkeflow image: installing ${path.basename(tarball)} (production dependencies, ${f.platform})`);
    const prefix = await stageWorkerPackage(tarball, path.join(work, 'prefix'), f.platform);
    const layer = await writeLayer(treeEntries(prefix, WORKER_PREFIX), path.join(work, 'layer.tar.gz'));
    const image = await composeWorkerImage({
      base,
      baseName: f.base,
      platform: f.platform,
      layer,
      version: packageVersion(),
    }).catch(badBase);
    const layoutTag = f.tag?.tag ?? packageVersion();
    const layout = await writeWorkerLayout(image, base, f.output ?? path.join(work, 'layout'), layoutTag).catch(
      badBase,
    );
    let reference: string | undefined;
    if (f.tag) {
      const pushed = await copyImage(
        ociLayoutReader(layout, layoutTag),
        resolveRepository(f.tag.repository, config),
        f.tag.tag,
        {
          wait: {},
          readWindow: 8 << 20,
        },
      );
      reference = pushed.reference;
    }
    const compressed = image.layers.reduce((n, l) => n + l.size, 0);
    const result = {
      digest: image.manifest.digest,
      platform: f.platform,
      layers: image.layers.length,
      compressedBytes: compressed,
      packageLayerBytes: layer.descriptor.size,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      ...(reference ? { reference } : {}),
      ...(f.output ? { layout: `oci:${path.resolve(f.output)}:${layoutTag}` } : {}),
    };
    input.out(
      `gkeflow image: worker ${result.digest} (${f.platform}, ${result.layers} layers, ${mb(compressed)} compressed, package layer ${mb(layer.descriptor.size)}, ${result.seconds} s)`,
    );
    if (reference) input.out(`pushed: ${reference}`);
    if (result.layout) input.out(`written: ${result.layout}`);
    emitResult(input, result);
  } finally {
    await base.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** A base that cannot be read or used is bad input: exit 2, saying why. */
function badBase(e: unknown): never {
  if (e instanceof ImageNotFoundError || e instanceof InvalidArgumentError)
    throw new UsageError(`--base: ${e.message}`);
  throw e;
}
