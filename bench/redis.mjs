// A throwaway redis-server for the benches that need one (fanout, storm): a
// free port on 127.0.0.1, nothing written to disk, pinned to core 1 with the
// clients when TASKSET is on, killed when the bench exits.
import { spawn } from 'node:child_process'
import net from 'node:net'
import { TASKSET } from './proc.mjs'

function freePort () {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

export async function startRedis () {
  const port = await freePort()
  const argv = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  const cmd = TASKSET ? ['taskset', '-c', '1', 'redis-server', ...argv] : ['redis-server', ...argv]
  const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
  process.on('exit', () => { try { child.kill('SIGKILL') } catch {} })
  let out = ''
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out.slice(-500)}`)), 10000)
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out.slice(-500)}`)))
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.removeAllListeners('exit')
      child.once('exit', resolve)
      child.kill('SIGTERM')
    }),
  }
}
