import t from 'tap'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { connect, createServer, type Socket } from 'node:net'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { launchBrowser, openChromiumPage, waitConnected } from '../helpers/browser.js'
import { forgetRecorded, liveEvents, waitLiveEvents, wire } from '../helpers/recorder.js'
import { startRedis } from '../helpers/redis.js'

// A deploy as a load balancer sees it: processes of one app (same secret,
// same redis-server) behind a proxy that sends each new TCP connection where
// it is told. The page's GET lands on one process and its socket on another;
// then the process holding the socket gets SIGTERM (app.close(): parks the
// view in Redis, closes with 1012), the proxy sends new connections to the
// other, and the page reconnects there with the state it had.

interface Tap { teardown (fn: () => unknown): void }

interface AppProcess {
  name: string
  port: number
  /** How many times this process ran mount. */
  mounts (): Promise<number>
  /** Sends `signal` and waits for the process to exit. */
  kill (signal: NodeJS.Signals): Promise<void>
}

/** test/fixtures/deploy-server.ts in a process of its own; killed with the test. */
async function spawnApp (t: Tap, name: string, env: Record<string, string>): Promise<AppProcess> {
  const script = fileURLToPath(new URL('../fixtures/deploy-server.ts', import.meta.url))
  // Under tap, the same TypeScript loader as this process (as test/helpers/redis.ts spawnPeer does).
  const loader = process.execArgv.some((arg) => arg.includes('typescript')) ? process.execArgv : ['--import', 'tsx']
  const child = spawn(process.execPath, [...loader, script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    await exited
  }
  t.teardown(() => kill('SIGKILL'))
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const ready = /^READY (\d+)$/.exec(line)
      if (ready !== null) resolve(Number(ready[1]))
    })
    void exited.then(() => reject(new Error(`app ${name} exited (${child.exitCode ?? child.signalCode}) before it was ready`)))
  })
  const mounts = async (): Promise<number> => {
    const res = await fetch(`http://127.0.0.1:${port}/mounts`)
    return ((await res.json()) as { mounts: number }).mounts
  }
  return { name, port, mounts, kill }
}

type Kind = 'page' | 'socket'

interface Proxy {
  url: string
  /** Where new connections go: the WebSocket upgrades (`socket`) and everything else (`page`). */
  route: Record<Kind, AppProcess>
  /** Every connection so far: what it was and where it went, in order. */
  log: Array<{ kind: Kind, to: string }>
}

/**
 * A TCP proxy on 127.0.0.1 that reads each new connection's first bytes,
 * sends it to `route.socket` when it is the live socket's upgrade and to
 * `route.page` otherwise, and pipes it both ways. Closed with the test.
 */
async function startProxy (t: Tap, route: Record<Kind, AppProcess>): Promise<Proxy> {
  const open = new Set<Socket>()
  const track = (s: Socket): void => { open.add(s); s.once('close', () => open.delete(s)) }
  const proxy: Proxy = { url: '', route, log: [] }
  const server = createServer((client) => {
    track(client)
    client.on('error', () => client.destroy())
    client.once('data', (first) => {
      client.pause() // until the pipe below takes over: nothing is lost meanwhile
      const kind: Kind = first.toString('latin1').startsWith('GET /_live/socket') ? 'socket' : 'page'
      const target = proxy.route[kind]
      proxy.log.push({ kind, to: target.name })
      const upstream = connect(target.port, '127.0.0.1')
      track(upstream)
      // a target gone (refused, reset) drops the browser's connection, as a balancer's would
      upstream.on('error', () => { upstream.destroy(); client.destroy() })
      client.on('error', () => upstream.destroy())
      upstream.write(first)
      client.pipe(upstream)
      upstream.pipe(client)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    for (const s of open) s.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
  proxy.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  return proxy
}

/** The join replies the page received so far. */
async function joinReplies (page: Parameters<typeof wire>[0]) {
  return (await wire(page)).filter((w) => w.dir === 'in' && w.frame.t === 'reply').map((w) => w.frame)
}

const browser = await launchBrowser(t)

t.test('GET on A, socket on B, one mount; SIGTERM B and route to A: the page resumes at 3; SIGTERM A and route to a new C: still no second mount', async (t) => {
  const redis = await startRedis(t)
  const env = { LIVE_SECRET: randomBytes(32).toString('hex'), REDIS_URL: redis.url }
  const [a, b] = await Promise.all([spawnApp(t, 'a', env), spawnApp(t, 'b', env)])
  const proxy = await startProxy(t, { page: a, socket: b })

  const page = await openChromiumPage(t, browser, `${proxy.url}/counter`)
  t.same(proxy.log.filter((c) => c.kind === 'socket'), [{ kind: 'socket', to: 'b' }], 'the socket went to B')
  t.ok(proxy.log.some((c) => c.kind === 'page'), 'the page came through the proxy')
  t.same(proxy.log.filter((c) => c.kind === 'page' && c.to !== 'a'), [], 'and every HTTP request went to A')
  const [join] = await joinReplies(page)
  t.notOk(join!.fresh, 'B adopted the state A rendered')
  t.notOk('html' in join!, 'the page already held that render')
  t.same([await a.mounts(), await b.mounts()], [1, 0], 'mount ran once, on A, for the GET')

  await page.click('button')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')
  t.pass('events work on B')

  proxy.route = { page: b, socket: b }
  for (const n of [2, 3]) {
    await page.click('button')
    await page.waitForFunction((n) => document.querySelector('#count')!.textContent === String(n), n)
  }
  t.equal(await b.mounts(), 0, 'B never mounted')
  await page.evaluate(() => {
    const rec = (window as any).__live
    rec.codes = []
    rec.sockets.at(-1).addEventListener('close', (e: CloseEvent) => rec.codes.push(e.code))
  })
  await forgetRecorded(page)
  const before = proxy.log.length

  // the deploy: new connections go to A, and B shuts down
  proxy.route = { page: a, socket: a }
  await b.kill('SIGTERM')
  await waitLiveEvents(page, 'live:disconnected')
  await waitLiveEvents(page, 'live:connected')
  await waitConnected(page)
  t.same(await page.evaluate(() => (window as any).__live.codes), [1012], 'B closed the socket saying it restarts')
  t.same(proxy.log.slice(before).filter((c) => c.kind === 'socket'), [{ kind: 'socket', to: 'a' }], 'the page reconnected, to A')
  const [resumed] = await joinReplies(page)
  t.notOk(resumed!.fresh, 'A resumed the view B parked')
  t.equal(await page.textContent('#count'), '3', 'the page keeps its state')
  await page.click('button')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '4')
  t.pass('and counts on from 3, on A')
  t.equal(await a.mounts(), 1, 'no second mount')

  // the next step of a rolling deploy: a new process C takes over, A shuts down
  const c = await spawnApp(t, 'c', env)
  await forgetRecorded(page)
  proxy.route = { page: c, socket: c }
  await a.kill('SIGTERM')
  await waitLiveEvents(page, 'live:disconnected')
  await waitLiveEvents(page, 'live:connected')
  await waitConnected(page)
  const [again] = await joinReplies(page)
  t.notOk(again!.fresh, 'C resumed the view A parked')
  t.equal(await page.textContent('#count'), '4')
  await page.click('button')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '5')
  t.equal(await c.mounts(), 0, 'C never mounted: one mount for the page load, across three processes')
  t.equal((await liveEvents(page, 'live:error')).length, 0)
})
