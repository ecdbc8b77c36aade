/**
 * Deleting one image tag without touching what other tags (other environments) still use.
 * Artifact Registry keeps tags and versions apart: a tag DELETE only untags, and the untagged
 * version stays, counted and billed. So after the untag the version is deleted too, but only
 * when no other tag points at it. A registry that cannot untag (400/405) would need the version
 * deleted to drop the tag, which takes every tag of that digest with it: that happens only when
 * the tag is the version's last one, and is refused otherwise (skip and report, never delete).
 */
import type { DistributionClient } from '../clients/distribution';
import { listTags } from '../clients/registry-tags';
import { InvalidArgumentError } from '../contract/activity-errors';
import type { DeleteResult } from '../contract/workload-io';
import { heartbeat, resumeDetails } from './progress';

/** Heartbeat details of deleteImageTag: the digest the tag pointed at, for a retry after the untag. */
export interface TagDeleteProgress {
  tag: string;
  digest: string;
}

/** Deletes `tag` in the client's repository (see the module comment). */
export async function deleteTagKeepingShared(
  client: DistributionClient,
  repositoryName: string,
  tag: string,
): Promise<DeleteResult> {
  const resumed = resumeDetails<TagDeleteProgress>();
  const digest = (await client.headManifest(tag)) ?? (resumed?.tag === tag ? resumed.digest : undefined);
  if (!digest) return { deleted: false };
  heartbeat({ tag, digest } satisfies TagDeleteProgress);
  /** The other tags on the same digest, asked afresh. */
  const sharers = async () => {
    const out: string[] = [];
    for (const t of await listTags(client, repositoryName))
      if (t !== tag && (await client.headManifest(t)) === digest) out.push(t);
    return out;
  };
  const byTag = await client.deleteManifest(tag);
  // 404: the tag is gone already (a previous attempt untagged it); the version may still be left.
  if (!byTag.deleted && byTag.status !== 404 && byTag.status !== 400 && byTag.status !== 405)
    throw client.fail(byTag.status, byTag.body, `DELETE tag ${tag}`);
  const others = await sharers();
  if (others.length) {
    if (byTag.deleted || byTag.status === 404) return { deleted: byTag.deleted };
    throw new InvalidArgumentError(
      `kept tag ${tag}: the registry cannot delete a tag alone (HTTP ${byTag.status}), and deleting its image ` +
        `${digest} would also remove tag${others.length === 1 ? '' : 's'} ${others.join(', ')}`,
      { tag, digest },
    );
  }
  const version = await client.deleteManifest(digest);
  if (version.deleted) return { deleted: true };
  // The version is gone already, or this registry keeps versions (left to the repository's cleanup policy).
  if (version.status === 404) return { deleted: byTag.deleted };
  if ((version.status === 400 || version.status === 405) && byTag.deleted) return { deleted: true };
  throw client.fail(version.status, version.body, `DELETE manifest ${digest}`);
}
