/**
 * Starting one of the adapter's own TypeScript helper programs (capture, send probe) inside a sandbox namespace:
 * `ip netns exec NS node --import <tsx loader> helper.ts …`. `ip netns exec` execs the program, so the child's
 * PID is the helper's own, and the helper dies with its namespace (the cleanup kills every process inside).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** The file URL of tsx's loader, which lets node run the .ts helpers as they are. */
export function tsxLoaderUrl(): string {
  return pathToFileURL(require.resolve('tsx')).href;
}

/** The argv that runs helper `file` (an absolute path) with `args` inside sandbox namespace `ns`. */
export function helperArgv(ns: string, file: string, args: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, process.execPath, '--import', tsxLoaderUrl(), file, ...args];
}
