/**
 * The chat format of the embedded default model, in the Hugging Face `chat_template`
 * convention (Jinja). Imported models bring their own in tokenizer_config.json.
 */
export const SPECIAL_TOKENS = [
  '<|endoftext|>',
  '<|pad|>',
  '<|user|>',
  '<|assistant|>',
  '<|system|>',
];

export const CHAT_TEMPLATE =
  '{% for message in messages %}' +
  "{% if message['role'] == 'system' %}{{ '<|system|>' + message['content'] + '\\n' }}" +
  "{% elif message['role'] == 'user' %}{{ '<|user|>' + message['content'] + '\\n' }}" +
  "{% elif message['role'] == 'assistant' %}{{ '<|assistant|>' + message['content'] + eos_token }}" +
  '{% endif %}{% endfor %}' +
  "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}";
