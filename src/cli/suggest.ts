/**
 * "did you mean `status`?" for a mistyped command or flag: the nearest known word by edit
 * distance, offered only when it is close enough to be the likely intent.
 */

/** Levenshtein distance between a and b (insert, delete, substitute, each 1). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known word nearest to `word` when at most a third of it (at least 1, at most 3 edits) differs. */
export function nearest(word: string, known: readonly string[]): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: { w: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(word, k);
    if (d <= limit && (!best || d < best.d)) best = { w: k, d };
  }
  return best?.w;
}

/** ` (did you mean 'x'?)` or nothing, to follow the unknown word in a usage error. */
export const didYouMean = (word: string, known: readonly string[]): string => {
  const n = nearest(word, known);
  return n ? ` (did you mean '${n}'?)` : '';
};
