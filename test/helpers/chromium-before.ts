import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ARGS, CHROMIUM, readSharedChromium, sharedChromiumFile } from './chromium.js'

// tap's `before` script: start the run's shared Chromium in a detached
// holder process and return once it is announced (see chromium.ts).

const file = sharedChromiumFile()
const holder = spawn(process.execPath, [fileURLToPath(new URL('chromium-holder.mjs', import.meta.url)), String(process.ppid), file, JSON.stringify({ executablePath: CHROMIUM, args: ARGS })], {
  detached: true, stdio: 'ignore',
})
holder.unref()

const LIMIT_MS = 30_000
const start = Date.now()
while (readSharedChromium(file) === undefined) {
  if (holder.exitCode !== null) throw new Error(`the shared Chromium's holder exited with code ${holder.exitCode} before announcing itself (is Chromium at ${CHROMIUM}?)`)
  if (Date.now() - start > LIMIT_MS) throw new Error(`the shared Chromium did not start within ${LIMIT_MS} ms`)
  await new Promise((resolve) => setTimeout(resolve, 50))
}
