import { chromium } from 'playwright-core'
import { renameSync, rmSync, writeFileSync } from 'node:fs'

// Started detached by chromium-before.ts: keeps the run's shared Chromium
// (a Playwright browser server) alive until chromium-after.ts sends SIGTERM,
// or until the tap runner that started it is gone (a run killed midway must
// not leave a Chromium behind). Plain JavaScript, so it runs without tap's
// loaders (which would also record it for coverage).
// Arguments: runner pid, announcement file, JSON { executablePath, args }.

const runnerPid = Number(process.argv[2])
const file = process.argv[3]
const { executablePath, args } = JSON.parse(process.argv[4])
const server = await chromium.launchServer({
  executablePath, args, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
})

let stopping = false
async function stop () {
  if (stopping) return
  stopping = true
  clearInterval(watch)
  rmSync(file, { force: true })
  await server.close()
  process.exit(0)
}

function alive (pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
const watch = setInterval(() => { if (!alive(runnerPid)) void stop() }, 1000)
process.on('SIGTERM', () => { void stop() })
process.on('SIGINT', () => { void stop() })
// Written whole, then renamed: a reader never sees half of it.
writeFileSync(`${file}.tmp`, JSON.stringify({ wsEndpoint: server.wsEndpoint(), pid: process.pid }))
renameSync(`${file}.tmp`, file)
