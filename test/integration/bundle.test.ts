import { gunzipSync } from 'node:zlib'
import { readFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import { LiveView } from '../../lib/index.js'
import { buildApp } from '../helpers/app.js'

class CounterView extends LiveView {
  static override template = 'counter.njk'
  count = 0
}

const built = readFileSync(new URL('../../dist/browser/live.js', import.meta.url))

async function bundleUrl (t: Test, options = {}) {
  const app = await buildApp(t, [['/counter', CounterView]], options)
  const page = await app.inject('/counter')
  const tag = /<script type="module" src="([^"]+)" data-live-socket="([^"]+)"/.exec(page.body)
  t.ok(tag, 'the page includes the bundle')
  return { app, src: tag![1]!, socket: tag![2]! }
}

t.test('the page script tag points at the content-hashed bundle and the socket', async (t) => {
  const { src, socket } = await bundleUrl(t)
  t.match(src, /^\/_live\/live\.[0-9a-f]{10}\.js$/)
  t.equal(socket, '/_live/socket')
})

t.test('the bundle is served with an etag and cached forever', async (t) => {
  const { app, src } = await bundleUrl(t)
  const res = await app.inject(src)
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/javascript/)
  t.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable')
  t.match(res.headers.etag, /^"[\w-]{16}"$/)
  t.equal(res.headers.vary, 'accept-encoding')
  t.equal(res.headers['content-encoding'], undefined, 'not compressed unless asked')
  t.same(res.rawPayload, built, 'the built bundle, byte for byte')
})

t.test('the bundle is gzipped when the client accepts it', async (t) => {
  const { app, src } = await bundleUrl(t)
  const res = await app.inject({ url: src, headers: { 'accept-encoding': 'br, gzip;q=0.8' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-encoding'], 'gzip')
  t.same(gunzipSync(res.rawPayload), built)
})

t.test('a matching if-none-match answers 304 without a body', async (t) => {
  const { app, src } = await bundleUrl(t)
  const { etag } = (await app.inject(src)).headers
  const res = await app.inject({ url: src, headers: { 'if-none-match': String(etag) } })
  t.equal(res.statusCode, 304)
  t.equal(res.body, '')
  t.equal(res.headers.etag, etag)
  const stale = await app.inject({ url: src, headers: { 'if-none-match': '"something-else"' } })
  t.equal(stale.statusCode, 200)
})

t.test('the prefix option moves the bundle and the socket', async (t) => {
  const { app, src, socket } = await bundleUrl(t, { prefix: '/assets/live' })
  t.match(src, /^\/assets\/live\/live\.[0-9a-f]{10}\.js$/)
  t.equal(socket, '/assets/live/socket')
  t.equal((await app.inject(src)).statusCode, 200)
  t.equal((await app.inject('/_live/socket')).statusCode, 404)
})

t.test('an unhashed or unknown bundle URL is not served', async (t) => {
  const { app } = await bundleUrl(t)
  t.equal((await app.inject('/_live/live.js')).statusCode, 404)
  t.equal((await app.inject('/_live/live.0000000000.js')).statusCode, 404)
})

t.test('the source maps are not served by default', async (t) => {
  const { app } = await bundleUrl(t)
  t.equal((await app.inject('/_live/live.js.map')).statusCode, 404)
  t.equal((await app.inject('/_live/live-debug.js.map')).statusCode, 404)
})

t.test('sourceMaps: true serves them', async (t) => {
  const { app } = await bundleUrl(t, { sourceMaps: true })
  const res = await app.inject('/_live/live.js.map')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /application\/json/)
  t.equal(res.headers['cache-control'], 'no-cache', 'the map keeps its name across builds, so it is revalidated')
  t.equal(res.body, readFileSync(new URL('../../dist/browser/live.js.map', import.meta.url), 'utf8'))
  t.equal((await app.inject('/_live/live-debug.js.map')).statusCode, 200)
})
