// Two peers' server CPU per event, in alternating slices: `npm run bench:pair`.
//
//   node bench/pair.mjs [--view counter] [--c 100] [--a fastify-live] [--b raw]
//                       [--slices 16] [--slice-ms 500]
//
// `--b fastify-live@/other/checkout/dist` runs fastify-live from another
// build (a worktree of an older commit, built there): two builds side by side.
//
// The machines this runs on change speed by tens of percent within a minute,
// so two cells measured a few seconds apart (bench/run.mjs) can disagree by
// more than the difference being measured. Here both servers run at once,
// pinned to core 0, each with C sessions from this process (pinned to core
// 1), and the load moves from one to the other every half second: A, B, B,
// A, A, B, ... Each slice runs C closed loops against one server, then lets
// their events finish; that server's CPU over the slice ÷ the events it
// answered is one figure. Neighbouring slices of A and B ran within a
// second of each other, so their ratio is hardly touched by the drift; the
// median of those ratios is the result. The same pairs give a ratio of
// events per second (a slice's events ÷ its wall time, drain included);
// that one means throughput only while both servers are saturated.
import { execFileSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { enforceLoopback } from './loopback.mjs'
import { TASKSET, origin, peerServer, procCpuNs } from './proc.mjs'
import { nextEvent, VIEW_NAMES } from './views/views.mjs'

enforceLoopback()

const { values: args } = parseArgs({
  options: {
    view: { type: 'string', default: 'counter' },
    c: { type: 'string', default: '100' },
    a: { type: 'string', default: 'fastify-live' },
    b: { type: 'string', default: 'raw' },
    slices: { type: 'string', default: '16' },
    'slice-ms': { type: 'string', default: '500' },
  },
})
const view = args.view
const C = Number(args.c)
const SLICES = Number(args.slices)
const SLICE_MS = Number(args['slice-ms'])
if (!VIEW_NAMES.includes(view)) throw new Error(`unknown view ${view}`)
for (const [name, n] of [['--c', C], ['--slices', SLICES], ['--slice-ms', SLICE_MS]]) {
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`${name} must be a positive integer`)
}
if (procCpuNs(process.pid) === null) throw new Error('bench/pair.mjs reads server CPU from /proc, which this system does not have')
// This process is the load client: on core 1, away from the servers.
if (TASKSET) execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' })

async function start (spec) {
  const [peer, dist] = spec.split('@')
  const server = peerServer(peer, dist === undefined ? {} : { LIVE_DIST: path.resolve(dist, 'index.js') })
  const base = await origin(server)
  const driver = (await import(`./drivers/${peer}.mjs`)).default
  const sessions = []
  for (let i = 0; i < C; i += 50) {
    const batch = []
    for (let j = i; j < Math.min(C, i + 50); j++) batch.push(driver.open({ origin: base, view, index: j }).then((session) => ({ session, index: j, n: 0 })))
    sessions.push(...await Promise.all(batch))
  }
  return { peer, server, sessions }
}

// C closed loops for `ms`, then the events in flight finish. Returns the
// events answered, the server's CPU and the wall time over the whole slice.
async function slice (side, ms) {
  let events = 0
  let stop = false
  const cpu0 = procCpuNs(side.server.pid)
  const t0 = performance.now()
  const loop = async (s) => {
    while (!stop) {
      await s.session.event(nextEvent(view, s.index, s.n++))
      events++
    }
  }
  const loops = side.sessions.map(loop)
  await new Promise((resolve) => setTimeout(resolve, ms))
  stop = true
  await Promise.all(loops)
  return { events, cpuNs: procCpuNs(side.server.pid) - cpu0, ms: performance.now() - t0 }
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y)
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const sides = []
try {
  console.error(`pair: ${view}, C=${C}, ${args.a} and ${args.b}, ${SLICES} slices of ${SLICE_MS} ms each`)
  sides.push(await start(args.a), await start(args.b))
  const [A, B] = sides
  // Warm-up: a slice each, not counted.
  await slice(A, 1000)
  await slice(B, 1000)
  const ratios = []
  const rates = []
  const perEvent = { a: [], b: [] }
  for (let k = 0; k < SLICES; k++) {
    // A B, then B A: a drift that is steady over the pair cancels out.
    const order = k % 2 === 0 ? [A, B] : [B, A]
    const got = new Map()
    for (const side of order) got.set(side, await slice(side, SLICE_MS))
    const a = got.get(A).cpuNs / 1000 / got.get(A).events
    const b = got.get(B).cpuNs / 1000 / got.get(B).events
    perEvent.a.push(a)
    perEvent.b.push(b)
    ratios.push(a / b)
    rates.push((got.get(A).events / got.get(A).ms) / (got.get(B).events / got.get(B).ms))
  }
  const q = [...ratios].sort((x, y) => x - y)
  const line = `| ${view} | ${C} | ${args.a} | ${args.b} | ${median(perEvent.a).toFixed(1)} | ${median(perEvent.b).toFixed(1)} | **${median(ratios).toFixed(3)}** | ${q[Math.floor(q.length / 4)].toFixed(2)}–${q[Math.ceil(3 * q.length / 4) - 1].toFixed(2)} | ${median(rates).toFixed(2)} | ${SLICES} |`
  process.stdout.write([
    '| view | C | A | B | A CPU µs/event | B CPU µs/event | CPU/event A ÷ B (median of pairs) | middle half of pairs | events/s A ÷ B | pairs |',
    '| --- | ---: | --- | --- | ---: | ---: | ---: | --- | ---: | ---: |',
    line,
  ].join('\n') + '\n')
  console.error(`pair: per-pair ratios ${ratios.map((r) => r.toFixed(2)).join(' ')}`)
} finally {
  for (const side of sides) {
    await Promise.allSettled(side.sessions.map((s) => s.session.close()))
    await side.server.stop()
  }
}
