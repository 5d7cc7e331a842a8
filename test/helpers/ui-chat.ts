import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'

// Readers of the demo's chat page (examples/templates/chat.njk) and a second
// demo process, for the chat-*.test.ts files.

interface Tap { teardown (fn: () => unknown): void }

/** The messages a page shows, as "from text". */
export async function messages (page: Page): Promise<string[]> {
  return await page.$$eval('#messages li:not(.empty)', (lis) => lis.map((li) => li.textContent!.replace(/\s+/g, ' ').trim()))
}

/** The who's-online list a page shows, e.g. ["Ann ×2 (you)", "Bob"]. */
export async function online (page: Page): Promise<string[]> {
  return await page.$$eval('#online li:not(.empty)', (lis) => lis.map((li) => li.textContent!.replace(/\s+/g, ' ').trim()))
}

/** Waits until the page shows the message `line` ("from text"). */
export async function waitMessage (page: Page, line: string): Promise<void> {
  await page.waitForFunction((line) => Array.from(document.querySelectorAll('#messages li'))
    .some((li) => li.textContent!.replace(/\s+/g, ' ').trim() === line), line)
}

/** Waits until the who's-online list is exactly `names` (as `online()` reads it). */
export async function waitOnline (page: Page, names: string[], timeout?: number): Promise<void> {
  await page.waitForFunction((names) => JSON.stringify(Array.from(document.querySelectorAll('#online li:not(.empty)'))
    .map((li) => li.textContent!.replace(/\s+/g, ' ').trim())) === names, JSON.stringify(names), { timeout })
}

/** Types `text` in the message box and sends it with Enter. */
export async function say (page: Page, text: string): Promise<void> {
  await page.fill('#say-text', text)
  await page.press('#say-text', 'Enter')
}

export interface DemoProcess {
  url: string
  /** Sends `signal` and waits for the process to exit. */
  kill (signal: NodeJS.Signals): Promise<void>
}

/**
 * The demo app in a Node process of its own (test/fixtures/chat-server.ts),
 * on a free port of 127.0.0.1, with `env` (REDIS_URL, LIVE_SECRET). Killed
 * with the test.
 */
export async function spawnDemo (t: Tap, env: Record<string, string>): Promise<DemoProcess> {
  const script = fileURLToPath(new URL('../fixtures/chat-server.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    await exited
  }
  t.teardown(() => kill('SIGKILL'))
  const lines = createInterface({ input: child.stdout! })
  const port = await new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      const ready = /^READY (\d+)$/.exec(line)
      if (ready !== null) resolve(Number(ready[1]))
    })
    void exited.then(() => reject(new Error(`the demo process exited (${child.exitCode ?? child.signalCode}) before it was ready`)))
  })
  return { url: `http://127.0.0.1:${port}`, kill }
}
