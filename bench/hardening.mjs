// What a hostile client can make the server keep or do, with the defaults a
// user deploys with: `npm run bench:hardening`.
//
//   node bench/hardening.mjs [--seconds 60] [--flood-seconds 15]   (0 skips a part)
//
// The server is the demo's (examples/, run through tsx) in production mode,
// plus /big: the demo's search page with 3,500 rows (~173 KB of HTML).
// Two measurements, printed as markdown:
//
// BENCH_CPU_PROF=<dir> writes a CPU profile of the server there.
// BENCH_MAX_BUFFERED_BYTES and BENCH_MAX_TOTAL_BUFFERED_BYTES set
// maxBufferedBytes and maxTotalBufferedBytes (default: the plugin's);
// --seconds 0 skips the memory part, --flood-seconds 0 the latency part.
//
// 1. Memory: 20 sockets join the search page and keep sending what the
//    rate limit allows (80 `search` events and one `render` a second each:
//    every cacheable answer carries the page's full HTML): first 20 that
//    read what they get, then 20 that stop reading. A socket the server
//    closes (drainTimeout, 1013) is replaced at once, so 20 are always there.
//    The server's RSS and the bytes its sockets hold unsent are sampled
//    every 5 s, against idle and against the same load from readers (the
//    heap V8 grows for 1,600 events a second is not memory held for
//    non-readers).
// 2. Latency: a well-behaved client (in a process of its own) sends an
//    event every 20 ms to the counter page, alone and then while 5 sockets ask for `render` frames of /big:
//    (a) at 90 a second each, on the sockets they opened, until the rate
//    limit closes them (1008); (b) at exactly the rate limit, 10 a second
//    each, for the whole window; (c) at 90 a second each, each replaced when
//    closed by a new page (a GET that renders the 200 KB page, then a join).
//    Its p50 and p99 for each.
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { enforceLoopback } from './loopback.mjs'

const { values: args } = parseArgs({
  options: {
    server: { type: 'boolean', default: false },
    good: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '60' },
    'flood-seconds': { type: 'string', default: '15' },
  },
})

enforceLoopback()
if (args.server) await server()
else if (args.good) await goodClient()
else await main()

// ---- the server (a child process, under tsx) -------------------------------

async function server () {
  const { default: Fastify } = await import('fastify')
  const { default: live } = await import('../lib/index.ts')
  const { CounterView } = await import('../examples/views/counter.ts')
  const { SearchView } = await import('../examples/views/search.ts')
  const rows = Array.from({ length: 3500 }, (_, i) => ({ id: i + 1, name: `Product ${i + 1}`, price: 0.5 + ((i * 37) % 50) / 10 }))
  class BigView extends SearchView {
    results = rows
  }
  // The demo's set-up (examples/server.ts), with BENCH_MAX_BUFFERED_BYTES to try another budget.
  const app = Fastify({ logger: false })
  const budget = process.env.BENCH_MAX_BUFFERED_BYTES
  const total = process.env.BENCH_MAX_TOTAL_BUFFERED_BYTES
  await app.register(live, {
    templates: fileURLToPath(new URL('../examples/templates/', import.meta.url)),
    secret: process.env.LIVE_SECRET,
    layout: 'layout.njk',
    ...(budget ? { maxBufferedBytes: Number(budget) } : {}),
    ...(total ? { maxTotalBufferedBytes: Number(total) } : {}),
  })
  app.live('/counter', CounterView)
  app.live('/search', SearchView)
  app.live('/big', BigView)
  await app.listen({ host: '127.0.0.1', port: 0 })
  // Sockets the server closed, by code: 1013 for not reading, 1008 for flooding.
  const closedWith = {}
  app.websocketServer.on('connection', (ws) => {
    const close = ws.close
    ws.close = function (code, reason) {
      // Once: ws calls close() again to answer the client's closing frame.
      if (this.readyState === 1) closedWith[code] = (closedWith[code] ?? 0) + 1
      return close.call(this, code, reason)
    }
  })
  process.on('message', (msg) => {
    if (msg?.cmd !== 'stats') return
    globalThis.gc?.()
    const m = process.memoryUsage()
    let unsent = 0
    for (const ws of app.websocketServer.clients) unsent += ws.bufferedAmount
    const cpu = process.cpuUsage()
    process.send({ id: msg.id, rss: m.rss, heapUsed: m.heapUsed, external: m.external, sockets: app.websocketServer.clients.size, unsent, closedWith, cpu: (cpu.user + cpu.system) / 1000, at: performance.now() })
  })
  // An exit, not a kill: a --cpu-prof profile is written on exit.
  process.once('SIGTERM', () => process.exit(0))
  console.log(`READY hardening http://127.0.0.1:${app.server.address().port}`)
}

// ---- the clients ------------------------------------------------------------

async function main () {
  const { Proc, origin } = await import('./proc.mjs')
  const seconds = Number(args.seconds)
  const floodSeconds = Number(args['flood-seconds'])
  // BENCH_CPU_PROF=<dir>: a CPU profile of the server, written there when it stops.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []
  const srv = new Proc('server', 0, [...profile, '--import', 'tsx', '--expose-gc', fileURLToPath(import.meta.url), '--server'], {
    NODE_ENV: 'production',
    LIVE_SECRET: 'bench-secret-bench-secret-bench-secret',
  })
  const base = await origin(srv)
  // The good client runs in a process of its own: the flooders' clients, here, would delay its measurements.
  const good = new Proc('good', 1, [fileURLToPath(import.meta.url), '--good'])
  await good.line(/^READY good$/, 30_000)
  let goodRuns = 0
  const mb = (bytes) => (bytes / 1048576).toFixed(1)
  const rss = async () => (await srv.stats()).rss
  const closedWith = async (code) => (await srv.stats()).closedWith[code] ?? 0

  const join = (url) => joinPage(base, url)

  /**
   * `count` sockets that each run `behave(socket)` (which returns a stop
   * function), replaced whenever the server closes one.
   */
  function keep (count, url, behave) {
    let running = true
    const stops = new Set()
    const retry = (err) => {
      console.error(`a replacement socket failed (${err.message}); trying again`)
      if (running) setTimeout(() => one().catch(retry), 100)
    }
    const one = async () => {
      if (!running) return
      const socket = await join(url)
      const stop = behave(socket)
      stops.add(stop)
      socket.ws.once('close', () => {
        stop()
        stops.delete(stop)
        if (!running) return
        one().catch(retry)
      })
    }
    return {
      started: Promise.all(Array.from({ length: count }, one)),
      stop () {
        running = false
        for (const stop of stops) stop()
      },
    }
  }

  // -- 1. memory --------------------------------------------------------------
  await warm()
  if (seconds > 0) await memory()
  if (floodSeconds <= 0) return await Promise.all([srv.stop(), good.stop()])

  // -- 2. latency -------------------------------------------------------------
  let renderFrames = 0
  /** What a flooding socket does: `perTick` render frames every 100 ms. */
  const floodWith = (perTick) => ({ ws, id }) => {
    let ref = 10
    const timer = setInterval(() => {
      for (let k = 0; k < perTick && ws.readyState === 1; k++) {
        ws.send(JSON.stringify({ t: 'render', ref: ref++, id }))
        renderFrames++
      }
    }, 100)
    return () => clearInterval(timer)
  }
  /** 5 sockets flooding /big, each replaced by a new page when closed; the good client's latency meanwhile. */
  const flood = async (perTick) => {
    const flooders = keep(5, '/big', floodWith(perTick))
    await flooders.started
    const result = await latency(floodSeconds)
    flooders.stop()
    return result
  }
  /** 5 sockets flooding /big, not replaced: the good client's latency until the last is closed (or the window ends). */
  const floodOnce = async (perTick) => {
    const sockets = await Promise.all(Array.from({ length: 5 }, () => join('/big')))
    const gone = Promise.all(sockets.map(({ ws }) => new Promise((resolve) => ws.once('close', resolve))))
    const stops = sockets.map(floodWith(perTick))
    const result = await latency(floodSeconds, gone)
    for (const stop of stops) stop()
    for (const { ws } of sockets) ws.terminate()
    return result
  }
  /** `run`'s result, the flooders closed meanwhile, and the server's CPU time per wall second (a machine's load slows latencies, not this). */
  const closes = async (run) => {
    const before = await srv.stats()
    const result = await run()
    const after = await srv.stats()
    return { ...result, closed: (after.closedWith[1008] ?? 0) - (before.closedWith[1008] ?? 0), cpu: (after.cpu - before.cpu) / (after.at - before.at) }
  }
  const quiet = await closes(() => latency(floodSeconds))
  const onOpen = await closes(() => floodOnce(9))
  // What the rate limit lets through, and nothing more: 10 full renders a second each, never refused.
  const allowed = await closes(() => flood(1))
  const flooded = await closes(() => flood(9))
  await Promise.all([srv.stop(), good.stop()])

  console.log('### Hardening: a well-behaved client\'s latency (one event every 20 ms, /counter)\n')
  console.log('| while | window | events | p50 | p99 | p99 vs idle | server CPU | flooders closed (1008) |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  const row = (what, x) => console.log(`| ${what} | ${x.seconds.toFixed(1)} s | ${x.n} | ${x.p50.toFixed(2)} ms | ${x.p99.toFixed(2)} ms | ${(x.p99 / quiet.p99).toFixed(2)}× | ${(x.cpu * 100).toFixed(0)}% | ${x.closed || ''} |`)
  row('idle', quiet)
  row('(a) 5 sockets flood renders of /big (173 KB) at 90/s each, on the sockets they opened, until closed', onOpen)
  row('(b) 5 sockets ask for renders of /big at the rate limit: 10/s each', allowed)
  row('(c) 5 sockets flood renders of /big at 90/s each, each replaced (a GET of the 200 KB page, a join) when closed', flooded)
  console.log(`\n${renderFrames} render frames sent in all`)

  /** 1. memory: 20 readers, then 20 non-readers, for `seconds` each. */
  async function memory () {
    const idle = await rss()
    // 40 distinct searches (the cache keys them apart), each matching most of the 44 fruits: ~3 KB answers.
    const words = Array.from({ length: 40 }, (_, i) => ' '.repeat(i % 20) + (i < 20 ? 'a' : 'e'))
    let sentIn = 0
    /** 20 sockets sending 80 searches and one render a second each for `seconds`; `reading`: whether they read the answers. Samples every 5 s. */
    const load = async (reading) => {
      const sockets = keep(20, '/search', ({ ws, id }) => {
        if (!reading) ws.pause() // stops reading: what the server sends piles up
        let tick = 0
        let ref = 10
        const timer = setInterval(() => {
          if (ws.readyState !== 1) return
          for (let k = 0; k < 8; k++) {
            const frame = JSON.stringify({ t: 'event', ref: ref++, id, h: 'search', p: { value: words[(ref * 7) % words.length] }, type: 'input' })
            if (!reading) sentIn += frame.length
            ws.send(frame, (err) => { if (err) ws.terminate() })
          }
          if (++tick % 10 === 0) ws.send(JSON.stringify({ t: 'render', ref: ref++, id }))
        }, 100)
        // A socket the server closed for not reading is dropped (destroyed): the next write here fails, and it is replaced.
        return () => { clearInterval(timer); ws.terminate() }
      })
      await sockets.started
      const samples = []
      for (let s = 5; s <= seconds; s += 5) {
        await new Promise((resolve) => setTimeout(resolve, 5000))
        const stats = await srv.stats()
        samples.push({ s, rss: stats.rss, unsent: stats.unsent, sockets: stats.sockets })
      }
      sockets.stop()
      await new Promise((resolve) => setTimeout(resolve, 1000))
      return samples
    }
    const readers = await load(true)
    const nonReaders = await load(false)
    const closedForNotReading = await closedWith(1013)
    const peak = Math.max(...nonReaders.map((x) => x.rss))
    const mostUnsent = Math.max(...nonReaders.map((x) => x.unsent))
    const late = (samples) => samples.slice(Math.floor(samples.length / 2))
    const mean = (samples) => samples.reduce((n, x) => n + x.rss, 0) / samples.length
    const settled = mean(late(nonReaders))
    const readersSettled = mean(late(readers))

    console.log(`\n### Hardening: memory under 20 sockets, reading and not reading (${seconds} s each, /search, maxBufferedBytes ${process.env.BENCH_MAX_BUFFERED_BYTES ?? 'default'}, maxTotalBufferedBytes ${process.env.BENCH_MAX_TOTAL_BUFFERED_BYTES ?? 'default'})\n`)
    console.log('| time | RSS, 20 readers | vs idle | RSS, 20 non-readers | vs idle | vs readers | unsent bytes held | sockets open |')
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
    const signed = (bytes) => `${bytes >= 0 ? '+' : ''}${mb(bytes)} MB`
    for (const [k, x] of nonReaders.entries()) {
      const r = readers[k]
      console.log(`| ${x.s} s | ${mb(r.rss)} MB | ${signed(r.rss - idle)} | ${mb(x.rss)} MB | ${signed(x.rss - idle)} | ${signed(x.rss - r.rss)} | ${(x.unsent / 1024).toFixed(0)} KiB | ${x.sockets} |`)
    }
    console.log(`\nidle ${mb(idle)} MB. Second half of each window, mean RSS: readers ${mb(readersSettled)} MB (${signed(readersSettled - idle)} over idle), non-readers ${mb(settled)} MB (${signed(settled - idle)} over idle, ${signed(settled - readersSettled)} over readers); non-readers' peak ${mb(peak)} MB; at most ${(mostUnsent / 1024).toFixed(0)} KiB unsent held; ${(sentIn / 1024).toFixed(0)} KiB of events sent in by non-readers; ${closedForNotReading} sockets closed for not reading (1013) and replaced\n`)
  }

  /** Warm the server up: a few pages of each kind, and events on them. */
  async function warm () {
    for (const url of ['/search', '/big', '/counter']) {
      const { ws, id, answer } = await join(url)
      for (let ref = 2; ref < 20; ref++) {
        const done = answer(ref)
        ws.send(JSON.stringify(url === '/counter'
          ? { t: 'event', ref, id, h: 'increment', p: {}, type: 'click' }
          : { t: 'event', ref, id, h: 'search', p: { value: `w${ref}` }, type: 'input' }))
        await done
      }
      ws.close()
    }
    await new Promise((resolve) => setTimeout(resolve, 2000))
  }

  /** The good client's round trips for `s` seconds (or until `done` resolves), measured in its own process. */
  async function latency (s, done = new Promise(() => {})) {
    const id = ++goodRuns
    good.send({ cmd: 'run', id, base, seconds: s })
    void done.then(() => good.send({ cmd: 'stop', id }))
    return await good.message((m) => m?.id === id, 'latency', 120_000)
  }
}

// ---- pages and the good client (main and the good client's process) -------

/** GET a page and read its root's id and token, as the browser would. */
async function root (base, url) {
  const html = await (await fetch(base + url)).text()
  const m = /<div id="(lv-[\w-]{10})" data-live-root data-live-token="([^"]+)"/.exec(html)
  if (m === null) throw new Error(`no live root on ${url}`)
  return { id: m[1], token: m[2] }
}

/** A socket joined to a fresh page of `url`; `answers` resolves each ref's answer. */
async function joinPage (base, url) {
  const { id, token } = await root(base, url)
  const { default: WebSocket } = await import('ws')
  const ws = new WebSocket(`${base.replace('http', 'ws')}/_live/socket`, { headers: { origin: base } })
  const waiting = new Map()
  ws.on('message', (data) => {
    if (waiting.size === 0) return
    const ref = /"ref":(\d+)/.exec(data.toString('latin1', 0, 40))
    const done = ref && waiting.get(Number(ref[1]))
    if (done) { waiting.delete(Number(ref[1])); done(String(data)) }
  })
  ws.on('error', () => {})
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  const answer = (ref) => new Promise((resolve) => waiting.set(ref, resolve))
  const joined = answer(1)
  ws.send(JSON.stringify({ t: 'join', ref: 1, id, token }))
  const reply = await joined
  if (!reply.startsWith('{"t":"reply"')) throw new Error(`join refused: ${reply.slice(0, 200)}`)
  return { ws, id, answer }
}

// ---- the good client (a child process) --------------------------------------

/** Runs `latency` runs when main asks ({ cmd: 'run', id, base, seconds }), until their window ends or main says stop. */
async function goodClient () {
  const stopped = new Set()
  process.on('message', (msg) => {
    if (msg?.cmd === 'stop') stopped.add(msg.id)
    if (msg?.cmd !== 'run') return
    void measure(msg.base, msg.seconds, () => stopped.has(msg.id)).then((result) => process.send({ id: msg.id, ...result }))
  })
  console.log('READY good')
}

/** A good client: one increment every 20 ms for `s` seconds (or until `over()`); its round trips. */
async function measure (base, s, over) {
  const { ws, id, answer } = await joinPage(base, '/counter')
  const times = []
  const started = Date.now()
  const until = started + s * 1000
  for (let ref = 2; Date.now() < until && !over(); ref++) {
    const sent = performance.now()
    const done = answer(ref)
    ws.send(JSON.stringify({ t: 'event', ref, id, h: 'increment', p: {}, type: 'click' }))
    const reply = await done
    times.push(performance.now() - sent)
    if (!reply.startsWith('{"t":"reply"')) throw new Error(`the good client was refused: ${reply.slice(0, 200)}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  ws.close()
  times.sort((a, b) => a - b)
  return { seconds: (Date.now() - started) / 1000, n: times.length, p50: times[Math.floor(times.length * 0.5)], p99: times[Math.floor(times.length * 0.99)] }
}
