/**
 * <tp-progress-bar>: a labelled progress bar. The label is the element's own text (light
 * DOM), so it stays readable by tests and by screen readers as the bar's name.
 *
 * @slot - The label, e.g. "Downloading model.safetensors: 1.2 of 4.3 MB".
 * @csspart track - The grey track.
 * @csspart fill - The coloured fill.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { ifDefined } from 'lit/directives/if-defined.js';
import { base } from './styles';

@customElement('tp-progress-bar')
export class ProgressBar extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: block;
      }
      .track {
        height: 8px;
        border-radius: 999px;
        background: var(--tp-surface-2);
        overflow: hidden;
        border: 1px solid var(--tp-border);
      }
      .fill {
        height: 100%;
        background: var(--tp-accent);
        border-radius: 999px;
        transition: width 0.2s ease-out;
      }
      .indeterminate .fill {
        width: 30%;
        animation: slide 1.2s ease-in-out infinite;
      }
      @keyframes slide {
        from {
          transform: translateX(-100%);
        }
        to {
          transform: translateX(340%);
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .fill {
          transition: none;
        }
        .indeterminate .fill {
          animation: none;
          width: 100%;
          opacity: 0.4;
        }
      }
      .label {
        margin-top: 4px;
        font-size: 12px;
        color: var(--tp-muted);
      }
    `,
  ];

  /** Done fraction in [0, 1]; a negative value means unknown (an animated bar). */
  @property({ type: Number }) value = 0;

  override render() {
    const known = this.value >= 0;
    const pct = Math.round(Math.min(1, Math.max(0, this.value)) * 100);
    return html`
      <div
        class="track ${known ? '' : 'indeterminate'}"
        part="track"
        role="progressbar"
        aria-valuemin="0"
        aria-valuemax="100"
        aria-valuenow=${ifDefined(known ? pct : undefined)}
        aria-labelledby="label"
      >
        <div
          class="fill"
          part="fill"
          style=${ifDefined(known ? `width: ${pct}%` : undefined)}
        ></div>
      </div>
      <div class="label" id="label" aria-live="polite"><slot></slot></div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-progress-bar': ProgressBar;
  }
}
