import { closest, distance } from 'fastest-levenshtein';

/**
 * The candidate `word` was most likely meant to be, or null when none is close: at most 2 edits
 * for short words, a third of the word for longer ones (so `revrese` → `reverse`, `exce` → `exec`).
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | null {
  const list = [...candidates].filter((c) => c !== word);
  if (list.length === 0 || word === '') return null;
  const best = closest(
    word.toLowerCase(),
    list.map((c) => c.toLowerCase()),
  );
  const index = list.findIndex((c) => c.toLowerCase() === best);
  const limit = Math.max(2, Math.floor(word.length / 3));
  return distance(word.toLowerCase(), best) <= limit ? (list[index] ?? null) : null;
}

/** `; did you mean "x"?` or an empty string. */
export function suggestion(word: string, candidates: Iterable<string>): string {
  const s = didYouMean(word, candidates);
  return s === null ? '' : `; did you mean "${s}"?`;
}
