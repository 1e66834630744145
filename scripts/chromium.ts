/**
 * How we launch Chromium for tests, the e2e check and the bench. The GPU flags were measured
 * in shared/MACHINE.md: they give a real WebGPU adapter (SwiftShader on Vulkan) without a
 * GPU; without the ANGLE flag, webgpu dataSync() silently reads zeros. On a machine with a
 * GPU, set CHROMIUM_GPU=1 to let Chromium pick the hardware adapter instead.
 */
import { existsSync } from 'node:fs';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const quiet = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--no-sandbox',
];

const software = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-angle=swiftshader',
];

const hardware = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--ignore-gpu-blocklist',
  '--use-angle=vulkan',
];

export const chromiumArgs = [...(process.env.CHROMIUM_GPU ? hardware : software), ...quiet];

export function assertChromium(): void {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium not found at ${chromiumPath}. On Debian: apt-get update && apt-get install -y chromium libvulkan1 ` +
        '(or set CHROMIUM_PATH).',
    );
  }
}
