import t from 'tap'
import { stat } from 'node:fs/promises'
import { execFile } from 'node:child_process'
import { LiveView, eventHandler } from '../../lib/index.js'
import { openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { listen } from '../helpers/live.js'
import { tempFiles } from '../helpers/uploads.js'

// A large upload goes to disk as it arrives: the server's memory stays flat.

/** PUT `size` bytes (one reused 64 KiB chunk) from a child process; resolves with the status. */
function sendFrom (url: string, size: number): Promise<string> {
  const script = `
    const chunk = Buffer.alloc(65536, 7); let sent = 0
    const req = require('node:http').request(process.argv[1], { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': ${size} } }, (r) => { r.resume(); r.on('end', () => console.log(r.statusCode)) })
    const write = () => { while (sent < ${size}) { sent += chunk.length; if (!req.write(chunk)) return req.once('drain', write) } req.end() }
    write()`
  return new Promise((resolve, reject) => execFile(process.execPath, ['-e', script, url], (err, out) => err ? reject(err) : resolve(out.trim())))
}

const SIZE = 200 * 1024 * 1024
const BOUND = 16 * 1024 * 1024

class BigView extends LiveView {
  static override template = 'uploads-avatar.njk'
  static override uploads = { avatar: { maxFileSize: 300 * 1024 * 1024 } }
  saved: string[] = []

  @eventHandler()
  async save () {
    this.saved = await this.consumeUploads('avatar', async ({ path, size }) => `${size}|${(await stat(path)).size}`)
  }

  @eventHandler({ params: ['ref'] })
  cancel ({ ref }: { ref: string }) { this.cancelUpload('avatar', ref) }
}

t.test('a 200 MB upload raises the RSS by at most 16 MB', async (t) => {
  const app = await buildApp(t, [['/big', BigView]])
  const base = await listen(app)
  const page = await openLive(app, '/big')
  const upload = async (size: number): Promise<string> => {
    const reply = await page.send({ t: 'upload', id: page.roots[0]!.id, name: 'avatar', files: [{ name: 'big.bin', size, type: 'application/octet-stream' }] })
    return base + (reply.up as Array<[number, string]>)[0]![1]
  }
  // Node reclaims the buffers of a socket's reads lazily: even a server that
  // discards a body grows by tens of MB over its first large body, then stays
  // flat (~60 MB for a plain http server reading 200 MB cold, ~10 MB warm,
  // here). So a first upload of 64 MB settles the allocator; the bound is on
  // what the 200 MB upload adds after it: a file held in memory would add 200.
  t.equal(await sendFrom(await upload(64 * 1024 * 1024), 64 * 1024 * 1024), '200')
  await page.event('save', {}, { type: 'submit' })
  const url = await upload(SIZE)
  const baseline = process.memoryUsage().rss
  let peak = baseline
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 10)
  const started = performance.now()
  // The client is a process of its own, so this process's RSS is the server's.
  const status = await sendFrom(url, SIZE)
  const seconds = (performance.now() - started) / 1000
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage().rss)
  t.equal(status, '200')
  t.comment(`200 MB in ${seconds.toFixed(2)} s (${(SIZE / 1024 / 1024 / seconds).toFixed(0)} MB/s); RSS +${((peak - baseline) / 1024 / 1024).toFixed(1)} MB at its peak`)
  t.ok(peak - baseline <= BOUND, `RSS rose by ${((peak - baseline) / 1024 / 1024).toFixed(1)} MB (bound: 16 MB)`)
  await page.event('save', {}, { type: 'submit' })
  t.match(page.html(), `<span class="saved">${SIZE}|${SIZE}</span></p>`, 'the whole file was on disk')
  t.same(await tempFiles(app), [])
})
