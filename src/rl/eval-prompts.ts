/**
 * Fixed evaluation prompts: the compare view shows the reference model's response and a
 * checkpoint's response to each, side by side. Everyday requests of the kind the chat model
 * was pre-trained on; they are never used for training (the simulated rater's practice prompts
 * are built from other templates), so a change on them is not memorised.
 */
export const EVAL_PROMPTS: readonly string[] = Object.freeze([
  'What should I cook for dinner tonight?',
  'How can I sleep better?',
  'Can you suggest a weekend activity for a rainy day?',
  'How do I start learning to play the guitar?',
  'What is a good way to save money each month?',
  'How do I keep my houseplants alive?',
  'Can you help me plan a short morning workout?',
  'What should I pack for a weekend trip to the beach?',
]);
