// `npm run bench:fanout`: one publish to many subscribed sessions, side by
// side with the raw floor and LiveViewJS, in one run.
//
// For each view, every peer's server runs at once (pinned to core 0), each
// with its N sessions joined from load-client processes (bench/fanout/
// client.mjs, at most 5,000 sockets each, pinned to core 1). A publish is
// triggered inside a server over IPC; the server reads the monotonic clock
// just before publishing, each client the clock when the last of its sessions
// got its frame; the difference is the time to the last frame. Server CPU
// (every thread, /proc/<pid>/task/*/schedstat) from just before the trigger
// until the last frame arrived (and 50 ms more, for work after the writes),
// ÷ N, is the CPU per delivered patch. Peers publish in turn, in a rotated
// order each round, so the machine's drift touches a round's ratios little;
// the figures are medians over the rounds, the ratios medians of each
// round's ratio. The first publishes (FANOUT_WARMUP) are not counted: they
// cost 2-3x while V8 optimizes.
//
// Peers (bench/fanout/*.mjs):
//   raw                 Fastify + ws: render once, one framed buffer written to every socket (the floor)
//   liveviewjs          LiveViewJS 0.8.1's own pub/sub (SingleProcessPubSub)
//   fastify-live        this library, app.live.publish, one process
//   fastify-live-pure   the same with `static pureHandleInfo = true` on the
//                       views: a broadcast skips comparing the states of
//                       views known alike (docs/pubsub.md)
//   fastify-live-redis  two fastify-live processes sharing a redis-server the
//                       bench starts on a free port; N/2 sessions on each,
//                       published from the first; both on core 0, so the
//                       servers have the same one core as one process has
//
// Environment:
//   FANOUT_QUICK=1            N 1000 / 200, 3 warm-up publishes, 5 rounds
//   FANOUT_N=10000            subscribers of the counter view
//   FANOUT_TABLE_N=1000       subscribers of the 100-row table view
//   FANOUT_VIEWS=counter,table
//   FANOUT_PEERS=raw,liveviewjs,fastify-live,fastify-live-pure,fastify-live-redis  (counter)
//   FANOUT_TABLE_PEERS=raw,liveviewjs,fastify-live,fastify-live-pure
//   FANOUT_WARMUP=5           publishes per peer before measuring
//   FANOUT_ROUNDS=9           measured publishes per peer
//   FANOUT_PROF=dir           run fastify-live servers with --cpu-prof into dir
//   FANOUT_OUT=path           JSON (default bench/results/fanout.json)
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { enforceLoopback } from './loopback.mjs'
import { startRedis } from './redis.mjs'
import { Proc, TASKSET, procCpuNs } from './proc.mjs'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const env = process.env
const QUICK = env.FANOUT_QUICK === '1'
const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean)
const N = { counter: Number(env.FANOUT_N ?? (QUICK ? 1000 : 10000)), table: Number(env.FANOUT_TABLE_N ?? (QUICK ? 200 : 1000)) }
const VIEWS = list(env.FANOUT_VIEWS ?? 'counter,table')
const PEERS = {
  counter: list(env.FANOUT_PEERS ?? 'raw,liveviewjs,fastify-live,fastify-live-pure,fastify-live-redis'),
  table: list(env.FANOUT_TABLE_PEERS ?? 'raw,liveviewjs,fastify-live,fastify-live-pure'),
}
const WARMUP = Number(env.FANOUT_WARMUP ?? (QUICK ? 3 : 5))
const ROUNDS = Number(env.FANOUT_ROUNDS ?? (QUICK ? 5 : 9))
const PROF = env.FANOUT_PROF ?? null
const OUT = env.FANOUT_OUT ?? path.join(BENCH_DIR, 'results', 'fanout.json')
const PER_CLIENT = 5000
const TARGETS = { floor: 1.25, redis: 1.5 }

// --- open-file limit --------------------------------------------------------

// A server holds a descriptor per socket; below the need, raise the soft
// limit to the hard one by running this script again under `ulimit -n`.
function fileLimits () {
  try {
    const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'))
    const n = (s) => (s === 'unlimited' ? Infinity : Number(s))
    return m ? { soft: n(m[1]), hard: n(m[2]) } : null
  } catch {
    return null
  }
}
const need = Math.max(...VIEWS.map((v) => N[v])) + 1024
const limits = fileLimits()
if (limits !== null && limits.soft < need) {
  if (limits.hard < need || env.FANOUT_RAISED === '1') {
    console.error(`fanout: needs ${need} open files per process; the limit is ${limits.soft} (hard ${limits.hard}). Lower FANOUT_N or raise the hard limit.`)
    process.exit(1)
  }
  const hard = limits.hard === Infinity ? 'unlimited' : String(limits.hard)
  const child = spawn('sh', ['-c', `ulimit -n ${hard} && exec "$0" "$@"`, process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...env, FANOUT_RAISED: '1' } })
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
  await new Promise(() => {})
}

enforceLoopback()

// --- redis-server -------------------------------------------------------------


// --- peers --------------------------------------------------------------------

async function startServer (script, label, extraEnv = {}) {
  const flags = ['--expose-gc']
  if (PROF && script === 'fastify-live') {
    mkdirSync(PROF, { recursive: true })
    flags.push('--cpu-prof', `--cpu-prof-dir=${PROF}`)
  }
  const server = new Proc(label, 0, [...flags, path.join(BENCH_DIR, 'fanout', `${script}.mjs`), '--port', '0'], { PORT: '0', NODE_ENV: 'production', ...extraEnv })
  server.origin = (await server.line(/^READY \S+ (http:\/\/\S+)$/, 60000))[1]
  return server
}

// Sessions of `count` on `server`, in clients of at most PER_CLIENT sockets.
function startClients (kind, view, server, count, label) {
  const clients = []
  for (let i = 0; i < count; i += PER_CLIENT) {
    const n = Math.min(PER_CLIENT, count - i)
    const client = new Proc(`${label} client ${clients.length + 1}`, 1, [path.join(BENCH_DIR, 'fanout', 'client.mjs'),
      '--kind', kind, '--view', view, '--origin', server.origin, '--count', String(n)])
    client.n = n
    clients.push(client)
  }
  return clients
}

async function startPeer (name, view, redis) {
  const n = N[view]
  const peer = { name, n, servers: [], clients: [], rounds: [], closed: 0, redisPid: null }
  if (name === 'fastify-live-redis') {
    peer.redisPid = redis.pid
    const half = Math.floor(n / 2)
    for (const [i, count] of [[0, n - half], [1, half]]) {
      const server = await startServer('fastify-live', `${name} ${i + 1}`, { FANOUT_REDIS: redis.url })
      peer.servers.push(server)
      peer.clients.push(...startClients('fastify-live', view, server, count, `${name} ${i + 1}`))
    }
  } else if (name === 'fastify-live-pure') {
    const server = await startServer('fastify-live', name, { FANOUT_PURE: '1' })
    peer.servers.push(server)
    peer.clients.push(...startClients('fastify-live', view, server, n, name))
  } else {
    const server = await startServer(name, name)
    peer.servers.push(server)
    peer.clients.push(...startClients(name, view, server, n, name))
  }
  return peer
}

async function connected (peer) {
  const t0 = Date.now()
  for (const client of peer.clients) {
    const { n } = await client.expect('connected', 60000 + client.n * 100)
    if (n !== client.n) throw new Error(`${client.label}: ${n} of ${client.n} sessions joined`)
  }
  console.error(`fanout: ${peer.name}: ${peer.n} sessions joined (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
}

const cpuOf = (pids) => pids.reduce((sum, pid) => sum + procCpuNs(pid), 0)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
let seq = 0

// One publish: from the server's clock before publishing to the last frame
// of every client; server CPU over the same span (+ 50 ms).
async function publish (peer, view, k) {
  const message = view === 'counter' ? { n: k } : { id: (k % 100) + 1 }
  const pids = peer.servers.map((s) => s.pid)
  const cpu0 = cpuOf(pids)
  const redis0 = peer.redisPid === null ? 0 : procCpuNs(peer.redisPid)
  const gots = Promise.all(peer.clients.map((c) => c.message((m) => m?.type === 'got' && m.round === k, `frames of publish ${k}`, 60000)))
  const id = ++seq
  peer.servers[0].send({ cmd: 'publish', id, view, message })
  const answer = await peer.servers[0].message((m) => m?.id === id, 'publish answer', 60000)
  if (answer.error) throw new Error(`${peer.name}: publish failed: ${answer.error}`)
  const last = (await gots).reduce((max, m) => (BigInt(m.t) > max ? BigInt(m.t) : max), 0n)
  await sleep(50)
  return {
    ms: Number(last - BigInt(answer.t0)) / 1e6,
    cpuUsPerPatch: (cpuOf(pids) - cpu0) / 1000 / peer.n,
    redisCpuUs: peer.redisPid === null ? null : (procCpuNs(peer.redisPid) - redis0) / 1000,
    info: answer.info,
  }
}

// --- output -------------------------------------------------------------------

const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return null
  const m = v.length >> 1
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2
}
const fmt = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }))
const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ')

// Each round's ratio of `a` to `b` (same round index: they ran seconds apart), median.
function pairedRatio (a, b, key) {
  if (!a || !b) return null
  return median(a.rounds.map((r, i) => (b.rounds[i] ? r[key] / b.rounds[i][key] : null)).filter((x) => x !== null))
}

function summarize (view, peers) {
  const floor = peers.find((p) => p.name === 'raw')
  const one = peers.find((p) => p.name === 'fastify-live')
  return peers.map((p) => ({
    view,
    peer: p.name,
    subscribers: p.n,
    processes: p.servers.length,
    msToLast: median(p.rounds.map((r) => r.ms)),
    cpuUsPerPatch: median(p.rounds.map((r) => r.cpuUsPerPatch)),
    msRatio: p === floor ? 1 : pairedRatio(p, floor, 'ms'),
    cpuRatio: p === floor ? 1 : pairedRatio(p, floor, 'cpuUsPerPatch'),
    vsOneProcess: p.name === 'fastify-live-redis' ? { ms: pairedRatio(p, one, 'ms'), cpu: pairedRatio(p, one, 'cpuUsPerPatch') } : null,
    rendersPerPublish: p.name.startsWith('fastify-live') ? median(p.rounds.map((r) => r.info?.renders)) : null,
    redisCpuUsPerPublish: p.redisPid === null ? null : median(p.rounds.map((r) => r.redisCpuUs)),
    closedSockets: p.closed,
    rounds: p.rounds,
  }))
}

function markdown (rows) {
  const out = [
    '| view | subscribers | peer | time to last frame ms | ÷ floor | CPU µs/patch | ÷ floor | renders/publish |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const r of rows) {
    const name = r.processes > 1 ? `${r.peer} (${r.processes} processes)` : r.peer
    out.push(`| ${r.view} | ${fmt(r.subscribers)} | ${name} | ${fmt(r.msToLast, 1)} | ${fmt(r.msRatio, 2)} | ${fmt(r.cpuUsPerPatch, 2)} | ${fmt(r.cpuRatio, 2)} | ${r.rendersPerPublish === null ? '' : fmt(r.rendersPerPublish)} |`)
  }
  const notes = []
  const find = (view, peer) => rows.find((r) => r.view === view && r.peer === peer)
  const verdict = (x, target) => (x === null ? 'not measured' : `${x.toFixed(2)}× (target ≤ ${target}×: ${x <= target ? 'met' : 'missed'})`)
  for (const view of VIEWS) {
    for (const name of ['fastify-live', 'fastify-live-pure']) {
      const fl = find(view, name)
      if (fl && fl.msRatio !== null && find(view, 'raw')) {
        notes.push(`- ${view}, ${fmt(fl.subscribers)} subscribers, ${name} ÷ floor: time to last frame ${verdict(fl.msRatio, TARGETS.floor)}; CPU per patch ${verdict(fl.cpuRatio, TARGETS.floor)}`)
      }
    }
    const rd = find(view, 'fastify-live-redis')
    if (rd && rd.vsOneProcess) {
      notes.push(`- ${view}, two processes over Redis ÷ one process: time to last frame ${verdict(rd.vsOneProcess.ms, TARGETS.redis)}; CPU per patch ${rd.vsOneProcess.cpu === null ? '–' : rd.vsOneProcess.cpu.toFixed(2)}×; redis-server CPU ${fmt(rd.redisCpuUsPerPublish)} µs per publish`)
    }
  }
  for (const r of rows) if (r.closedSockets > 0) notes.push(`- ${r.view} ${r.peer}: ${r.closedSockets} sockets closed during the run`)
  return out.join('\n') + (notes.length ? '\n\n' + notes.join('\n') : '') + '\n'
}

// --- main -----------------------------------------------------------------------

const meta = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.availableParallelism(),
  pinned: TASKSET ? 'servers on core 0, clients (and redis-server) on core 1 (taskset)' : 'not pinned',
  quick: QUICK,
  warmup: WARMUP,
  rounds: ROUNDS,
  subscribers: N,
  loadavgStart: loadavg(),
}
console.error(`fanout: ${VIEWS.map((v) => `${v} × ${N[v]} (${PEERS[v].join(', ')})`).join('; ')}; ${WARMUP} warm-up + ${ROUNDS} measured publishes each; ${meta.pinned}; load ${meta.loadavgStart}`)
if (procCpuNs(process.pid) === null) throw new Error('bench/fanout.mjs reads server CPU from /proc, which this system does not have')

const rows = []
for (const view of VIEWS) {
  const names = PEERS[view]
  let redis = null
  const peers = []
  try {
    if (names.includes('fastify-live-redis')) redis = await startRedis()
    // Every peer's sessions join at once (set-up, not measured; in turn it
    // took minutes at 10,000 on a busy machine).
    for (const name of names) peers.push(await startPeer(name, view, redis))
    await Promise.all(peers.map(connected))
    for (const peer of peers) {
      for (const client of peer.clients) {
        client.child.on('message', (m) => { if (m?.type === 'closed') peer.closed++ })
      }
    }
    for (let k = 0; k < WARMUP + ROUNDS; k++) {
      const order = [...peers.slice(k % peers.length), ...peers.slice(0, k % peers.length)]
      const line = []
      for (const peer of order) {
        const r = await publish(peer, view, k)
        if (k >= WARMUP) peer.rounds.push(r)
        line.push(`${peer.name} ${r.ms.toFixed(1)} ms ${r.cpuUsPerPatch.toFixed(2)} µs`)
      }
      console.error(`fanout: ${view} ${k < WARMUP ? 'warm-up' : 'round'} ${k < WARMUP ? k + 1 : k - WARMUP + 1}: ${line.join(', ')}`)
    }
    rows.push(...summarize(view, peers))
  } finally {
    for (const peer of peers) {
      for (const client of peer.clients) await client.stop()
      for (const server of peer.servers) await server.stop()
    }
    if (redis !== null) await redis.stop()
  }
}
meta.loadavgEnd = loadavg()

const table = markdown(rows) + `\nLoad average (1, 5, 15 min) at start ${meta.loadavgStart}, at end ${meta.loadavgEnd}; ${meta.cores} cores.\n`
process.stdout.write('\n' + table)
mkdirSync(path.dirname(OUT), { recursive: true })
writeFileSync(OUT, JSON.stringify({ meta, rows, table }, null, 2) + '\n')
console.error(`fanout: wrote ${path.relative(process.cwd(), OUT)}`)
