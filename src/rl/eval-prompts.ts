/**
 * Fixed evaluation prompts: the compare view shows the reference model's response and a
 * checkpoint's response to each, side by side. Everyday requests of the kind the embedded
 * model was pre-trained on, but held out: the corpus generator (scripts/corpus.ts) redraws a
 * prompt that equals one of these, and the simulated rater's practice prompts come from other
 * templates, so a change on them is not memorised.
 */
export const EVAL_PROMPTS: readonly string[] = Object.freeze([
  'What should I cook for dinner tonight?',
  'How can I sleep better when I am worried?',
  'Can you help me plan a weekend trip?',
  'Tell me something fun about space.',
  'How often do I water a small cactus?',
  'What is a good name for a puppy?',
  'How do I stay calm before a big exam?',
  'Any tips for running in the rain?',
  'Write a short birthday message for my sister.',
  'How do I fix a flat tire on a bike?',
  'What book should I read next?',
  'How do I start learning Python?',
  'Is it okay to drink coffee at night?',
  'How can I save money on food?',
  'What is a fun thing to do on a rainy day?',
  'Hi! How is your day going?',
]);
