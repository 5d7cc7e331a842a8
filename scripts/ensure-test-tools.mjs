// The tests need Debian's Chromium (browser tests) and redis-server (Redis
// tests start their own). Install what is missing when running as root (CI,
// fresh machines); otherwise fail naming the command to run.
import { existsSync } from 'node:fs'
import { execSync } from 'node:child_process'

const CHROMIUM = process.env.LIVE_CHROMIUM ?? '/usr/bin/chromium'
const missing = []
if (!existsSync(CHROMIUM)) missing.push('chromium')
try {
  execSync('command -v redis-server', { stdio: 'ignore', shell: '/bin/sh' })
} catch {
  missing.push('redis-server')
}
if (missing.length > 0) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0
  const install = `apt-get update && apt-get install -y ${missing.join(' ')}`
  if (!root) {
    console.error(`fastify-live tests need ${missing.join(' and ')}. Install with:\n  sudo ${install.replace('&& apt-get', '&& sudo apt-get')}\n(or set LIVE_CHROMIUM to another Chromium binary)`)
    process.exit(1)
  }
  console.log(`Installing what the tests need: ${install}`)
  execSync(`${install.replace('apt-get install', 'DEBIAN_FRONTEND=noninteractive apt-get install')}`, { stdio: 'inherit', shell: '/bin/sh' })
}
