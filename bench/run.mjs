// `npm run bench`: every view x concurrency x peer in one run, side by side.
//
// For each cell: a fresh server process (so memory figures start clean and no
// state lingers from the previous cell), pinned to core 0, and the load
// client (bench/load.mjs) pinned to core 1 when `taskset` and two cores exist.
// Server CPU is read from /proc (all of the server's threads, ns resolution),
// so sampling it costs the server nothing; heap figures come from the server
// itself over IPC, after a forced GC (servers run with --expose-gc).
//
// Environment:
//   BENCH_QUICK=1          2 s windows, C in {1, 100}
//   BENCH_DURATION_MS      measured window per cell (default 10000; quick 2000)
//   BENCH_WARMUP_MS        load before the window (default 2000; quick 500)
//   BENCH_C=1,100,1000     concurrency levels
//   BENCH_PEERS=...        peers, in table order (default fastify-live,liveviewjs,htmx,raw)
//   BENCH_VIEWS=...        views (default counter,table)
//   BENCH_RAMP_BATCH=50    sessions opened at once while ramping up
//   BENCH_QUIET_WAIT_MS    before each cell, wait up to this long for an idle
//                          machine (default 10000; 0 = don't wait)
//   BENCH_RETRIES          runs of a cell again while others used > 10% of a
//                          core in its window, or it failed (default 1)
//   BENCH_ROUNDS           rounds of every cell (default 3; quick 1): the
//                          peers of a view and C run one after another, in a
//                          rotated order each round, and the table shows each
//                          figure's median over the rounds. A shared machine's
//                          speed drifts by 20-30% over minutes; side-by-side
//                          rounds keep the ratios between peers honest.
//   BENCH_PAIR_C=100       after the table, the first peer against each other
//                          peer at this C, interleaved (bench/pair.mjs): CPU
//                          per event and events/s ratios (0 = skip; quick: 0)
//   BENCH_FANOUT=0         skip the short fan-out run after the table
//   BENCH_OUT=path         JSON output (default bench/results/latest.json)
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { EXIT_NOT_WIRED } from './peers/_common.mjs'
import { Proc, TASKSET, origin, peerServer, procCpuNs } from './proc.mjs'
import { VIEW_NAMES } from './views/views.mjs'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const env = process.env
const QUICK = env.BENCH_QUICK === '1'
const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean)

const PEERS = list(env.BENCH_PEERS ?? 'fastify-live,liveviewjs,htmx,raw')
const VIEWS = list(env.BENCH_VIEWS ?? VIEW_NAMES.join(','))
const CS = list(env.BENCH_C ?? (QUICK ? '1,100' : '1,100,1000')).map(Number)
const DURATION_MS = Number(env.BENCH_DURATION_MS ?? (QUICK ? 2000 : 10000))
const WARMUP_MS = Number(env.BENCH_WARMUP_MS ?? (QUICK ? 500 : 2000))
const OTHER_CPU_WARN_PCT = 10
const LOAD_CPU_WARN_PCT = 90
const QUIET_WAIT_MS = Number(env.BENCH_QUIET_WAIT_MS ?? 10000)
const QUIET_BUSY_PCT = 25 // % of one core
const RETRIES = Number(env.BENCH_RETRIES ?? 1)
const ROUNDS = Math.max(1, Number(env.BENCH_ROUNDS ?? (QUICK ? 1 : 3)))
// How far a cell's figures are from trustworthy: failed > disturbed > clean.
const disturbance = (cell) => (cell.error ? Infinity : cell.otherCpuPct ?? 0)
const OUT = env.BENCH_OUT ?? path.join(BENCH_DIR, 'results', 'latest.json')
const PAIR_C = Number(env.BENCH_PAIR_C ?? (QUICK ? 0 : 100))

for (const v of VIEWS) if (!VIEW_NAMES.includes(v)) throw new Error(`unknown view ${v}`)
for (const c of CS) if (!(Number.isInteger(c) && c > 0)) throw new Error(`bad concurrency ${c}`)

// Without /proc, the server reports its own process.cpuUsage() (µs).
async function serverCpuNs (server) {
  const ns = procCpuNs(server.pid)
  if (ns !== null) return ns
  const { cpu } = await server.stats('cpu')
  return (cpu.user + cpu.system) * 1000
}

// Busy CPU time of the whole machine, in ns (/proc/stat counts 10 ms ticks:
// user nice system idle iowait irq softirq steal). Minus the server's and the
// load client's own time, it tells how much else ran during a window: other
// work on a 2-core machine skews every figure, so the table flags it.
function machineBusyNs () {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
    return (f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0)) * 1e7
  } catch {
    return null
  }
}

// On a shared machine other work comes in bursts (test suites, browsers):
// before each cell, wait (bounded) for a half-second in which the machine is
// nearly idle, rather than measure on top of a burst.
async function waitForQuiet () {
  const t0 = Date.now()
  while (Date.now() - t0 < QUIET_WAIT_MS) {
    const a = machineBusyNs()
    if (a === null) return 0
    await new Promise((resolve) => setTimeout(resolve, 500))
    const busyPct = (machineBusyNs() - a) / 5e8 * 100
    if (busyPct < QUIET_BUSY_PCT) return Date.now() - t0
  }
  return Date.now() - t0
}

// --- one cell -------------------------------------------------------------

const notWired = new Map() // peer -> message

async function runCell (peer, view, c) {
  const cell = { view, c, peer }
  const server = peerServer(peer)
  let load
  try {
    let url
    try {
      url = await origin(server)
    } catch (err) {
      await server.exited.catch(() => {})
      if (server.exitCode === EXIT_NOT_WIRED) {
        notWired.set(peer, server.stderr.trim().split('\n')[0] || 'not wired yet')
        return null
      }
      throw err
    }
    cell.waitedForQuietMs = await waitForQuiet()
    const loadTimeout = 60000 + Math.ceil(c / 50) * 20000
    load = new Proc(`load ${peer}`, 1, [path.join(BENCH_DIR, 'load.mjs'), '--peer', peer, '--view', view, '--c', String(c),
      '--origin', url, '--duration', String(DURATION_MS), '--warmup', String(WARMUP_MS)])

    await load.expect('prewarmed', 60000)
    // Give closed prewarm sockets a moment to be torn down before the baseline.
    await new Promise((resolve) => setTimeout(resolve, 200))
    const base = await server.stats()
    load.send({ cmd: 'connect' })

    await load.expect('half-connected', loadTimeout)
    const half = await server.stats()
    load.send({ cmd: 'connect-rest' })
    const { secondHalf } = await load.expect('connected', loadTimeout)
    const idle = await server.stats()
    load.send({ cmd: 'go' })

    await load.expect('window-start', WARMUP_MS + 60000)
    const wall0 = process.hrtime.bigint()
    const cpu0 = await serverCpuNs(server)
    const loadCpu0 = procCpuNs(load.pid)
    const machine0 = machineBusyNs()
    const end = await load.expect('window-end', DURATION_MS + 60000)
    const cpu1 = await serverCpuNs(server)
    const loadCpu1 = procCpuNs(load.pid)
    const machine1 = machineBusyNs()
    const wallNs = Number(process.hrtime.bigint() - wall0)

    await load.expect('idle', 120000)
    const busy = await server.stats()
    load.send({ cmd: 'finish' })
    const { result } = await load.expect('result', 60000)

    const cpuDeltaNs = cpu1 - cpu0
    const loadDeltaNs = loadCpu0 !== null && loadCpu1 !== null ? loadCpu1 - loadCpu0 : null
    const n = result.sessions
    const perSession = (after) => (base.heapUsed !== null && after.heapUsed !== null && n > 0)
      ? (after.heapUsed - base.heapUsed) / n / 1024
      : null
    Object.assign(cell, result, {
      cpuUsPerEvent: end.events > 0 ? cpuDeltaNs / 1000 / end.events : null,
      serverCpuPct: (cpuDeltaNs / wallNs) * 100,
      loadCpuPct: loadDeltaNs === null ? null : (loadDeltaNs / wallNs) * 100,
      // % of one core used by anything but this cell's two processes
      // (kernel time not charged to a process, e.g. loopback softirqs, too).
      otherCpuPct: machine0 !== null && machine1 !== null && loadDeltaNs !== null
        ? Math.max(0, ((machine1 - machine0) - cpuDeltaNs - loadDeltaNs) / wallNs * 100)
        : null,
      // What one session costs: the heap the second half of the sessions
      // added (each had sent a few events), per session. At C = 1 the first
      // half is empty and the one session carries the one-off costs.
      // One-off costs (code compiled under load, buffer pools, grown tables)
      // were paid by the first half and drop out.
      heapKiBPerSession: secondHalf > 0 && half.heapUsed !== null && idle.heapUsed !== null
        ? (idle.heapUsed - half.heapUsed) / secondHalf / 1024
        : null,
      // All the growth since the baseline ÷ C, one-off costs included: in
      // steady state (all sessions connected, after the window) and right
      // after the ramp.
      heapKiBPerSessionAvg: perSession(busy),
      heapKiBPerSessionIdle: perSession(idle),
      heapBaseMiB: base.heapUsed === null ? null : base.heapUsed / 2 ** 20,
      rssMiBLoaded: busy.rss / 2 ** 20
    })
    return cell
  } catch (err) {
    cell.error = String(err.message ?? err)
    return cell
  } finally {
    if (load) await load.stop()
    await server.stop()
  }
}

// --- output ---------------------------------------------------------------

const fmt = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }))
const ms = (x) => (x === null || x === undefined ? '–' : x < 10 ? fmt(x, 2) : x < 100 ? fmt(x, 1) : fmt(x, 0))

function markdown (cells) {
  const out = [
    '| view | C | peer | events/s | p50 ms | p95 ms | p99 ms | reply bytes | CPU µs/event | memory KiB/session | memory KiB/C |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
  ]
  const notes = []
  for (const r of cells) {
    if (r.error) {
      out.push(`| ${r.view} | ${r.c} | ${r.peer} | failed | | | | | | |`)
      notes.push(`- ${r.view} C=${r.c} ${r.peer}: ${r.error}`)
      continue
    }
    out.push(`| ${r.view} | ${r.c} | ${r.peer} | ${fmt(r.eventsPerSec)} | ${ms(r.latencyMs.p50)} | ${ms(r.latencyMs.p95)} | ${ms(r.latencyMs.p99)} | ${fmt(r.replyBytesMean)} | ${fmt(r.cpuUsPerEvent)} | ${fmt(r.heapKiBPerSession, 1)} | ${fmt(r.heapKiBPerSessionAvg, 1)} |`)
    if (r.otherCpuPct > OTHER_CPU_WARN_PCT) {
      notes.push(`- ${r.view} C=${r.c} ${r.peer}: other processes used ${fmt(r.otherCpuPct)}% of a core during the window; figures are skewed`)
    }
    if (r.loadCpuPct > LOAD_CPU_WARN_PCT) {
      notes.push(`- ${r.view} C=${r.c} ${r.peer}: the load client was ${fmt(r.loadCpuPct)}% busy; events/s may be capped by it (CPU µs/event is not)`)
    }
    if (r.errors || r.failedOpens) {
      notes.push(`- ${r.view} C=${r.c} ${r.peer}: ${r.failedOpens} sessions failed to open, ${r.errors} errors (${r.errorSamples.join('; ')})`)
    }
  }
  for (const [peer, why] of notWired) notes.push(`- ${peer}: skipped (${why})`)
  const ratios = pairedRatios(cells)
  return out.join('\n') + (ratios.length ? '\n\n' + ratios.join('\n') : '') + (notes.length ? '\n\n' + notes.join('\n') : '') + '\n'
}

// The first peer against each other one, round by round: the rounds of a
// view and C ran minutes apart, but within a round the peers ran back to
// back, so a round's ratio is less touched by the machine's drift than a
// ratio of medians.
function pairedRatios (cells) {
  const lines = []
  const [first, ...others] = PEERS
  for (const view of VIEWS) {
    for (const c of CS) {
      const find = (peer) => cells.find((r) => r.view === view && r.c === c && r.peer === peer && !r.error)
      const a = find(first)
      if (!a?.rounds) continue
      for (const peer of others) {
        const b = find(peer)
        if (!b?.rounds) continue
        const per = (f) => a.rounds.map((r, i) => (b.rounds[i] && !r.error && !b.rounds[i].error ? f(r) / f(b.rounds[i]) : null)).filter((x) => x !== null && Number.isFinite(x))
        const cpu = per((r) => r.cpuUsPerEvent)
        const thr = per((r) => r.eventsPerSec)
        if (cpu.length === 0) continue
        const show = (xs) => `${xs.map((x) => x.toFixed(2)).join(', ')} (median ${median(xs).toFixed(2)})`
        lines.push(`- ${view} C=${c}, ${first} ÷ ${peer} per round: CPU µs/event ${show(cpu)}; events/s ${show(thr)}`)
      }
    }
  }
  return lines.length ? ['Paired by round:', '', ...lines] : []
}

// --- rounds ---------------------------------------------------------------

const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return null
  const m = v.length >> 1
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2
}

// One row of the table from a cell's rounds: each figure is its median over
// the rounds that ran (failed rounds are left out unless all failed); the
// rounds themselves stay in the JSON.
function combineRounds (runs) {
  if (runs.length === 1) return runs[0]
  const ok = runs.filter((r) => !r.error)
  if (ok.length === 0) return { ...runs[0], rounds: runs }
  const pick = (f) => median(ok.map(f))
  return {
    ...ok[0],
    eventsPerSec: pick((r) => r.eventsPerSec),
    latencyMs: Object.fromEntries(Object.keys(ok[0].latencyMs).map((k) => [k, pick((r) => r.latencyMs[k])])),
    replyBytesMean: pick((r) => r.replyBytesMean),
    cpuUsPerEvent: pick((r) => r.cpuUsPerEvent),
    serverCpuPct: pick((r) => r.serverCpuPct),
    loadCpuPct: pick((r) => r.loadCpuPct),
    otherCpuPct: pick((r) => r.otherCpuPct),
    heapKiBPerSession: pick((r) => r.heapKiBPerSession),
    heapKiBPerSessionAvg: pick((r) => r.heapKiBPerSessionAvg),
    heapKiBPerSessionIdle: pick((r) => r.heapKiBPerSessionIdle),
    errors: ok.reduce((n, r) => n + r.errors, 0),
    failedRounds: runs.length - ok.length,
    rounds: runs
  }
}

// --- main -----------------------------------------------------------------

const cpus = os.cpus()
const meta = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus[0]?.model ?? 'unknown',
  cores: os.availableParallelism(),
  memGiB: Math.round(os.totalmem() / 2 ** 30),
  pinned: TASKSET ? 'server on core 0, load client on core 1 (taskset)' : 'not pinned',
  quick: QUICK,
  rounds: ROUNDS,
  durationMs: DURATION_MS,
  warmupMs: WARMUP_MS,
  concurrency: CS,
  peers: PEERS,
  views: VIEWS
}
console.error(`bench: ${VIEWS.length} views x C=${CS.join(',')} x ${PEERS.join(', ')}; ${DURATION_MS} ms windows; ${meta.pinned}`)

const cells = []
for (const view of VIEWS) {
  for (const c of CS) {
    const rounds = new Map(PEERS.map((peer) => [peer, []]))
    for (let round = 0; round < ROUNDS; round++) {
      for (const peer of [...PEERS.slice(round % PEERS.length), ...PEERS.slice(0, round % PEERS.length)]) {
        if (notWired.has(peer)) continue
        const t0 = Date.now()
        // A cell that other work disturbed is run again (a fresh server each
        // time), up to BENCH_RETRIES times; the least disturbed attempt is kept.
        let cell = null
        let attempts = 0
        while (attempts <= RETRIES) {
          attempts += 1
          const attempt = await runCell(peer, view, c)
          if (!attempt) break
          if (!cell || disturbance(attempt) < disturbance(cell)) cell = attempt
          if (disturbance(cell) <= OTHER_CPU_WARN_PCT) break
          if (attempts <= RETRIES) console.error(`bench: ${view} C=${c} ${peer}: ${attempt.error ? 'failed' : `others used ${fmt(attempt.otherCpuPct)}% of a core`}, running it again`)
        }
        if (!cell) {
          console.error(`bench: ${peer} skipped: ${notWired.get(peer)}`)
          continue
        }
        cell.attempts = attempts
        rounds.get(peer).push(cell)
        const summary = cell.error
          ? `FAILED: ${cell.error}`
          : `${fmt(cell.eventsPerSec)} ev/s, p99 ${ms(cell.latencyMs.p99)} ms, ${fmt(cell.replyBytesMean)} B, ${fmt(cell.cpuUsPerEvent)} µs CPU/ev` +
            ` (server ${fmt(cell.serverCpuPct)}% busy, others ${fmt(cell.otherCpuPct)}%)`
        console.error(`bench: ${view} C=${c} ${peer}${ROUNDS > 1 ? ` round ${round + 1}` : ''}: ${summary} (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
      }
    }
    for (const peer of PEERS) if (rounds.get(peer).length > 0) cells.push(combineRounds(rounds.get(peer)))
  }
}

let table = markdown(cells)

// The targets compare the first peer with the others at C = PAIR_C (CPU per
// event with the raw floor, throughput with LiveViewJS): measured again
// interleaved (bench/pair.mjs), where the machine's drift between two cells
// does not enter the ratios.
if (PAIR_C > 0 && !notWired.has(PEERS[0])) {
  const rows = []
  for (const view of VIEWS) {
    for (const other of PEERS.slice(1)) {
      if (notWired.has(other)) continue
      console.error(`bench: ${view} C=${PAIR_C}: ${PEERS[0]} and ${other}, interleaved (bench/pair.mjs)`)
      const pair = new Proc(`pair ${view} ${other}`, 1, [path.join(BENCH_DIR, 'pair.mjs'), '--view', view, '--c', String(PAIR_C), '--a', PEERS[0], '--b', other])
      const { code } = await pair.exited
      const lines = (await pair.lines()).filter((l) => l.startsWith('|'))
      if (code !== 0 || lines.length < 3) {
        console.error(`bench: the interleaved run of ${view} with ${other} failed (${code})`)
        continue
      }
      if (rows.length === 0) rows.push(...lines.slice(0, 2))
      rows.push(...lines.slice(2))
    }
  }
  if (rows.length > 0) table += `\nInterleaved, ${PEERS[0]} with each peer in alternating half-second slices (bench/pair.mjs):\n\n${rows.join('\n')}\n`
}

// A short fan-out run (bench/fanout.mjs, FANOUT_QUICK: 1,000 subscribers of
// the counter, 200 of the table); `npm run bench:fanout` is the full one.
if (env.BENCH_FANOUT !== '0') {
  console.error('bench: fan-out, short run (bench/fanout.mjs, FANOUT_QUICK=1)')
  const fanout = new Proc('fanout', 1, [path.join(BENCH_DIR, 'fanout.mjs')], { FANOUT_QUICK: '1', FANOUT_OUT: path.join(path.dirname(OUT), 'fanout-quick.json') })
  const { code } = await fanout.exited
  const lines = (await fanout.lines()).filter((l) => l.startsWith('|') || l.startsWith('- '))
  if (code === 0 && lines.length > 2) table += `\nBroadcast (fan-out), short run: one publish to N subscribed sessions (bench/fanout.mjs; \`npm run bench:fanout\` for 10,000):\n\n${lines.join('\n')}\n`
  else console.error(`bench: the fan-out run failed (${code})`)
}

process.stdout.write('\n' + table)
mkdirSync(path.dirname(OUT), { recursive: true })
writeFileSync(OUT, JSON.stringify({ meta, skipped: Object.fromEntries(notWired), cells, table }, null, 2) + '\n')
console.error(`bench: wrote ${path.relative(process.cwd(), OUT)}`)
