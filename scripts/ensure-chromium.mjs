// Browser tests need Debian's Chromium. Install it when missing and running
// as root (CI, fresh machines); otherwise fail naming the command to run.
import { existsSync } from 'node:fs'
import { execSync } from 'node:child_process'

const CHROMIUM = process.env.LIVE_CHROMIUM ?? '/usr/bin/chromium'
if (!existsSync(CHROMIUM)) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0
  if (!root) {
    console.error(`fastify-live tests need Chromium at ${CHROMIUM}. Install it with:\n  sudo apt-get update && sudo apt-get install -y chromium\n(or set LIVE_CHROMIUM to another Chromium binary)`)
    process.exit(1)
  }
  console.log('Installing Chromium for the browser tests: apt-get update && apt-get install -y chromium')
  execSync('apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium', { stdio: 'inherit' })
}
