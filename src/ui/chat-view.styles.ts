/** The styles of <tp-chat-view>, kept apart so the element reads as behaviour. */
import { css } from 'lit';
import { base } from './styles';

export const chatStyles = [
  base,
  css`
    :host {
      display: flex;
      flex-direction: column;
      gap: 12px;
      position: relative;
    }
    .toolbar {
      display: flex;
      flex-wrap: wrap;
      gap: 8px;
      align-items: center;
    }
    .spacer {
      flex: 1;
    }
    .log {
      display: flex;
      flex-direction: column;
      gap: 22px;
      min-height: 40vh;
      outline: none;
    }
    .turn {
      display: flex;
      flex-direction: column;
      gap: 10px;
      scroll-margin-bottom: 120px;
    }
    .prompt {
      display: flex;
      justify-content: flex-end;
    }
    .bubble {
      max-width: min(70ch, 85%);
      padding: 9px 14px;
      border-radius: 16px 16px 4px 16px;
      background: var(--tp-accent);
      color: var(--tp-accent-text);
      white-space: pre-wrap;
      word-break: break-word;
      font-size: 15px;
    }
    .empty {
      margin: auto;
      max-width: 62ch;
      text-align: center;
      padding: 24px 12px;
    }
    .empty h2 {
      margin: 0 0 6px;
      font-size: 20px;
    }
    .empty .row {
      justify-content: center;
    }
    .alert {
      display: flex;
      gap: 10px;
      align-items: center;
      padding: 8px 12px;
      border-radius: 10px;
      background: var(--tp-danger-soft);
      color: var(--tp-danger);
    }
    .composer {
      position: sticky;
      bottom: 0;
      display: flex;
      gap: 8px;
      align-items: flex-end;
      padding: 10px;
      margin: 0 -10px;
      border-radius: 14px;
      background: color-mix(in srgb, var(--tp-bg) 88%, transparent);
      backdrop-filter: blur(6px);
    }
    .composer textarea {
      flex: 1;
      resize: vertical;
      min-height: 46px;
      max-height: 40vh;
      padding: 10px 12px;
      border-radius: 12px;
      font-size: 15px;
      box-shadow: var(--tp-shadow);
    }
    .composer button {
      height: 46px;
      min-width: 84px;
      border-radius: 12px;
      font-weight: 600;
    }
    .composer .stop {
      background: var(--tp-danger);
    }
    .help {
      /* Fixed above the composer: visible however far the chat is scrolled. */
      position: fixed;
      right: clamp(12px, 3vw, 32px);
      bottom: 96px;
      z-index: 10;
      width: min(420px, 100%);
      box-shadow: 0 10px 30px rgb(0 0 0 / 18%);
    }
    .help-head {
      display: flex;
      align-items: center;
      justify-content: space-between;
    }
    .help p {
      margin: 2px 0 0;
    }
    .help dl {
      display: grid;
      grid-template-columns: max-content 1fr;
      gap: 6px 14px;
      margin: 10px 0 0;
    }
    .help dd {
      margin: 0;
    }
    .toast {
      position: fixed;
      left: 50%;
      bottom: 120px;
      transform: translateX(-50%);
      z-index: 20;
      display: flex;
      gap: 8px;
      align-items: center;
      max-width: min(90vw, 70ch);
      padding: 8px 14px;
      border-radius: 999px;
      background: var(--tp-text);
      color: var(--tp-bg);
      box-shadow: 0 6px 20px rgb(0 0 0 / 20%);
      font-size: 13px;
    }
    .toast.error {
      border-radius: 12px;
      background: var(--tp-danger);
      color: #fff;
    }
    .toast button {
      color: inherit;
      padding: 0 4px;
    }
  `,
];
