import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'

const REDIS_SERVER = process.env.LIVE_REDIS_SERVER ?? '/usr/bin/redis-server'

interface Tap { teardown (fn: () => unknown): void }

export interface TestRedis {
  url: string
  port: number
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop (): Promise<void>
  /** Starts it again on the same port (empty: nothing is saved) and waits until it answers. */
  start (): Promise<void>
}

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** A real redis-server on 127.0.0.1 and a free port, saving nothing, killed with the test. */
export async function startRedis (t: Tap): Promise<TestRedis> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const start = async (): Promise<void> => {
    const proc = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    let output = ''
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        output += chunk.toString()
        if (output.includes('Ready to accept connections')) {
          proc.stdout?.off('data', onData)
          proc.stdout?.resume()
          resolve()
        }
      }
      proc.stdout?.on('data', onData)
      proc.stderr?.resume()
      proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)))
      proc.once('error', reject)
    })
  }
  const stop = async (): Promise<void> => {
    const proc = child
    child = undefined
    if (proc === undefined || proc.exitCode !== null) return
    const exited = new Promise((resolve) => proc.once('exit', resolve))
    proc.kill('SIGTERM')
    await exited
  }
  await start()
  t.teardown(stop)
  return { url: `redis://127.0.0.1:${port}`, port, stop, start }
}

/** A plain client of the test's own, to look at the server (PUBSUB NUMSUB, keys); closed with the test. */
export function inspect (t: Tap, url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1 })
  client.on('error', () => {})
  t.teardown(() => client.disconnect())
  return client
}

/** Polls `check` every 20 ms until it returns true, at most `tries` times; fails with `what` otherwise. */
export async function until (what: string, check: () => boolean | Promise<boolean>, tries = 500): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`timed out waiting until ${what}`)
}

export interface PeerLine { ev?: string, id?: number | string, topic?: string, message?: unknown, list?: Record<string, unknown[]>, diff?: { joins: Record<string, unknown[]>, leaves: Record<string, unknown[]> }, level?: string, msg?: string, result?: unknown, error?: string }

export interface Peer {
  /** Its engine's process id in Redis. */
  id: string
  /** Every line it reported (deliveries, presence changes, logs), in order. */
  lines: PeerLine[]
  call (cmd: string, args?: object): Promise<unknown>
  /** Resolves with the first reported line (past or future) for which `accept` holds. */
  waitFor (what: string, accept: (line: PeerLine) => boolean): Promise<PeerLine>
  /** Its exit code, or null while it runs. */
  readonly exitCode: number | null
  kill (signal: NodeJS.Signals): Promise<void>
}

/**
 * Another Node process running redisPubSub against `url` (test/fixtures/redis-peer.ts),
 * with short presence timings; killed with the test.
 */
export async function spawnPeer (t: Tap, url: string, prefix: string, timing = { heartbeatMs: 100, deadlineMs: 300 }): Promise<Peer> {
  const script = fileURLToPath(new URL('../fixtures/redis-peer.ts', import.meta.url))
  // Under tap, the same TypeScript loader as this process (tsx maps sources differently and would skew coverage).
  const loader = process.execArgv.some((arg) => arg.includes('typescript')) ? process.execArgv : ['--import', 'tsx']
  const child = spawn(process.execPath, [...loader, script, url, prefix, String(timing.heartbeatMs), String(timing.deadlineMs)], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines: PeerLine[] = []
  const waiters = new Set<{ accept: (line: PeerLine) => boolean, resolve: (line: PeerLine) => void }>()
  const exited: Promise<void> = new Promise((resolve) => child.once('exit', () => resolve()))
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    const line = JSON.parse(text) as PeerLine
    lines.push(line)
    for (const waiter of waiters) {
      if (!waiter.accept(line)) continue
      waiters.delete(waiter)
      waiter.resolve(line)
    }
  })
  const waitFor = async (what: string, accept: (line: PeerLine) => boolean): Promise<PeerLine> => {
    const seen = lines.find(accept)
    if (seen !== undefined) return seen
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (waiters.delete(waiter)) reject(new Error(`timed out waiting until ${what}`))
      }, 20_000)
      const waiter = { accept, resolve: (line: PeerLine) => { clearTimeout(timer); resolve(line) } }
      waiters.add(waiter)
      void exited.then(() => {
        clearTimeout(timer)
        if (waiters.delete(waiter)) reject(new Error(`the peer exited before ${what}`))
      })
    })
  }
  let next = 0
  const call = async (cmd: string, args: object = {}): Promise<unknown> => {
    const id = ++next
    child.stdin?.write(JSON.stringify({ id, cmd, args }) + '\n')
    const reply = await waitFor(`the reply to ${cmd}`, (line) => line.id === id && line.ev === undefined)
    if (reply.error !== undefined) throw new Error(reply.error)
    return reply.result
  }
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    await exited
  }
  t.teardown(() => kill('SIGKILL'))
  const ready = await waitFor('it was ready', (line) => line.ev === 'ready')
  return { id: ready.id as string, lines, call, waitFor, kill, get exitCode () { return child.exitCode } }
}
