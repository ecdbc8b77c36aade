/**
 * The tags of a repository, through the registry API (`GET /v2/NAME/tags/list`, every page):
 * what deleteImageTag asks before it deletes a version, so that a version another tag points at
 * is never deleted with it.
 */
import type { DistributionClient } from './distribution';

/** Every tag of the client's repository; none when the repository does not exist (404). */
export async function listTags(client: DistributionClient, repositoryName: string): Promise<string[]> {
  const tags: string[] = [];
  let next: string | undefined = `/v2/${repositoryName}/tags/list?n=1000`;
  for (let pages = 0; next && pages < 1000; pages++) {
    const res = await client.request('GET', next);
    const text = await res.text();
    if (res.status === 404) return tags;
    if (!res.ok) throw client.fail(res.status, text, 'GET tags/list', res);
    tags.push(...((JSON.parse(text || '{}') as { tags?: string[] | null }).tags ?? []));
    // RFC 5988 pagination, as the distribution spec gives it: `Link: </v2/…?n=…&last=…>; rel="next"`.
    next = /<([^>]+)>;\s*rel="?next"?/.exec(res.headers.get('link') ?? '')?.[1];
  }
  return tags;
}
