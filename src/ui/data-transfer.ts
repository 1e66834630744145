/**
 * <tp-data-transfer>: import a dataset file into the store, and export stored feedback as
 * JSONL for other tools.
 *
 * Import streams the file (plain or gzip) with a progress bar; a file with any bad line is
 * rejected whole and every bad line is listed with its number and reason. Export derives the
 * training data from a fresh read of the store and downloads it as a Blob.
 *
 * Writes go through the store, then `tp-data-changed` is emitted on window so that every view
 * refreshes.
 *
 * @fires tp-exported - a file was downloaded; detail {format, filename, records}.
 */
import { LitElement, css, html } from 'lit';
import { counted } from './format';
import { customElement, state } from 'lit/decorators.js';
import type { RejectedDataset } from '../io/formats/dataset';
import { FORMAT_NAMES } from '../io/formats/detect';
import { deleteImport, importFile, type ImportSummary } from '../store/import';
import { loadFeedbackData } from '../store/feedback';
import {
  EXPORT_FORMATS,
  EXPORT_LABELS,
  exportBlob,
  exportLines,
  type ExportFormat,
} from './data-export';
import { emit, services } from './services';
import { viewStyles } from './view-styles';

type ImportState =
  | { phase: 'idle' }
  | { phase: 'reading'; file: string; fraction: number | undefined; lines: number }
  | { phase: 'saving'; file: string; records: number; saved: number }
  | { phase: 'done'; file: string; format: string; summary: ImportSummary }
  | { phase: 'rejected'; file: string; result: RejectedDataset }
  | { phase: 'failed'; file: string; message: string };

@customElement('tp-data-transfer')
export class TpDataTransfer extends LitElement {
  static override styles = [
    viewStyles,
    css`
      .report {
        max-height: 260px;
        overflow: auto;
        margin: 6px 0 0;
        padding-left: 1.2em;
      }
      .report li {
        margin: 2px 0;
      }
      .rule {
        font-size: 13px;
      }
    `,
  ];

  @state() private importing: ImportState = { phase: 'idle' };
  @state() private includeSynthetic = true;
  @state() private exportMessage = '';
  @state() private exportError = '';

  override render() {
    return html`<section class="card" aria-labelledby="import-h">
        <h2 id="import-h">Import a dataset</h2>
        <p class="rule muted">
          Reads TRL (preference, unpaired, prompt-completion), HH-RLHF and OpenAssistant files, as
          .jsonl or .jsonl.gz.
          <strong>A file with any bad line is rejected whole: nothing of it is imported</strong>,
          and every bad line is listed below with its number and reason, so the file can be fixed in
          one pass.
        </p>
        <label class="field"
          >Dataset file
          <input
            type="file"
            data-testid="import"
            accept=".jsonl,.jsonl.gz,.json,.gz"
            ?disabled=${this.busy}
            @change=${this.handleImport}
        /></label>
        <div aria-live="polite" data-testid="import-status">${this.renderImportState()}</div>
      </section>
      <section class="card" aria-labelledby="export-h">
        <h2 id="export-h">Export</h2>
        <div class="row">
          <label class="field"
            >Download as JSONL
            <select data-testid="export" @change=${this.handleExport}>
              <option value="">Choose a format…</option>
              ${EXPORT_FORMATS.map((f) => html`<option value=${f}>${EXPORT_LABELS[f]}</option>`)}
            </select></label
          >
          <label
            ><input
              type="checkbox"
              .checked=${this.includeSynthetic}
              @change=${this.handleSyntheticToggle}
            />
            Include the simulated rater's judgments</label
          >
        </div>
        <p aria-live="polite" data-testid="export-status">
          ${
            this.exportError
              ? html`<span class="error">${this.exportError}</span>`
              : this.exportMessage
          }
        </p>
      </section>`;
  }

  private get busy() {
    return this.importing.phase === 'reading' || this.importing.phase === 'saving';
  }

  private renderImportState() {
    const s = this.importing;
    switch (s.phase) {
      case 'idle':
        return null;
      case 'reading':
        return html`<p>Reading ${s.file}: line ${s.lines}…</p>
          ${
            s.fraction === undefined
              ? html`<progress aria-label="import progress"></progress>`
              : html`<progress
                  aria-label="import progress"
                  max="1"
                  .value=${s.fraction}
                ></progress>`
          }`;
      case 'saving':
        return html`<p>Saving ${s.saved} of ${s.records} records…</p>
          <progress aria-label="import progress" .value=${s.saved / s.records}></progress>`;
      case 'done':
        return html`<p>
          Imported ${s.file} (${s.format}): ${counted(s.summary.prompts, 'prompt')},
          ${counted(s.summary.samples, 'response')}, ${counted(s.summary.feedback, 'judgment')}.
          <button class="secondary" @click=${this.handleUndoImport}>Undo this import</button>
        </p>`;
      case 'failed':
        return html`<p class="error">
          Import of ${s.file} failed, nothing was imported: ${s.message}
        </p>`;
      case 'rejected':
        return this.renderRejection(s.file, s.result);
    }
  }

  private renderRejection(file: string, r: RejectedDataset) {
    const format = r.format ? ` as ${FORMAT_NAMES[r.format]}` : '';
    if (r.fatal) {
      return html`<p class="error" data-testid="import-errors">
        Nothing was imported from ${file}: ${r.fatal}
      </p>`;
    }
    const more = r.errorCount - r.errors.length;
    return html`<div class="error" data-testid="import-errors">
      <p>
        Nothing was imported from ${file}: ${r.errorCount} ${r.errorCount === 1 ? 'line' : 'lines'}
        could not be read${format}.
      </p>
      <ol class="report" aria-label="bad lines">
        ${r.errors.map((e) => html`<li value=${e.line}>line ${e.line}: ${e.reason}</li>`)}
      </ol>
      ${more > 0 ? html`<p>… and ${more} more bad lines.</p>` : null}
    </div>`;
  }

  private async handleImport(e: Event) {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    // Cleared so that choosing the same file again (after fixing it) fires change again.
    input.value = '';
    if (!file) return;
    const name = file.name;
    this.importing = { phase: 'reading', file: name, fraction: 0, lines: 0 };
    try {
      // Checked whole first, then stored in batches (src/store/import.ts): bounded memory.
      const result = await importFile(services().store, file, {
        onProgress: (p) => {
          this.importing = { phase: 'reading', file: name, fraction: p.fraction, lines: p.lines };
        },
        onSaved: (saved, total) => {
          this.importing = { phase: 'saving', file: name, records: total, saved };
        },
      });
      if (!result.ok) {
        this.importing = { phase: 'rejected', file: name, result };
        return;
      }
      const { summary } = result;
      this.importing = { phase: 'done', file: name, format: FORMAT_NAMES[result.format], summary };
      emit('tp-data-changed', { reason: 'import' });
    } catch (err) {
      this.importing = { phase: 'failed', file: name, message: messageOf(err) };
    }
  }

  private async handleUndoImport() {
    const s = this.importing;
    if (s.phase !== 'done') return;
    try {
      const removed = await deleteImport(services().store, s.summary.importId);
      this.importing = { phase: 'idle' };
      this.exportMessage = `Removed the ${removed} prompts imported from ${s.file}.`;
      emit('tp-data-changed', { reason: 'undo import' });
    } catch (err) {
      this.importing = { phase: 'failed', file: s.file, message: messageOf(err) };
    }
  }

  private handleSyntheticToggle(e: Event) {
    this.includeSynthetic = (e.target as HTMLInputElement).checked;
  }

  private async handleExport(e: Event) {
    const select = e.target as HTMLSelectElement;
    const format = select.value as ExportFormat | '';
    // Back to the prompt, so that choosing the same format again downloads again.
    select.value = '';
    if (!format) return;
    this.exportError = '';
    this.exportMessage = 'Preparing the file…';
    try {
      const data = await loadFeedbackData(services().store);
      const file = exportLines(data, format, { includeSynthetic: this.includeSynthetic });
      download(exportBlob(file), file.filename);
      this.exportMessage = `Downloaded ${file.filename}: ${file.records} records.`;
      this.dispatchEvent(
        new CustomEvent('tp-exported', {
          detail: { format, filename: file.filename, records: file.records },
          bubbles: true,
          composed: true,
        }),
      );
    } catch (err) {
      this.exportMessage = '';
      this.exportError = messageOf(err);
    }
  }
}

function download(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  // The click has started the download by the next task; the URL is then no longer needed.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface DataTransferEventMap {
  /** A file was downloaded. */
  'tp-exported': CustomEvent<{ format: ExportFormat; filename: string; records: number }>;
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-data-transfer': TpDataTransfer;
  }
}
