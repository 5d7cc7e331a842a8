import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { createWriteStream, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { IncomingMessage } from 'node:http'
import { FST_LIVE_HANDLER, FST_LIVE_VIEW } from './errors.js'

// Uploads (API.md §11, docs/uploads.md). The browser announces its files in
// an `upload` frame; they are validated here before any byte moves; each
// valid entry gets a signed URL, and its bytes come in one HTTP PUT
// (lib/upload-route.ts), streamed to a temporary file and counted.

/** A view's `static uploads` entry, as users write it. */
export interface UploadSpec {
  /** File extensions (`.png`) and MIME types (`image/webp`, `image/*`); absent: any file. */
  accept?: string[]
  /** Files this name may hold at once. @default 1 */
  maxEntries?: number
  /** Bytes, per file. @default 8_000_000 */
  maxFileSize?: number
}

/** What `consumeUploads` hands its callback for each finished entry. */
export interface UploadedFile { path: string, name: string, type: string, size: number }

/** An entry as the template sees it (`uploads.<name>.entries`). */
export interface EntryView { ref: string, name: string, size: number, type: string, progress: number, errors: string[], done: boolean }

/** The validation and transfer errors a template may show. */
export type UploadError = 'not_accepted' | 'too_large' | 'too_many_files' | 'failed'

interface UploadConfig {
  readonly extensions: ReadonlySet<string>
  readonly types: ReadonlySet<string>
  /** `image/*` → `image/` */
  readonly families: readonly string[]
  readonly any: boolean
  readonly maxEntries: number
  readonly maxFileSize: number
}

export type UploadConfigs = ReadonlyMap<string, UploadConfig>

/** Entries (and files announced) per upload name at most, whatever a view declares. */
export const MAX_ENTRIES = 100
/** How long a signed upload URL may wait for its PUT to begin. */
export const UPLOAD_URL_TTL = 10 * 60_000
/** Progress re-renders of one view, at most one per this many ms. */
export const PROGRESS_MS = 100

/** `static uploads`, checked once at registration. */
export function uploadConfigs (view: string, spec: unknown): UploadConfigs {
  const configs = new Map<string, UploadConfig>()
  if (spec === undefined) return configs
  if (typeof spec !== 'object' || spec === null) throw new FST_LIVE_VIEW(`${view}.uploads must be an object of name → options, e.g. static uploads = { avatar: { accept: ['.png'], maxEntries: 1 } }`)
  for (const [name, raw] of Object.entries(spec)) {
    const where = `${view}.uploads.${name}`
    if (!/^[A-Za-z_$][\w$]{0,63}$/.test(name)) throw new FST_LIVE_VIEW(`${where}: an upload name must be an identifier of at most 64 characters`)
    const o = (raw ?? {}) as UploadSpec
    const maxEntries = o.maxEntries ?? 1
    const maxFileSize = o.maxFileSize ?? 8_000_000
    if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > MAX_ENTRIES) throw new FST_LIVE_VIEW(`${where}.maxEntries must be a whole number from 1 to ${MAX_ENTRIES}`)
    if (!Number.isSafeInteger(maxFileSize) || maxFileSize < 1) throw new FST_LIVE_VIEW(`${where}.maxFileSize must be a positive whole number of bytes`)
    const accept = o.accept
    if (accept !== undefined && (!Array.isArray(accept) || accept.some((a) => typeof a !== 'string' || !/^(\.[\w-]+|[\w.+-]+\/([\w.+-]+|\*))$/.test(a)))) {
      throw new FST_LIVE_VIEW(`${where}.accept must list extensions (".png") and MIME types ("image/webp", "image/*")`)
    }
    const list = (accept ?? []).map((a) => a.toLowerCase())
    configs.set(name, {
      extensions: new Set(list.filter((a) => a.startsWith('.'))),
      types: new Set(list.filter((a) => !a.startsWith('.') && !a.endsWith('/*'))),
      families: list.filter((a) => a.endsWith('/*')).map((a) => a.slice(0, -1)),
      any: accept === undefined,
      maxEntries,
      maxFileSize,
    })
  }
  return configs
}

function accepted (config: UploadConfig, name: string, type: string): boolean {
  if (config.any) return true
  const t = type.toLowerCase()
  return config.extensions.has(extname(name).toLowerCase()) || config.types.has(t) || config.families.some((f) => t.startsWith(f))
}

const enum State { Ready, Uploading, Done, Failed }

class Entry {
  readonly ref = randomBytes(12).toString('base64url')
  state = State.Ready
  received = 0
  errors: UploadError[] = []
  path: string | null = null
  /** Stops a transfer in progress (cancel, view closed). */
  abort: AbortController | null = null
  constructor (readonly owner: ViewUploads | null, readonly upload: string, readonly name: string, readonly size: number, readonly type: string) {}

  get progress (): number {
    if (this.state === State.Done) return 100
    return this.size === 0 ? 0 : Math.min(99, Math.floor(this.received * 100 / this.size))
  }
}

/** What a view's uploads call back into (lib/session.ts). */
export interface UploadHost {
  readonly id: string
  /** Re-render and patch the browser (progress, a finished or failed transfer). */
  push (): Promise<void>
}

/**
 * The uploads of one registration: the temporary folder, the signing key,
 * and every entry waiting for or receiving its bytes, by ref.
 */
export class UploadStore {
  readonly dir: string
  readonly #key: Buffer
  readonly #entries = new Map<string, Entry>()

  /** `root`: the app's folder (per secret) under the OS temp folder; this process gets a folder of its own in it. */
  constructor (secret: string, root = join(tmpdir(), 'fastify-live-' + createHash('sha256').update(secret).digest('base64url').slice(0, 8).replace(/[-_]/g, 'x'))) {
    this.#key = Buffer.from(secret)
    mkdirSync(root, { recursive: true, mode: 0o700 })
    removeStale(root)
    this.dir = join(root, `${HOST}.${process.pid}.${randomBytes(6).toString('hex')}`)
    mkdirSync(this.dir, { mode: 0o700 })
  }

  get size (): number { return this.#entries.size }

  /** The signed URL path of an entry: binds the view, the entry and an expiry. */
  sign (viewId: string, ref: string, now = Date.now()): string {
    const body = `${viewId}.${ref}.${(now + UPLOAD_URL_TTL).toString(36)}`
    return `${body}.${this.#mac(body)}`
  }

  /** The entry a token is for, or why there is none. */
  open (token: string, now = Date.now()): { entry: Entry } | { status: number, code: string, message: string } {
    const parts = token.split('.')
    if (parts.length !== 4) return { status: 403, code: 'bad_token', message: 'the upload token is malformed' }
    const body = parts.slice(0, 3).join('.')
    const mac = Buffer.from(parts[3]!)
    const expected = Buffer.from(this.#mac(body))
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return { status: 403, code: 'bad_token', message: 'the upload token signature is invalid' }
    if (parseInt(parts[2]!, 36) < now) return { status: 403, code: 'bad_token', message: 'the upload token has expired; choose the file again' }
    const entry = this.#entries.get(parts[1]!)
    if (entry === undefined || entry.owner?.host.id !== parts[0]) return { status: 404, code: 'gone', message: 'the upload was cancelled, consumed, or its view closed' }
    if (entry.state !== State.Ready) return { status: 409, code: 'started', message: 'this entry already received its upload' }
    return { entry }
  }

  add (entry: Entry): void { this.#entries.set(entry.ref, entry) }
  delete (entry: Entry): void { this.#entries.delete(entry.ref) }

  /** The app closes: stop every transfer and remove this process's folder. */
  close (): void {
    for (const entry of this.#entries.values()) entry.abort?.abort()
    this.#entries.clear()
    rmSync(this.dir, { recursive: true, force: true })
  }

  #mac (body: string): string {
    return createHmac('sha256', this.#key).update('upload:' + body).digest('base64url')
  }
}

/** This machine, in folder names: a temporary folder shared by containers must not see their processes as dead. */
const HOST = hostname().replace(/[^A-Za-z0-9-]/g, '') || 'host'

/** Folders of this host's processes that no longer run (a crash, a kill -9): their files would never be removed otherwise. */
function removeStale (root: string): void {
  for (const name of readdirSync(root)) {
    const owner = /^([A-Za-z0-9-]+)\.(\d+)\.[0-9a-f]+$/.exec(name)
    if (owner === null || owner[1] !== HOST) continue
    const pid = Number(owner[2])
    if (pid === process.pid || alive(pid)) continue
    rmSync(join(root, name), { recursive: true, force: true })
  }
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** One view's uploads: its entries by name, their validation, transfers, consumption and cleanup. */
export class ViewUploads {
  readonly #configs: UploadConfigs
  readonly #store: UploadStore
  readonly #entries = new Map<string, Entry[]>()
  readonly #errors = new Map<string, UploadError[]>()
  #timer: NodeJS.Timeout | null = null
  #closed = false

  constructor (readonly host: UploadHost, configs: UploadConfigs, store: UploadStore) {
    this.#configs = configs
    this.#store = store
  }

  /**
   * Files the browser chose or dropped: each is checked (`accept`,
   * `maxFileSize`) and the lot against `maxEntries`, before any byte is
   * sent. Returns `[index in files, ref, token]` for each valid one. Errors
   * of the previous announce are dropped.
   */
  announce (name: string, files: Array<{ name: string, size: number, type: string }>): Array<[number, string, string]> {
    const config = this.#configs.get(name)
    if (config === undefined) throw new FST_LIVE_HANDLER(`there is no upload "${name}" (static uploads: ${[...this.#configs.keys()].join(', ') || 'none'})`)
    // Entries that only showed an error are feedback for one announce.
    const kept = (this.#entries.get(name) ?? []).filter((e) => e.errors.length === 0)
    this.#errors.delete(name)
    const fresh = files.map((f) => new Entry(this, name, f.name, f.size, f.type))
    for (const e of fresh) {
      if (!accepted(config, e.name, e.type)) e.errors.push('not_accepted')
      if (e.size > config.maxFileSize) e.errors.push('too_large')
    }
    const valid = fresh.filter((e) => e.errors.length === 0)
    // One entry allowed and one file chosen: it replaces the one there (a single-file input picked again).
    if (config.maxEntries === 1 && files.length === 1 && valid.length === 1) {
      for (const e of kept.splice(0)) void this.#drop(e)
    }
    if (kept.length + valid.length > config.maxEntries) {
      this.#errors.set(name, ['too_many_files'])
      this.#entries.set(name, kept)
      return []
    }
    this.#entries.set(name, [...kept, ...fresh])
    const urls: Array<[number, string, string]> = []
    for (const e of valid) {
      this.#store.add(e)
      urls.push([fresh.indexOf(e), e.ref, this.#store.sign(this.host.id, e.ref)])
    }
    return urls
  }

  /** The bytes of `entry`, from its PUT: counted and streamed to a temporary file, stopped past the declared size. */
  async receive (entry: Entry, body: IncomingMessage): Promise<{ status: number, code?: string }> {
    entry.state = State.Uploading
    const path = entry.path = join(this.#store.dir, entry.ref)
    const abort = entry.abort = new AbortController()
    // Cancelled or its view closed: cut the connection, so the browser stops sending too.
    abort.signal.addEventListener('abort', () => body.socket.destroy(), { once: true })
    let over = false
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        entry.received += chunk.length
        // The declared size is within maxFileSize; more bytes than declared are refused whatever the browser claimed.
        if (entry.received > entry.size) {
          over = true
          // Cut the connection: answering would let the client go on sending what nobody reads.
          body.socket.destroy()
          return done(new Error('more bytes than declared'))
        }
        this.#progressed()
        done(null, chunk)
      },
    })
    try {
      await pipeline(body, counter, createWriteStream(path, { flags: 'wx' }), { signal: abort.signal })
      if (entry.received !== entry.size) throw new Error('fewer bytes than declared')
    } catch {
      entry.abort = null
      await rm(path, { force: true })
      entry.path = null
      // Cancelled or closed: the entry is gone already.
      if (abort.signal.aborted) return { status: 410, code: 'cancelled' }
      entry.state = State.Failed
      entry.errors.push(over ? 'too_large' : 'failed')
      this.#store.delete(entry)
      this.#changed()
      return over ? { status: 413, code: 'too_large' } : { status: 400, code: 'failed' }
    }
    entry.abort = null
    entry.state = State.Done
    this.#changed()
    return { status: 200 }
  }

  /** `uploads` in the template. */
  context (): Record<string, { entries: EntryView[], errors: UploadError[] }> {
    const out: Record<string, { entries: EntryView[], errors: UploadError[] }> = {}
    for (const name of this.#configs.keys()) {
      out[name] = {
        entries: (this.#entries.get(name) ?? []).map((e) => ({ ref: e.ref, name: e.name, size: e.size, type: e.type, progress: e.progress, errors: e.errors, done: e.state === State.Done })),
        errors: this.#errors.get(name) ?? [],
      }
    }
    return out
  }

  /** `this.consumeUploads(name, fn)`: `fn` for each finished entry, then its file is removed and the entry goes. */
  async consume<T> (name: string, fn: (file: UploadedFile) => T | Promise<T>): Promise<T[]> {
    if (!this.#configs.has(name)) throw new FST_LIVE_HANDLER(`consumeUploads("${name}"): there is no upload of that name (static uploads: ${[...this.#configs.keys()].join(', ') || 'none'})`)
    const all = this.#entries.get(name) ?? []
    const done = all.filter((e) => e.state === State.Done)
    this.#entries.set(name, all.filter((e) => e.state !== State.Done))
    const results: T[] = []
    try {
      for (const e of done) results.push(await fn({ path: e.path!, name: e.name, type: e.type, size: e.size }))
    } finally {
      await Promise.all(done.map((e) => this.#drop(e)))
    }
    return results
  }

  /** `this.cancelUpload(name, ref)`: stop its transfer, remove its file and the entry. */
  cancel (name: string, ref: string): boolean {
    const all = this.#entries.get(name)
    const entry = all?.find((e) => e.ref === ref)
    if (entry === undefined) return false
    all!.splice(all!.indexOf(entry), 1)
    void this.#drop(entry)
    return true
  }

  /** The view ends (or is parked): no file outlives it. */
  close (): void {
    this.#closed = true
    if (this.#timer !== null) clearTimeout(this.#timer)
    for (const list of this.#entries.values()) for (const e of list) void this.#drop(e)
    this.#entries.clear()
  }

  #drop (entry: Entry): Promise<void> | undefined {
    this.#store.delete(entry)
    if (entry.abort !== null) {
      // receive() removes the partial file once its pipeline has stopped.
      entry.abort.abort()
    } else if (entry.path !== null) {
      const path = entry.path
      entry.path = null
      return rm(path, { force: true })
    }
    return undefined
  }

  /** Progress re-renders at most every PROGRESS_MS per view. */
  #progressed (): void {
    if (this.#timer !== null || this.#closed) return
    this.#timer = setTimeout(() => {
      this.#timer = null
      void this.host.push()
    }, PROGRESS_MS)
  }

  /** A transfer ended: shown at once. */
  #changed (): void {
    if (this.#closed) return
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    void this.host.push()
  }
}

export type { Entry as UploadEntry }
