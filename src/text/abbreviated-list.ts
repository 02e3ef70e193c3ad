/** "a, b, c, d, e and 3 more": the first `shown` items, and how many were left out. */
export function abbreviatedList(items: readonly string[], shown = 5): string {
  const head = items.slice(0, shown).join(', ');
  return items.length > shown ? `${head} and ${items.length - shown} more` : head;
}
