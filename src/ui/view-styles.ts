/**
 * The look shared by the data, train and compare views: system font, cards, light and dark
 * colours from prefers-color-scheme. The palette has the names and values of the shell's
 * theme (./styles.ts), set again here so a view also looks right on its own (in a test, or
 * mounted elsewhere); a rule on the view's tag from outside still overrides it.
 */
import { css } from 'lit';

export const viewStyles = css`
  :host {
    --tp-bg: #f6f7f9;
    --tp-surface: #ffffff;
    --tp-text: #1b1f24;
    --tp-muted: #5b6470;
    --tp-border: #d9dde3;
    --tp-accent: #2f6fde;
    --tp-accent-text: #ffffff;
    --tp-danger: #c23b3b;
    --tp-ok: #2e7d4f;
    --tp-warn: #a86400;
    display: block;
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
  @media (prefers-color-scheme: dark) {
    :host {
      --tp-bg: #15181c;
      --tp-surface: #1e2227;
      --tp-text: #e6e8eb;
      --tp-muted: #9aa3ad;
      --tp-border: #343a42;
      --tp-accent: #6c9cf0;
      --tp-accent-text: #0c1420;
      --tp-danger: #ef7b7b;
      --tp-ok: #6cc790;
      --tp-warn: #e0a84f;
    }
  }
  .card {
    background: var(--tp-surface);
    border: 1px solid var(--tp-border);
    border-radius: 10px;
    padding: 14px 16px;
    margin: 0 0 14px;
  }
  h2 {
    font-size: 16px;
    margin: 0 0 10px;
  }
  h3 {
    font-size: 14px;
    margin: 12px 0 6px;
  }
  .muted {
    color: var(--tp-muted);
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 8px 14px;
    align-items: center;
  }
  .grid {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(260px, 1fr));
    gap: 12px;
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
    border-radius: 6px;
    padding: 5px 12px;
    cursor: pointer;
  }
  button.secondary {
    background: transparent;
    color: var(--tp-text);
    border-color: var(--tp-border);
  }
  button.danger {
    background: transparent;
    color: var(--tp-danger);
    border-color: var(--tp-border);
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  button:focus-visible,
  select:focus-visible,
  input:focus-visible,
  textarea:focus-visible {
    outline: 2px solid var(--tp-accent);
    outline-offset: 1px;
  }
  select,
  input:not([type='checkbox']):not([type='file']),
  textarea {
    background: var(--tp-bg);
    border: 1px solid var(--tp-border);
    border-radius: 6px;
    padding: 4px 8px;
  }
  input[type='number'] {
    width: 7em;
  }
  label.field {
    display: inline-flex;
    flex-direction: column;
    gap: 2px;
    font-size: 12px;
    color: var(--tp-muted);
  }
  .badge {
    display: inline-block;
    font-size: 11px;
    padding: 0 6px;
    border-radius: 999px;
    border: 1px solid var(--tp-border);
    color: var(--tp-muted);
    white-space: nowrap;
  }
  .badge.synthetic {
    color: var(--tp-warn);
    border-color: var(--tp-warn);
  }
  .error {
    color: var(--tp-danger);
  }
  .notice {
    color: var(--tp-warn);
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  th,
  td {
    text-align: left;
    vertical-align: top;
    padding: 6px 8px;
    border-bottom: 1px solid var(--tp-border);
  }
  th {
    font-weight: 600;
    font-size: 12px;
    color: var(--tp-muted);
  }
  dl.counts {
    display: grid;
    grid-template-columns: max-content max-content;
    gap: 2px 16px;
    margin: 0;
  }
  dl.counts dd {
    margin: 0;
    font-variant-numeric: tabular-nums;
    text-align: right;
  }
  progress {
    width: 100%;
  }
  .pre {
    white-space: pre-wrap;
    word-break: break-word;
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
