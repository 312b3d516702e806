/**
 * Starting one of the adapter's own TypeScript helper programs (capture, send probe) inside a sandbox namespace:
 * `ip netns exec NS node HELPER …`. `ip netns exec` execs the program, so the child's PID is the helper's own,
 * and the helper dies with its namespace (the cleanup kills every process inside).
 *
 * The helper runs as one ES module bundled by esbuild (tsx's own compiler) under /run/twinnet/helpers, built once
 * per content: node starts it in about 0.15 s where loading it through tsx takes 0.5 s, and a capture's start
 * delays every command after it. Without esbuild it runs through tsx's loader as it is.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RUN_DIR } from './run-record.ts';

const require = createRequire(import.meta.url);

/** The file URL of tsx's loader, which lets node run the .ts helpers as they are. */
export function tsxLoaderUrl(): string {
  return pathToFileURL(require.resolve('tsx')).href;
}

/** Where bundled helpers are kept (root's, like the run records). */
const HELPERS_DIR = join(RUN_DIR, 'helpers');

interface Esbuild {
  buildSync(options: Record<string, unknown>): { outputFiles?: { text: string }[] };
}

const bundles = new Map<string, string | undefined>();

/**
 * The helper `file` bundled into one ES module (its own `import.meta.url` kept, so that `createRequire` still finds
 * the native modules from the source tree), or undefined when esbuild cannot be loaded or fails.
 */
export function bundledHelper(file: string): string | undefined {
  if (bundles.has(file)) return bundles.get(file);
  let out: string | undefined;
  try {
    const esbuild = require('esbuild') as Esbuild;
    const built = esbuild.buildSync({
      entryPoints: [file],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      define: { 'import.meta.url': JSON.stringify(pathToFileURL(file).href) },
      logLevel: 'silent',
    });
    const text = built.outputFiles?.[0]?.text;
    if (text !== undefined) {
      const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
      out = join(HELPERS_DIR, `${basename(file, '.ts')}-${hash}.mjs`);
      if (!existsSync(out)) {
        mkdirSync(HELPERS_DIR, { recursive: true, mode: 0o755 });
        const tmp = `${out}.${process.pid}.tmp`;
        writeFileSync(tmp, text, { mode: 0o644 });
        renameSync(tmp, out);
      }
    }
  } catch {
    out = undefined;
  }
  bundles.set(file, out);
  return out;
}

/** The argv that runs helper `file` (an absolute path) with `args` inside sandbox namespace `ns`. */
export function helperArgv(ns: string, file: string, args: readonly string[]): string[] {
  const bundle = bundledHelper(file);
  const program = bundle !== undefined ? [bundle] : ['--import', tsxLoaderUrl(), file];
  return ['ip', 'netns', 'exec', ns, process.execPath, ...program, ...args];
}
