import { describe, expect, it } from 'vitest';
import { parseOasstTree } from '../../../src/io/formats/oasst';

const node = (
  id: string,
  role: string,
  text: string,
  rank: number | null,
  replies: unknown[] = [],
) => ({
  message_id: id,
  role,
  text,
  rank,
  replies,
});

// P1 has three ranked replies (A0 best), one unranked and one deleted; under A0 the user
// asks again (P2), and P2's two replies are ranked B0 (0) before B1 (1).
const TREE = node('p1', 'prompter', 'Name a colour.', null, [
  node('a1', 'assistant', 'Green.', 1),
  node('a0', 'assistant', 'Blue.', 0, [
    node('p2', 'prompter', 'Another?', null, [
      node('b1', 'assistant', 'Red?', 1),
      node('b0', 'assistant', 'Red.', 0),
    ]),
  ]),
  node('a2', 'assistant', 'Dunno.', 2),
  node('ax', 'assistant', 'Unranked.', null),
  { ...node('ad', 'assistant', 'Deleted.', 3), deleted: true },
]);

const P1 = [{ role: 'user', content: 'Name a colour.' }];
const P2 = [...P1, { role: 'assistant', content: 'Blue.' }, { role: 'user', content: 'Another?' }];

describe('parseOasstTree', () => {
  it('gives all K-choose-2 pairs per prompter message, lower rank chosen', () => {
    expect(parseOasstTree(TREE)).toEqual([
      { prompt: P1, chosen: 'Blue.', rejected: 'Green.', group: 'p1' },
      { prompt: P1, chosen: 'Blue.', rejected: 'Dunno.', group: 'p1' },
      { prompt: P1, chosen: 'Green.', rejected: 'Dunno.', group: 'p1' },
      { prompt: P2, chosen: 'Red.', rejected: 'Red?', group: 'p2' },
    ]);
  });

  it('reads the export wrapper {message_tree_id, prompt} the same', () => {
    expect(
      parseOasstTree({ message_tree_id: 'p1', tree_state: 'ready_for_export', prompt: TREE }),
    ).toEqual(parseOasstTree(TREE));
  });

  it('gives no pair for equal ranks', () => {
    const tree = node('p', 'prompter', 'q', null, [
      node('x', 'assistant', 'x', 0),
      node('y', 'assistant', 'y', 0),
    ]);
    expect(parseOasstTree(tree)).toEqual([]);
  });

  it('names the path of a bad field', () => {
    const bad = node('p', 'prompter', 'q', null, [
      node('x', 'assistant', 'x', 0, [node('z', 'bot', 'z', null)]),
    ]);
    expect(() => parseOasstTree({ message_tree_id: 'p', prompt: bad })).toThrow(
      'field "prompt.replies[0].replies[0].role" must be "prompter" or "assistant", got "bot"',
    );
    expect(() =>
      parseOasstTree(node('p', 'prompter', 'q', null, [node('x', 'assistant', 'x', -1)])),
    ).toThrow('field "tree.replies[0].rank" must be a whole number ≥ 0 or null, got -1');
    expect(() => parseOasstTree(node('a', 'assistant', 'q', null))).toThrow(
      'field "tree.role" must be "prompter" at the root of a tree',
    );
  });
});
