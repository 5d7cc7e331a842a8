// Upload throughput on loopback: fastify-live's signed PUT per entry against
// a plain @fastify/multipart POST of the same file: `npm run bench:uploads`.
//
//   node bench/uploads.mjs [--mb 200] [--rounds 5]
//
// Both servers run in this process and write the file to disk as it
// arrives; the client is a child process that streams the same random bytes
// (one 64 KiB chunk, repeated) to each, alternating, round after round.
// fastify-live's side includes its announce over the live socket (the
// validation before any byte moves). Prints MB/s per round, the medians and
// the ratio.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import Fastify from 'fastify'
import multipart from '@fastify/multipart'
import live, { LiveView } from '../dist/index.js'
import { openLive } from '../dist/testing.js'
import { enforceLoopback } from './loopback.mjs'

enforceLoopback()
const { values: args } = parseArgs({ options: { mb: { type: 'string', default: '200' }, rounds: { type: 'string', default: '5' } } })
const SIZE = Number(args.mb) * 1024 * 1024
const ROUNDS = Number(args.rounds)
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-uploads-'))
writeFileSync(path.join(tmp, 'up.njk'), '{% for e in uploads.file.entries %}<p id="e-{{ e.ref }}">{{ e.progress }}</p>{% endfor %}<p id="n">{{ saved }}</p>')

class UploadView extends LiveView {
  static template = 'up.njk'
  static uploads = { file: { maxFileSize: 4 * 1024 * 1024 * 1024 } }
  saved = 0
  async save () { this.saved += (await this.consumeUploads('file', (f) => f.size)).length }
}
UploadView.handlers = { save: {} }

const liveApp = Fastify({ logger: false })
await liveApp.register(live, { templates: tmp, secret: 'bench-secret-bench-secret-bench-secret!' })
liveApp.live('/up', UploadView)
const liveBase = await liveApp.listen({ host: '127.0.0.1', port: 0 })

const mpApp = Fastify({ logger: false })
await mpApp.register(multipart, { limits: { fileSize: 4 * 1024 * 1024 * 1024 } })
mpApp.post('/up', async (request) => {
  const data = await request.file()
  const file = path.join(tmp, 'multipart.bin')
  await pipeline(data.file, createWriteStream(file))
  rmSync(file)
  return { ok: true }
})
const mpBase = await mpApp.listen({ host: '127.0.0.1', port: 0 })

/** Stream SIZE bytes from a child process: a raw PUT, or the same bytes as one multipart part. */
function send (url, method, multipartForm) {
  const script = `
    const chunk = require('node:crypto').randomBytes(65536)
    const size = ${SIZE}
    const head = Buffer.from(${multipartForm} ? '--b0undary\\r\\nContent-Disposition: form-data; name="file"; filename="f.bin"\\r\\nContent-Type: application/octet-stream\\r\\n\\r\\n' : '')
    const tail = Buffer.from(${multipartForm} ? '\\r\\n--b0undary--\\r\\n' : '')
    const type = ${multipartForm} ? 'multipart/form-data; boundary=b0undary' : 'application/octet-stream'
    const started = performance.now()
    const req = require('node:http').request(process.argv[1], { method: '${method}', headers: { 'content-type': type, 'content-length': head.length + size + tail.length } }, (r) => {
      r.resume()
      r.on('end', () => console.log(JSON.stringify({ status: r.statusCode, ms: performance.now() - started })))
    })
    req.write(head)
    let sent = 0
    const write = () => {
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent)
        sent += n
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return req.once('drain', write)
      }
      req.end(tail)
    }
    write()`
  return new Promise((resolve, reject) => execFile(process.execPath, ['-e', script, url], (err, out) => err ? reject(err) : resolve(JSON.parse(out))))
}

const page = await openLive(liveApp, '/up')
async function liveRound () {
  const started = performance.now()
  const reply = await page.send({ t: 'upload', id: page.roots[0].id, name: 'file', files: [{ name: 'f.bin', size: SIZE, type: 'application/octet-stream' }] })
  const res = await send(liveBase + reply.up[0][1], 'PUT', false)
  if (res.status !== 200) throw new Error(`fastify-live PUT answered ${res.status}`)
  const ms = performance.now() - started
  await page.event('save', {}, { type: 'submit' })
  return ms
}
async function multipartRound () {
  const res = await send(mpBase + '/up', 'POST', true)
  if (res.status !== 200) throw new Error(`multipart POST answered ${res.status}`)
  return res.ms
}

const mbps = (ms) => SIZE / 1024 / 1024 / (ms / 1000)
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const rows = { live: [], multipart: [] }
await liveRound() // warm-up, both sides
await multipartRound()
for (let r = 0; r < ROUNDS; r++) {
  // alternate which goes first, so neither always runs on a warmer machine
  if (r % 2 === 0) { rows.live.push(mbps(await liveRound())); rows.multipart.push(mbps(await multipartRound())) } else { rows.multipart.push(mbps(await multipartRound())); rows.live.push(mbps(await liveRound())) }
}
const live_ = median(rows.live)
const mp = median(rows.multipart)
console.log(`upload of ${args.mb} MB on loopback, ${ROUNDS} rounds (MB/s)`)
console.log(`| | rounds | median |\n|---|---|---|`)
console.log(`| fastify-live (announce + PUT) | ${rows.live.map((x) => x.toFixed(0)).join(', ')} | ${live_.toFixed(0)} |`)
console.log(`| @fastify/multipart POST | ${rows.multipart.map((x) => x.toFixed(0)).join(', ')} | ${mp.toFixed(0)} |`)
console.log(`ratio: ${(100 * live_ / mp).toFixed(0)}% of @fastify/multipart`)
page.close()
await liveApp.close()
await mpApp.close()
rmSync(tmp, { recursive: true, force: true })
