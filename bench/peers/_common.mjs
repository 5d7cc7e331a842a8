// What every peer server shares: where to listen, the ready line, and the
// control channel bench/run.mjs uses to read heap figures.
//
// Contract of a peer server script (bench/peers/<name>.mjs):
//   - listens on 127.0.0.1, port from `--port N` or $PORT (0 = any free port);
//   - serves GET /counter and GET /table: a page holding a fresh session of
//     that view, plus whatever socket/POST endpoints its driver talks to;
//   - calls ready(name, origin) once listening, which prints
//     `READY <name> <origin>` on stdout;
//   - exits with EXIT_NOT_WIRED (78) if it cannot run yet: the runner then
//     skips that peer instead of failing the run.
import { parseArgs } from 'node:util'
import { writeHeapSnapshot } from 'node:v8'

export const EXIT_NOT_WIRED = 78
export const HOST = '127.0.0.1'

export function listenPort () {
  const { values } = parseArgs({ options: { port: { type: 'string' } }, strict: false })
  const port = Number(values.port ?? process.env.PORT ?? 0)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port ${values.port ?? process.env.PORT}`)
  return port
}

export function ready (name, origin) {
  installControl()
  // Exit normally on signals, so `node --cpu-prof` gets to write its profile.
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0))
  process.stdout.write(`READY ${name} ${origin}\n`)
}

// Memory after a full collection: the JS heap plus memory outside it that
// JS objects hold (Buffers, ArrayBuffers: `external`), so that a server
// keeping data in buffers is weighed with it. Two passes, since the first can
// leave objects that only become garbage once their weak references are
// cleared.
export function heapAfterGc () {
  if (typeof globalThis.gc !== 'function') return null
  globalThis.gc()
  globalThis.gc()
  const { heapUsed, external } = process.memoryUsage()
  return heapUsed + external
}

// The runner spawns peers with an IPC channel. Over it, it asks for
// { cmd: 'stats' } and gets heap (after GC), rss and cpuUsage back; that is
// only asked outside the timed window. bench/memory.mjs asks for
// { cmd: 'snapshot', file } (a heap snapshot after GC). { cmd: 'cpu' } (cpuUsage alone) is the
// fallback for reading CPU where the runner has no /proc.
// With no parent left (the runner died), the peer exits rather than linger.
function installControl () {
  if (typeof process.send !== 'function') return
  process.on('message', (msg) => {
    if (msg?.cmd === 'cpu') {
      process.send({ id: msg.id, cpu: process.cpuUsage() })
    } else if (msg?.cmd === 'snapshot' && typeof msg.file === 'string') {
      heapAfterGc()
      process.send({ id: msg.id, file: writeHeapSnapshot(msg.file) })
    } else if (msg?.cmd === 'stats') {
      const heapUsed = heapAfterGc()
      process.send({ id: msg.id, heapUsed, rss: process.memoryUsage().rss, cpu: process.cpuUsage() })
    }
  })
  process.on('disconnect', () => process.exit(0))
}
