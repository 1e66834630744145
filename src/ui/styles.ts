/**
 * The app shell's look: system font, cards, soft colours, dark mode from
 * prefers-color-scheme. Colours are custom properties with the same names as
 * ./view-styles.ts, so every view reads one palette; custom properties inherit through
 * shadow roots, so `theme` on <tp-app> reaches every element below it.
 */
import { css } from 'lit';

/** The palette, set once on <tp-app>'s host. */
export const theme = css`
  :host {
    --tp-bg: #f4f6fa;
    --tp-surface: #ffffff;
    --tp-surface-2: #eef2f8;
    --tp-text: #1b1f24;
    --tp-muted: #5b6470;
    --tp-border: #d9dde3;
    --tp-accent: #2f6fde;
    --tp-accent-soft: #e3ecfc;
    --tp-accent-text: #ffffff;
    --tp-danger: #c23b3b;
    --tp-danger-soft: #fbe7e7;
    --tp-ok: #2e7d4f;
    --tp-ok-soft: #e2f3e8;
    --tp-warn: #a86400;
    --tp-shadow: 0 1px 2px rgb(16 24 40 / 6%), 0 1px 3px rgb(16 24 40 / 8%);
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --tp-bg: #15181c;
      --tp-surface: #1e2227;
      --tp-surface-2: #262b32;
      --tp-text: #e6e8eb;
      --tp-muted: #9aa3ad;
      --tp-border: #343a42;
      --tp-accent: #6c9cf0;
      --tp-accent-soft: #23314a;
      --tp-accent-text: #0c1420;
      --tp-danger: #ef7b7b;
      --tp-danger-soft: #3b2226;
      --tp-ok: #6cc790;
      --tp-ok-soft: #1f3529;
      --tp-warn: #e0a84f;
      --tp-shadow: none;
    }
  }
`;

/** Resets and shared pieces (buttons, fields, cards, chips) for every shell element. */
export const base = css`
  :host {
    font-family:
      system-ui,
      -apple-system,
      'Segoe UI',
      Roboto,
      sans-serif;
    font-size: 14px;
    line-height: 1.45;
    color: var(--tp-text);
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  [hidden] {
    display: none !important;
  }
  button,
  select,
  input,
  textarea {
    font: inherit;
    color: inherit;
  }
  button {
    background: var(--tp-accent);
    color: var(--tp-accent-text);
    border: 1px solid transparent;
    border-radius: 8px;
    padding: 5px 12px;
    cursor: pointer;
  }
  button.secondary,
  button.ghost {
    background: var(--tp-surface);
    color: var(--tp-text);
    border-color: var(--tp-border);
  }
  button.ghost {
    background: transparent;
    border-color: transparent;
  }
  button.secondary:hover:not(:disabled),
  button.ghost:hover:not(:disabled) {
    background: var(--tp-surface-2);
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  :focus-visible {
    outline: 2px solid var(--tp-accent);
    outline-offset: 2px;
  }
  select,
  input:not([type='checkbox']):not([type='radio']),
  textarea {
    background: var(--tp-surface);
    border: 1px solid var(--tp-border);
    border-radius: 8px;
    padding: 5px 8px;
  }
  .card {
    background: var(--tp-surface);
    border: 1px solid var(--tp-border);
    border-radius: 12px;
    box-shadow: var(--tp-shadow);
    padding: 14px 16px;
  }
  .muted {
    color: var(--tp-muted);
  }
  .small {
    font-size: 12px;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: center;
  }
  .chip {
    background: var(--tp-surface);
    color: var(--tp-text);
    border: 1px solid var(--tp-border);
    border-radius: 999px;
    padding: 1px 10px;
    font-size: 12px;
  }
  .chip[aria-pressed='true'] {
    background: var(--tp-accent-soft);
    border-color: var(--tp-accent);
  }
  .error {
    color: var(--tp-danger);
  }
  kbd {
    font:
      11px ui-monospace,
      SFMono-Regular,
      Menlo,
      monospace;
    border: 1px solid var(--tp-border);
    border-bottom-width: 2px;
    border-radius: 4px;
    padding: 0 4px;
    background: var(--tp-surface-2);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;
