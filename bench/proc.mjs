// Child processes of the bench runners (run.mjs, memory.mjs): a peer server
// or the load client, pinned to a core with `taskset` when it is there, with
// its stdout lines and IPC messages to wait on. Every child is killed when
// the runner exits.
import { spawn, execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))

export const TASKSET = (() => {
  if (os.availableParallelism() < 2) return null
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' })
    return 'taskset'
  } catch {
    return null
  }
})()

// --- child processes ------------------------------------------------------

const children = new Set()
function killAll () {
  for (const child of children) {
    try { child.kill('SIGKILL') } catch {}
  }
}
process.on('exit', killAll)
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killAll()
    process.exit(130)
  })
}

export class Proc {
  #messages = []
  #waiters = []
  #lines = []
  #lineWaiters = []
  #seq = 0

  constructor (label, core, args, extraEnv = {}) {
    const argv = TASKSET ? ['taskset', '-c', String(core), process.execPath, ...args] : [process.execPath, ...args]
    this.label = label
    this.child = spawn(argv[0], argv.slice(1), {
      cwd: path.dirname(BENCH_DIR),
      env: { ...process.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc']
    })
    // taskset execs node in place, so this pid is the server's own.
    this.pid = this.child.pid
    children.add(this.child)
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        children.delete(this.child)
        this.exitCode = code
        this.exitSignal = signal
        this.#wake()
        resolve({ code, signal })
      })
    })
    this.closed = new Promise((resolve) => this.child.once('close', resolve))
    this.child.on('message', (msg) => {
      this.#messages.push(msg)
      this.#wake()
    })
    let buf = ''
    this.child.stdout.setEncoding('utf8').on('data', (chunk) => {
      buf += chunk
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        this.#lines.push(buf.slice(0, i))
        buf = buf.slice(i + 1)
        this.#wake()
      }
    })
    this.stderr = ''
    this.child.stderr.setEncoding('utf8').on('data', (chunk) => {
      if (this.stderr.length < 20000) this.stderr += chunk
      process.stderr.write(chunk.replace(/^(?=.)/gm, `  [${label}] `))
    })
  }

  #wake () {
    for (const w of this.#waiters.splice(0)) w()
    for (const w of this.#lineWaiters.splice(0)) w()
  }

  async #until (test, queueWaiters, what, timeoutMs) {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = test()
      if (found !== undefined) return found
      if (this.exitCode !== undefined || this.exitSignal) {
        const err = new Error(`${this.label} exited (${this.exitSignal ?? this.exitCode}) while waiting for ${what}`)
        err.exitCode = this.exitCode
        throw err
      }
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`${this.label}: no ${what} within ${timeoutMs} ms`)
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left)
        queueWaiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  /** Every stdout line not yet taken by line(), once the process has exited and its output is read. */
  async lines () {
    await this.closed
    return this.#lines.splice(0)
  }

  line (re, timeoutMs) {
    return this.#until(() => {
      const i = this.#lines.findIndex((l) => re.test(l))
      return i >= 0 ? this.#lines.splice(i, 1)[0].match(re) : undefined
    }, this.#lineWaiters, `line ${re}`, timeoutMs)
  }

  message (test, what, timeoutMs) {
    return this.#until(() => {
      const i = this.#messages.findIndex(test)
      return i >= 0 ? this.#messages.splice(i, 1)[0] : undefined
    }, this.#waiters, what, timeoutMs)
  }

  expect (type, timeoutMs) {
    return this.message((m) => m && m.type === type, `'${type}'`, timeoutMs)
  }

  send (msg) {
    if (this.child.connected) this.child.send(msg)
  }

  // cmd 'stats' (heap after GC), 'cpu' (process.cpuUsage(), no GC) or
  // 'snapshot' (a heap snapshot after GC, written to `extra.file`).
  async stats (cmd = 'stats', extra = {}) {
    const id = ++this.#seq
    this.send({ cmd, id, ...extra })
    return this.message((m) => m && m.id === id, cmd, 120000)
  }

  async stop () {
    if (this.exitCode !== undefined || this.exitSignal) return
    this.child.kill('SIGTERM')
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000)
    await this.exited
    clearTimeout(t)
  }
}

/**
 * A peer's server (bench/peers/<peer>.mjs) on core 0, in production mode, on
 * a free port. `await origin(server)` waits for its READY line.
 */
export function peerServer (peer, env = {}) {
  return new Proc(peer, 0, ['--expose-gc', path.join(BENCH_DIR, 'peers', `${peer}.mjs`), '--port', '0'], { PORT: '0', NODE_ENV: 'production', ...env })
}

/** The origin a peer server printed in its READY line (peers/_common.mjs). */
export async function origin (server) {
  return (await server.line(/^READY \S+ (http:\/\/\S+)$/, 60000))[1]
}

// CPU time of every thread of `pid`, in ns, read from outside the process.
// schedstat counts with ns resolution; /proc/<pid>/stat's 10 ms ticks are
// the fallback. Null without /proc.
export function procCpuNs (pid) {
  try {
    let total = 0
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
    }
    if (total > 0) return total
  } catch {}
  try {
    // after "(comm) ": utime and stime are the 12th and 13th fields
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 1e7
  } catch {}
  return null
}
