import { readSharedChromium, sharedChromiumFile } from './chromium.js'

// tap's `after` script: stop the run's shared Chromium and wait until its
// holder has closed it.

const file = sharedChromiumFile()
const shared = readSharedChromium(file)
if (shared !== undefined) {
  const gone = (): boolean => {
    try {
      process.kill(shared.pid, 0)
      return false
    } catch {
      return true
    }
  }
  process.kill(shared.pid, 'SIGTERM')
  const LIMIT_MS = 15_000
  const start = Date.now()
  while (!gone()) {
    if (Date.now() - start > LIMIT_MS) {
      process.kill(shared.pid, 'SIGKILL')
      throw new Error(`the shared Chromium's holder (pid ${shared.pid}) did not stop within ${LIMIT_MS} ms; killed it`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
