// `npm run bench:storm`: a reconnect storm after a restart. A real
// redis-server (free port, nothing saved) and two app processes, A and B,
// sharing it and one secret (bench/storm/server.mjs). A client process
// (bench/storm/client.mjs) opens STORM_N sessions the way pages do (GET on
// A, socket to A, join, a few events so every view has its own non-default
// count). Then A gets SIGTERM: its app.close() parks every view in Redis and
// closes the sockets with 1012, and every session reconnects to B with the
// browser's backoff and jitter (browser/socket.ts) and rejoins. Printed:
// time from the SIGTERM (and from A's first close) to the last resume;
// resumes / fresh mounts / errors (a fresh mount or a resume with another
// count means state was lost); the p99 latency of one well-behaved session
// on B (bench/storm/probe.mjs, an event every ~20 ms) during the storm vs
// idle; B's CPU per resume (/proc/<pid>/task/*/schedstat).
//
// Servers are pinned to core 0, the client, probe and redis-server to core 1
// (taskset, when available). Each round starts everything afresh.
//
// Environment:
//   STORM_N=1000        sessions
//   STORM_ROUNDS=3      storms (fresh processes each)
//   STORM_IDLE_MS=3000  the probe's idle window, before the SIGTERM
//   STORM_OUT=path      JSON (default bench/results/storm.json)
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { enforceLoopback } from './loopback.mjs'
import { startRedis as startBenchRedis } from './redis.mjs'
import { Proc, TASKSET, procCpuNs } from './proc.mjs'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const env = process.env
const N = Number(env.STORM_N ?? 1000)
const ROUNDS = Number(env.STORM_ROUNDS ?? 3)
const IDLE_MS = Number(env.STORM_IDLE_MS ?? 3000)
const OUT = env.STORM_OUT ?? path.join(BENCH_DIR, 'results', 'storm.json')
const STORM_TIMEOUT_MS = 120000

enforceLoopback()

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const uptime = () => { try { return execFileSync('uptime', { encoding: 'utf8' }).trim() } catch { return `load average: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}` } }

// The bench's redis-server, and how many parked views it still holds (keys are `<prefix>view:<id>`).
async function startRedis () {
  const redis = await startBenchRedis()
  return {
    ...redis,
    parked: () => Number(execFileSync('redis-cli', ['-p', String(redis.port), 'eval', "return #redis.call('keys', ARGV[1])", '0', '*view:*'], { encoding: 'utf8' }).trim()),
  }
}

async function startServer (label, redis) {
  const server = new Proc(label, 0, [path.join(BENCH_DIR, 'storm', 'server.mjs'), '--port', '0'], { STORM_REDIS: redis.url, NODE_ENV: 'production' })
  server.origin = (await server.line(/^READY \S+ (http:\/\/\S+)$/, 60000))[1]
  return server
}

const p99 = (xs) => {
  if (xs.length === 0) return null
  const v = [...xs].sort((a, b) => a - b)
  return v[Math.min(v.length - 1, Math.ceil(0.99 * v.length) - 1)]
}
const fmt = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }))

async function round (k) {
  const redis = await startRedis()
  const procs = []
  try {
    const a = await startServer(`A${k}`, redis)
    const b = await startServer(`B${k}`, redis)
    procs.push(a, b)
    const client = new Proc(`client${k}`, 1, [path.join(BENCH_DIR, 'storm', 'client.mjs'), '--a', a.origin, '--b', b.origin, '--count', String(N)])
    procs.push(client)
    const { ms: joinMs } = await client.expect('connected', 60000 + N * 100)
    console.error(`storm ${k}: ${N} sessions joined on A with their events (${(joinMs / 1000).toFixed(1)} s)`)
    const probe = new Proc(`probe${k}`, 1, [path.join(BENCH_DIR, 'storm', 'probe.mjs'), b.origin])
    procs.push(probe)
    const probeTrouble = []
    probe.child.on('message', (m) => {
      if (m?.type === 'probe-error') probeTrouble.push(`the probe got ${m.frame}`)
      if (m?.type === 'probe-closed') probeTrouble.push(`the probe's socket closed (${m.code})`)
    })
    await probe.expect('ready', 30000)
    await sleep(1000) // warm-up of the probe's path
    const idleFrom = process.hrtime.bigint()
    await sleep(IDLE_MS)
    const cpuB0 = procCpuNs(b.pid)
    const load = uptime()
    const kill = process.hrtime.bigint()
    a.child.kill('SIGTERM')
    const closing = await a.line(/^CLOSING (\d+) (\d+)$/, 30000)
    const closed = await a.line(/^CLOSED (\d+)$/, 60000)
    const storm = await client.expect('storm', STORM_TIMEOUT_MS)
    const cpuB1 = procCpuNs(b.pid)
    // Before the probe stops: its own view would be parked by its drop.
    const parkedLeft = redis.parked()
    await sleep(300)
    probe.send({ cmd: 'stop' })
    const { samples } = await probe.expect('samples', 10000)
    const last = storm.lastResume === null ? null : BigInt(storm.lastResume)
    const at = (x) => BigInt(x[0])
    const idle = samples.filter((s) => at(s) >= idleFrom && at(s) < kill).map((s) => s[1])
    const during = last === null ? [] : samples.filter((s) => at(s) >= kill && at(s) <= last).map((s) => s[1])
    const row = {
      round: k,
      sessions: N,
      viewsOnA: Number(closing[2]),
      closeMs: Number(BigInt(closed[1]) - BigInt(closing[1])) / 1e6,
      sigtermToLastResumeMs: last === null ? null : Number(last - kill) / 1e6,
      firstCloseToLastResumeMs: last === null ? null : Number(last - BigInt(storm.firstClose)) / 1e6,
      resumed: storm.resumed,
      fresh: storm.fresh,
      wrongState: storm.wrongState,
      errors: storm.errors,
      attempts: storm.attempts,
      closeCodes: storm.closesOnA,
      parkedLeftInRedis: parkedLeft,
      probe: { idleN: idle.length, idleP99: p99(idle), stormN: during.length, stormP99: p99(during), stormMax: during.length ? Math.max(...during) : null },
      bCpuUsPerResume: (cpuB1 - cpuB0) / 1000 / Math.max(1, storm.resumed),
      uptime: load,
      notes: probeTrouble,
    }
    row.probe.ratio = row.probe.idleP99 && row.probe.stormP99 ? row.probe.stormP99 / row.probe.idleP99 : null
    client.send({ cmd: 'stop' })
    return row
  } finally {
    for (const p of procs) {
      try { p.child.kill('SIGKILL') } catch {}
    }
    await redis.stop()
  }
}

console.error(`storm: ${N} sessions × ${ROUNDS} rounds; ${TASKSET ? 'servers on core 0, client, probe and redis-server on core 1' : 'not pinned'}; ${uptime()}`)
const rows = []
for (let k = 1; k <= ROUNDS; k++) rows.push(await round(k))

const table = [
  '| round | sessions | A: app.close() ms | SIGTERM → last resume ms | A\'s first close → last resume ms | resumed | fresh | wrong state | errors | probe p99 idle ms (n) | probe p99 storm ms (n) | ÷ idle | B CPU µs/resume | load (1 min) |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.round} | ${fmt(r.sessions)} | ${fmt(r.closeMs)} | ${fmt(r.sigtermToLastResumeMs)} | ${fmt(r.firstCloseToLastResumeMs)} | ${r.resumed} | ${r.fresh} | ${r.wrongState} | ${r.errors} | ${fmt(r.probe.idleP99, 1)} (${r.probe.idleN}) | ${fmt(r.probe.stormP99, 1)} (${r.probe.stormN}) | ${fmt(r.probe.ratio, 1)} | ${fmt(r.bCpuUsPerResume)} | ${/load average: ([\d.]+)/.exec(r.uptime)?.[1] ?? '?'} |`),
].join('\n')
console.log(table)
for (const r of rows) {
  const notes = []
  if (r.resumed !== r.sessions || r.fresh !== 0 || r.wrongState !== 0 || r.errors !== 0) notes.push(`NOT ALL RESUMED: ${r.resumed}/${r.sessions} resumed, ${r.fresh} fresh, ${r.wrongState} wrong state, ${r.errors} errors`)
  if (r.parkedLeftInRedis !== 0) notes.push(`${r.parkedLeftInRedis} parked views left in Redis`)
  notes.push(`close codes on A: ${JSON.stringify(r.closeCodes)}; rejoin attempts ${r.attempts}; probe max during the storm ${fmt(r.probe.stormMax, 1)} ms; ${r.uptime}`, ...r.notes)
  console.log(`- round ${r.round}: ${notes.join('; ')}`)
}
mkdirSync(path.dirname(OUT), { recursive: true })
writeFileSync(OUT, JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: os.availableParallelism(), pinned: Boolean(TASKSET), rows, table }, null, 2) + '\n')
console.error(`storm: wrote ${path.relative(process.cwd(), OUT)}`)
const ok = rows.every((r) => r.resumed === r.sessions && r.fresh === 0 && r.wrongState === 0 && r.errors === 0)
process.exit(ok ? 0 : 1)
