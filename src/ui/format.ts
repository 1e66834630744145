/** Text helpers the views share. */

/** "1 judgment", "2 judgments", "0 ties": a count with its noun in the right number. */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
