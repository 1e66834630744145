/**
 * Boot: open the store, ask the browser to keep our data, start the engine worker, and
 * mount <tp-app>. The page itself never runs the model; the worker does.
 *
 * URL parameters: `?backend=wasm|webgpu|webgl|cpu` forces a backend (default: automatic).
 */
import { openStore } from './store/db';
import { requestPersistence } from './store/persistence';
import './ui/app';
import { parseBackendParam } from './ui/backend-panel';
import { setServices } from './ui/services';
import { EngineClient } from './worker/client';

function showBootError(message: string) {
  document.getElementById('boot')?.remove();
  const box = document.createElement('pre');
  box.className = 'boot-error';
  box.setAttribute('role', 'alert');
  box.textContent = message;
  document.body.append(box);
}

async function boot() {
  const notices: string[] = [];
  const { backend, warning } = parseBackendParam(
    new URLSearchParams(location.search).get('backend'),
  );
  if (warning) notices.push(warning);

  const app = document.createElement('tp-app');
  const store = await openStore(undefined, {
    onVersionChange: (change) => (app.notice = change.message),
    onBlocked: () =>
      (app.notice =
        'Another Thumbprint tab is using an older version of the stored data: close it.'),
  });
  // Without persistence a browser may evict our data under storage pressure; a refusal
  // only means the data is "best effort", which the Data view can say.
  void requestPersistence();

  const modelUrl = new URL('models/thumbprint-tiny/', document.baseURI).href;
  setServices({ engine: new EngineClient(), store, modelUrl });

  app.backendPreference = backend;
  app.notice = notices.join(' ');
  document.getElementById('boot')?.remove();
  document.body.append(app);
}

boot().catch((err: unknown) => {
  const detail = err instanceof Error ? err.message : String(err);
  showBootError(`Thumbprint could not start: ${detail}`);
});
