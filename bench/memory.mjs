// Where a session's memory goes, peer by peer: `npm run bench:memory`.
//
//   node bench/memory.mjs [--view table] [--c 200]   (peers: BENCH_PEERS)
//
// For each peer: a fresh server, the load client (bench/load.mjs) opening C
// sessions in two halves, each session sending 10 events, as in the
// benchmark. After each half the server writes a heap snapshot (after a
// forced GC). What the second snapshot holds beyond the first, per session
// of the second half, is grouped by what it is: the TCP socket and
// WebSocket objects, the HTTP upgrade request and response, buffers, and so
// on. It prints one markdown table, bytes per session.
//
// A heap snapshot counts JS objects and the bytes of ArrayBuffers (Buffers)
// they hold; the benchmark's "memory KiB/session" (heapUsed + external) is
// the same quantity, read without a snapshot.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Proc, origin, peerServer } from './proc.mjs'
import { VIEW_NAMES } from './views/views.mjs'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const { values: args } = parseArgs({ options: { view: { type: 'string', default: 'table' }, c: { type: 'string', default: '200' } } })
const view = args.view
const C = Number(args.c)
const PEERS = (process.env.BENCH_PEERS ?? 'fastify-live,liveviewjs,htmx,raw').split(',').map((p) => p.trim()).filter(Boolean)
if (!VIEW_NAMES.includes(view)) throw new Error(`unknown view ${view}`)
if (!(Number.isInteger(C) && C >= 2)) throw new Error(`--c must be an integer of at least 2, got ${args.c}`)

// What a snapshot node is, by its type and constructor name.
const GROUPS = [
  ['TCP socket and its streams', /^(Socket|TCP|Node \/ TCPSocketWrap|WritableState|ReadableState|Node \/ CleanupQueue)$/],
  ['WebSocket (ws: socket, receiver, sender)', /^(WebSocket|Receiver|Sender|PerMessageDeflate)$/],
  ['HTTP upgrade request and response', /^(IncomingMessage|ServerResponse|_Request|_Reply|Request|Reply|Headers|IncomingHttpHeaders|OutgoingMessage)$/],
  ['buffers (bytes and their objects)', /^(system \/ JSArrayBufferData|ArrayBuffer|Buffer|Uint8Array|FastBuffer)$/],
  ['strings', /^\(string\)$/],
  ['plain objects and arrays', /^(Object|Array|\(array\)|NullObject|Map|Set|system \/ Context)$/],
  ['functions (closures, bound)', /^\(closure\)$/],
]

function groupOf (type, name) {
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '(string)'
  else if (type === 'array') name = '(array)'
  else if (type === 'closure') name = '(closure)'
  else if (type === 'code' || type === 'hidden' || type === 'object shape' || name === 'system / Map') return 'engine (code, shapes, feedback)'
  for (const [group, re] of GROUPS) if (re.test(name)) return group
  return `the peer's own: ${name}`
}

/** Self sizes of a heap snapshot, summed by group. */
function weigh (file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'))
  const fields = snap.snapshot.meta.node_fields
  const types = snap.snapshot.meta.node_types[0]
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f))
  const sums = new Map()
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const group = groupOf(types[snap.nodes[i + iType]], snap.strings[snap.nodes[i + iName]])
    sums.set(group, (sums.get(group) ?? 0) + snap.nodes[i + iSize])
  }
  return sums
}

async function measure (peer) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-memory-'))
  const server = peerServer(peer)
  let load
  try {
    load = new Proc(`load ${peer}`, 1, [path.join(BENCH_DIR, 'load.mjs'), '--peer', peer, '--view', view, '--c', String(C),
      '--origin', await origin(server), '--duration', '200', '--warmup', '0'])
    const timeout = 60000 + Math.ceil(C / 50) * 20000
    await load.expect('prewarmed', 60000)
    load.send({ cmd: 'connect' })
    await load.expect('half-connected', timeout)
    const first = await server.stats('snapshot', { file: path.join(dir, 'first.heapsnapshot') })
    load.send({ cmd: 'connect-rest' })
    const { secondHalf } = await load.expect('connected', timeout)
    const second = await server.stats('snapshot', { file: path.join(dir, 'second.heapsnapshot') })
    load.send({ cmd: 'go' })
    await load.expect('idle', 120000)
    load.send({ cmd: 'finish' })
    await load.expect('result', 60000)
    const a = weigh(first.file)
    const b = weigh(second.file)
    const perSession = new Map()
    for (const group of new Set([...a.keys(), ...b.keys()])) perSession.set(group, ((b.get(group) ?? 0) - (a.get(group) ?? 0)) / secondHalf)
    return perSession
  } finally {
    if (load) await load.stop()
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

const results = new Map()
for (const peer of PEERS) {
  console.error(`memory: ${view}, C=${C}, ${peer}`)
  results.set(peer, await measure(peer))
}

// Groups in a fixed order; a peer's own classes (and anything else) under 64 B a session fold into "other".
const rows = new Map()
for (const [peer, groups] of results) {
  for (const [group, bytes] of groups) {
    const key = group.startsWith("the peer's own") && Math.abs(bytes) < 64 ? 'other' : group
    if (!rows.has(key)) rows.set(key, new Map())
    rows.get(key).set(peer, (rows.get(key).get(peer) ?? 0) + bytes)
  }
}
const order = [...GROUPS.map(([g]) => g), 'engine (code, shapes, feedback)']
const keys = [...rows.keys()].sort((x, y) => {
  const rank = (k) => (order.includes(k) ? order.indexOf(k) : k === 'other' ? 1000 : 500)
  return rank(x) - rank(y) || x.localeCompare(y)
})
const fmt = (n) => Math.round(n).toLocaleString('en-US')
const lines = [`| ${view}, C = ${C}: bytes per session | ${PEERS.join(' | ')} |`, `| --- |${PEERS.map(() => ' ---: |').join('')}`]
for (const key of keys) lines.push(`| ${key} | ${PEERS.map((p) => fmt(rows.get(key).get(p) ?? 0)).join(' | ')} |`)
lines.push(`| **total** | ${PEERS.map((p) => `**${fmt([...results.get(p).values()].reduce((s, x) => s + x, 0))}**`).join(' | ')} |`)
process.stdout.write(lines.join('\n') + '\n')
