import t from 'tap'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { openLive, uploadFiles, type LivePage, type ServerFrame } from '../../lib/testing.js'
import { LiveView, eventHandler } from '../../lib/index.js'
import { buildApp } from '../helpers/app.js'
import { listen, until } from '../helpers/live.js'
import { AvatarView, settledTempFiles, sha256, tempFiles, uploadCore } from '../helpers/uploads.js'

async function setup (t: Tap.Test) {
  const app = await buildApp(t, [['/avatar', AvatarView]])
  const base = await listen(app)
  const page = await openLive(app, '/avatar')
  return { app, base, page }
}

type Up = Array<[number, string]>
const announce = async (page: LivePage, files: Array<{ name: string, size: number, type: string }>, name = 'avatar'): Promise<ServerFrame> =>
  await page.send({ t: 'upload', id: page.roots[0]!.id, name, files })

const put = (base: string, url: string, body: BodyInit | Buffer): Promise<Response> =>
  fetch(base + url, { method: 'PUT', body: body as BodyInit, headers: { 'content-type': 'application/octet-stream' }, duplex: 'half' } as RequestInit)

t.test('an announced file uploads over a signed PUT, reaches 100% and is consumed with its exact bytes; no file is left', async (t) => {
  const { app, base, page } = await setup(t)
  const bytes = randomBytes(300_000)
  const reply = await announce(page, [{ name: 'me.png', size: bytes.length, type: 'image/png' }])
  t.equal(reply.t, 'reply')
  const up = reply.up as Up
  t.equal(up.length, 1)
  t.match(up[0]![1], /^\/_live\/upload\//)
  t.match(page.html(), /me\.png <span class="progress">0<\/span>%/, 'the entry shows before any byte is sent')
  const done = page.next((f) => f.t === 'patch' && page.html().includes('class="entry done"'))
  const res = await put(base, up[0]![1], bytes)
  t.equal(res.status, 200)
  await done
  t.match(page.html(), /<span class="progress">100<\/span>%/)
  t.equal((await tempFiles(app)).length, 1, 'the file waits in the temporary folder')
  await page.event('save', {}, { type: 'submit' })
  t.match(page.html(), `me.png|image/png|${bytes.length}|${sha256(bytes)}`, 'consumeUploads saw the exact bytes')
  t.notMatch(page.html(), 'class="entry', 'consumed entries are gone')
  t.same(await tempFiles(app), [], 'consumed files are removed')
  t.equal(uploadCore(app).uploads.size, 0)
})

t.test('validation happens on announce: not_accepted, too_large and too_many_files, and a later announce still works', async (t) => {
  const { base, page } = await setup(t)
  let reply = await announce(page, [
    { name: 'notes.txt', size: 10, type: 'text/plain' },
    { name: 'huge.png', size: 2_000_000, type: 'image/png' },
    { name: 'ok.webp', size: 5, type: 'image/webp' },
  ])
  t.same((reply.up as Up).map(([i]) => i), [2], 'only the valid file gets an upload URL')
  const html = page.html()
  t.match(html, /notes\.txt[^]*?<b class="err">not_accepted<\/b>/)
  t.match(html, /huge\.png[^]*?<b class="err">too_large<\/b>/)
  t.match(html, /ok\.webp/)
  reply = await announce(page, [{ name: 'a.png', size: 1, type: 'image/png' }, { name: 'b.jpg', size: 1, type: 'image/jpeg' }])
  t.same(reply.up, [], 'one entry + two files is more than maxEntries (2)')
  t.match(page.html(), /id="errors"><b class="err">too_many_files<\/b>/)
  t.notMatch(page.html(), 'notes.txt', 'the errors of the last announce are gone')
  reply = await announce(page, [{ name: 'c.png', size: 3, type: 'image/png' }])
  t.equal((reply.up as Up).length, 1, 'announcing after too_many_files works')
  t.notMatch(page.html(), 'too_many_files')
  const res = await put(base, (reply.up as Up)[0]![1], Buffer.from('abc'))
  t.equal(res.status, 200)
  const unknown = await announce(page, [{ name: 'x.png', size: 1, type: 'image/png' }], 'photo')
  t.equal(unknown.code, 'invalid_params', 'an upload name the view does not declare is refused')
})

t.test('the server stops a transfer past its declared size and removes the partial file', async (t) => {
  const { app, base, page } = await setup(t)
  const reply = await announce(page, [{ name: 'liar.png', size: 1000, type: 'image/png' }])
  const failed = page.next((f) => f.t === 'patch' && page.html().includes('too_large'))
  const status = await put(base, (reply.up as Up)[0]![1], randomBytes(900_000)).then((r) => r.status, () => 'reset')
  t.ok(status === 413 || status === 'reset', `the PUT is refused (${status})`)
  await failed
  t.match(page.html(), /liar\.png[^]*?too_large/)
  await until(() => uploadCore(app).uploads.size === 0, 'the entry to be forgotten')
  t.same(await tempFiles(app), [])
  const fewer = await announce(page, [{ name: 'short.png', size: 10, type: 'image/png' }])
  t.equal((await put(base, (fewer.up as Up)[0]![1], Buffer.from('abc'))).status, 400, 'fewer bytes than declared fail')
  t.match(page.html(), /short\.png[^]*?<b class="err">failed<\/b>/)
  t.same(await tempFiles(app), [])
})

t.test('bad input: forged, reused, cancelled and flooded upload URLs are refused and leave nothing', async (t) => {
  const { app, base, page } = await setup(t)
  const reply = await announce(page, [{ name: 'a.png', size: 3, type: 'image/png' }, { name: 'b.png', size: 3, type: 'image/png' }])
  const [[, urlA], [, urlB]] = reply.up as Up
  const token = urlA!.split('/').pop()!
  const [id, ref, exp] = token.split('.')
  const forged = [
    `${id}.${ref}.${exp}.${'A'.repeat(43)}`, // wrong signature
    `${id}.${ref}.zzzzzzzz.${token.split('.')[3]}`, // a longer expiry under the old signature
    'not-a-token',
    `lv-AAAAAAAAAA.${ref}.${exp}.${token.split('.')[3]}`, // another view
  ]
  for (const f of forged) t.equal((await put(base, `/_live/upload/${f}`, Buffer.from('abc'))).status, 403, `refused: ${f.slice(0, 20)}`)
  const store = uploadCore(app).uploads
  t.equal((await put(base, `/_live/upload/${store.sign(page.roots[0]!.id, 'nosuchref')}`, Buffer.from('abc'))).status, 404, 'a signed ref that is not an entry')
  t.equal((await put(base, `/_live/upload/${store.sign(page.roots[0]!.id, ref!, Date.now() - 11 * 60_000)}`, Buffer.from('abc'))).status, 403, 'an expired token')
  t.equal((await put(base, urlA!, Buffer.from('abc'))).status, 200)
  t.equal((await put(base, urlA!, Buffer.from('abc'))).status, 409, 'a second PUT of one entry is refused')
  const refB = urlB!.split('/').pop()!.split('.')[1]!
  await page.event('cancel', { ref: refB })
  t.equal((await put(base, urlB!, Buffer.from('abc'))).status, 404, 'bytes after cancel are refused')
  const flood = await Promise.all(Array.from({ length: 200 }, (_, i) => put(base, `/_live/upload/${id}.${i}.${exp}.x`, randomBytes(1000)).then((r) => r.status)))
  t.ok(flood.every((s) => s === 403), 'a flood of forged PUTs is refused')
  const many = await announce(page, Array.from({ length: 100 }, (_, i) => ({ name: `${i}.png`, size: 1, type: 'image/png' })))
  t.same(many.up, [], 'a hundred files at once: too_many_files, nothing registered')
  const tooMany = await announce(page, Array.from({ length: 101 }, (_, i) => ({ name: `${i}.png`, size: 1, type: 'image/png' })))
  t.equal(tooMany.code, 'bad_message', 'more than 100 files in one frame is refused by the protocol')
  t.same(await tempFiles(app), [(urlA!.split('/').pop()!.split('.')[1])], 'only the one finished upload has a file')
  t.equal(store.size, 1)
})

t.test('a transfer in progress stops and its file is removed when the view closes; so are finished, unconsumed files', async (t) => {
  const { app, base, page } = await setup(t)
  const reply = await announce(page, [{ name: 'slow.png', size: 500_000, type: 'image/png' }, { name: 'done.png', size: 3, type: 'image/png' }])
  const [[, slow], [, fast]] = reply.up as Up
  t.equal((await put(base, fast!, Buffer.from('abc'))).status, 200)
  let sent = 0
  const body = new Readable({
    read () {
      if (sent >= 100_000) return // and then nothing more: the transfer hangs mid-way
      sent += 50_000
      this.push(randomBytes(50_000))
    },
  })
  const hanging = put(base, slow!, body as unknown as BodyInit).then((r) => r.status, () => 'reset')
  // 100,000 of 500,000 bytes: the server counts them and shows 20%
  await page.next((f) => f.t === 'patch' && page.html().includes('slow.png <span class="progress">20</span>%'))
  t.pass('progress is counted by the server')
  t.equal((await tempFiles(app)).length, 2)
  await page.send({ t: 'leave', id: page.roots[0]!.id })
  t.equal(await hanging, 'reset', 'the hanging transfer was cut off')
  await until(() => uploadCore(app).uploads.size === 0, 'entries to go')
  await t.resolves(until(() => existsSync(uploadCore(app).uploads.dir), 'folder'))
  const left = async (): Promise<number> => (await tempFiles(app)).length
  for (let i = 0; i < 100 && await left() > 0; i++) await new Promise((resolve) => setImmediate(resolve))
  t.same(await tempFiles(app), [], 'no temporary file outlives its view')
})

t.test('the temporary folder of a crashed process is removed at start, and the app removes its own on close', async (t) => {
  const first = await buildApp({ teardown: () => {} }, [['/avatar', AvatarView]])
  const root = join(uploadCore(first).uploads.dir, '..')
  const dir = uploadCore(first).uploads.dir
  await first.close()
  t.notOk(existsSync(dir), 'closed: its folder is gone')
  const host = hostname().replace(/[^A-Za-z0-9-]/g, '') || 'host'
  const crashed = join(root, `${host}.4194305.deadbeef0000`) // above Linux's largest pid: no such process
  const elsewhere = join(root, 'another-host.4194305.deadbeef0000') // a container sharing the folder: its pids are not ours
  for (const dir of [crashed, elsewhere]) {
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'leftover'), 'x')
  }
  t.teardown(() => rmSync(elsewhere, { recursive: true, force: true }))
  const app = await buildApp(t, [['/avatar', AvatarView]])
  t.notOk(existsSync(crashed), 'the dead process\'s folder was removed at start')
  t.ok(existsSync(elsewhere), 'another host\'s folder is left alone')
  t.ok(existsSync(uploadCore(app).uploads.dir))
})

t.test('static uploads is checked at registration', async (t) => {
  const bad = (uploads: unknown): typeof LiveView => class extends AvatarView { static override uploads = uploads as any }
  for (const [uploads, message] of [
    [{ avatar: { maxEntries: 0 } }, /maxEntries must be a whole number from 1 to 100/],
    [{ avatar: { maxFileSize: -1 } }, /maxFileSize must be a positive whole number/],
    [{ avatar: { accept: ['png'] } }, /accept must list extensions/],
    [{ 'bad name': {} }, /an upload name must be an identifier/],
    ['x', /uploads must be an object/],
  ] as const) {
    await t.rejects(buildApp(t, [['/x', bad(uploads) as any]]), { code: 'FST_LIVE_VIEW', message }, String(message))
  }
  class Clash extends AvatarView { uploads = 1 }
  await t.rejects(buildApp(t, [['/x', Clash]]), { code: 'FST_LIVE_VIEW', message: /property named "uploads"/ })
})

class OneImageView extends LiveView {
  static override template = 'uploads-avatar.njk'
  static override uploads = { avatar: { accept: ['image/*'] }, other: {} }
  saved: string[] = []
  failNext = false

  @eventHandler()
  async save () {
    this.saved = await this.consumeUploads('avatar', async ({ name }) => {
      if (name === 'boom.png') throw new Error('storage is down')
      return name
    })
  }

  @eventHandler()
  async wrongName () { await this.consumeUploads('nope', () => 1) }

  @eventHandler()
  cancelNothing () { this.saved = [String(this.cancelUpload('avatar', 'no-such-ref'))] }

  @eventHandler({ params: ['ref'] })
  cancel ({ ref }: { ref: string }) { this.cancelUpload('avatar', ref) }
}

t.test('maxEntries 1: a file chosen again replaces the entry; image/* accepts by type; a consumer that throws still removes the files', async (t) => {
  const app = await buildApp(t, [['/one', OneImageView]])
  const base = await listen(app)
  const page = await openLive(app, '/one')
  let reply = await announce(page, [{ name: 'first.gif', size: 3, type: 'image/gif' }])
  t.equal((await put(base, (reply.up as Up)[0]![1], Buffer.from('abc'))).status, 200)
  reply = await announce(page, [{ name: 'noext', size: 3, type: 'image/avif' }])
  t.equal((reply.up as Up).length, 1, 'image/* takes any image type')
  t.notMatch(page.html(), 'first.gif', 'the new file replaced the entry')
  t.same(await settledTempFiles(app), [], 'and its file')
  reply = await announce(page, [{ name: 'boom.png', size: 3, type: 'image/png' }])
  t.equal((await put(base, (reply.up as Up)[0]![1], Buffer.from('abc'))).status, 200)
  const failed = await page.event('save', {}, { type: 'submit' })
  t.equal(failed.code, 'handler_error')
  t.same(await tempFiles(app), [], 'the files are removed even when the consumer throws')
  t.equal((await page.event('wrongName')).code, 'handler_error', 'consumeUploads of an undeclared name throws')
  await page.event('cancelNothing')
  t.match(page.html(), '<span class="saved">false</span>', 'cancelUpload of an unknown ref returns false')
  const any = await announce(page, [{ name: 'x.exe', size: 1, type: '' }], 'other')
  t.equal((any.up as Up).length, 1, 'without accept, any file is taken')
})

t.test('progress renders at most one per 100 ms, and a view that is not connected has nothing to consume or cancel', async (t) => {
  const { base, page } = await setup(t)
  const reply = await announce(page, [{ name: 'drip.png', size: 400_000, type: 'image/png' }])
  let patches = 0
  const counting = (async () => { for (;;) { const f = await page.next((f) => f.t === 'patch'); patches++; if (page.html().includes('class="entry done"')) return f } })()
  let sent = 0
  const started = performance.now()
  const body = new Readable({
    read () {
      if (sent >= 400_000) return this.push(null)
      sent += 10_000
      // forty writes, 10 ms apart: a slow client for at least 400 ms
      setTimeout(() => this.push(randomBytes(10_000)), 10)
    },
  })
  t.equal(await put(base, (reply.up as Up)[0]![1], body as unknown as BodyInit).then((r) => r.status), 200)
  await counting
  const ms = performance.now() - started
  t.comment(`${patches} patches over ${ms.toFixed(0)} ms for 40 chunks`)
  t.ok(patches >= 2, 'progress showed on the way, not only at the end')
  t.ok(patches <= Math.floor(ms / 100) + 2, `${patches} patches in ${ms.toFixed(0)} ms: at most one per 100 ms, plus the last`)
  const view = new AvatarView()
  t.equal(view.cancelUpload('avatar', 'x'), false)
  await t.rejects(view.consumeUploads('avatar', () => 1), /consumeUploads\(\) needs a mounted view/)
})

t.test('closing the app during a transfer cuts it and removes the folder', async (t) => {
  const app = await buildApp({ teardown: () => {} }, [['/avatar', AvatarView]])
  const base = await listen(app)
  const page = await openLive(app, '/avatar')
  const reply = await announce(page, [{ name: 'slow.png', size: 500_000, type: 'image/png' }])
  let sent = 0
  const body = new Readable({ read () { if (sent < 50_000) { sent += 50_000; this.push(randomBytes(50_000)) } } })
  const hanging = put(base, (reply.up as Up)[0]![1], body as unknown as BodyInit).then((r) => r.status, () => 'reset')
  await page.next((f) => f.t === 'patch' && page.html().includes('<span class="progress">10</span>'))
  const dir = uploadCore(app).uploads.dir
  page.close()
  await app.close()
  t.equal(await hanging, 'reset')
  t.notOk(existsSync(dir))
})

t.test('fastify-live/testing: uploadFiles chooses files as a user does, without a port', async (t) => {
  const app = await buildApp(t, [['/avatar', AvatarView]])
  const page = await openLive(app, '/avatar')
  const data = randomBytes(70_000)
  const reply = await uploadFiles(app, page, 'avatar', [{ name: 'me.png', type: 'image/png', data }, { name: 'x.txt', data: Buffer.from('x') }])
  t.equal((reply.up as Up).length, 1)
  t.match(page.html(), /me\.png <span class="progress">100<\/span>%/, 'the page shows the finished upload')
  t.match(page.html(), /x\.txt[^]*?not_accepted/)
  await page.event('save', {}, { type: 'submit' })
  t.match(page.html(), `me.png|image/png|70000|${sha256(data)}`)
  t.same(await tempFiles(app), [])
})

t.test('entries that only show errors do not pile up; an empty file uploads; a view without uploads refuses an announce', async (t) => {
  const app = await buildApp(t, [['/avatar', AvatarView], ['/plain', class extends LiveView { static override template = 'counter.njk'; count = 0 }]])
  const page = await openLive(app, '/avatar')
  const bad = Array.from({ length: 100 }, (_, i) => ({ name: `${i}.txt`, size: 1, type: 'text/plain' }))
  for (let round = 0; round < 3; round++) await announce(page, bad)
  t.equal(page.html().match(/class="entry/g)?.length, 100, 'three announces of 100 refused files: 100 entries, not 300')
  const empty = await uploadFiles(app, page, 'avatar', [{ name: 'empty.png', type: 'image/png', data: Buffer.alloc(0) }])
  t.equal((empty.up as Up).length, 1)
  t.match(page.html(), /empty\.png <span class="progress">100<\/span>%/)
  t.equal(page.html().match(/class="entry/g)?.length, 1, 'the refused ones went with the next announce')
  const plain = await openLive(app, '/plain')
  const refused = await announce(plain, [{ name: 'a.png', size: 1, type: 'image/png' }])
  t.equal(refused.code, 'invalid_params')
})

t.test('a parked view (its socket dropped) keeps no files: uploads do not survive a reconnect', async (t) => {
  const app = await buildApp(t, [['/avatar', AvatarView]])
  const page = await openLive(app, '/avatar')
  await uploadFiles(app, page, 'avatar', [{ name: 'me.png', type: 'image/png', data: Buffer.from('abc') }])
  t.equal((await tempFiles(app)).length, 1)
  page.close() // no closing handshake: the view is parked for a rejoin
  t.same(await settledTempFiles(app), [])
  await until(() => uploadCore(app).uploads.size === 0, 'the entry to go')
})

t.test('a template that fails to show the entries answers the announce with an error, and nothing is sent', async (t) => {
  class BrokenView extends LiveView {
    static override template = 'uploads-broken.njk'
    static override uploads = { avatar: {} }
  }
  const app = await buildApp(t, [['/broken', BrokenView]])
  const page = await openLive(app, '/broken')
  const reply = await announce(page, [{ name: 'a.png', size: 1, type: 'image/png' }])
  t.equal(reply.t, 'error')
  t.equal(reply.code, 'handler_error')
  t.same(await tempFiles(app), [])
})
