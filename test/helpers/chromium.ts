import { chromium, type Browser } from 'playwright-core'
import { existsSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// One Chromium for a whole `npm test`: tap's `before` script starts it
// (chromium-before.ts), every browser test file connects to it, and tap's
// `after` script stops it (chromium-after.ts). Launching a Chromium per file
// cost ~1 s of CPU each on this 2-core machine and kept two of them in
// memory; a test file run alone (no `before`) launches its own.

export const CHROMIUM = process.env.LIVE_CHROMIUM ?? '/usr/bin/chromium'
export const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
]

/** What the holder process writes once its Chromium listens. */
export interface SharedChromium { wsEndpoint: string, pid: number }

/**
 * Where the shared Chromium of one tap run is announced: keyed by the tap
 * runner's pid (the parent of the `before` script and of every test file),
 * so runs in other worktrees on the same machine never meet.
 */
export function sharedChromiumFile (runnerPid = process.ppid): string {
  return join(tmpdir(), `fastify-live-chromium-${runnerPid}.json`)
}

export function readSharedChromium (file = sharedChromiumFile()): SharedChromium | undefined {
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SharedChromium
  } catch {
    return undefined // half-written or stale: the caller launches its own
  }
}

/** The run's shared Chromium if there is one, else a Chromium of this process's own. */
export async function connectOrLaunch (): Promise<Browser> {
  const shared = readSharedChromium()
  if (shared !== undefined) {
    try {
      return await chromium.connect(shared.wsEndpoint, { timeout: 10_000 })
    } catch {
      // gone (a crashed run left its file): fall through
    }
  }
  return await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
}
