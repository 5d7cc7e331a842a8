import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { FST_LIVE_BUNDLE_MISSING } from './errors.js'

/** Built by `npm run build` (scripts/build-browser.mjs); the same path from lib/ and dist/. */
const DIST = new URL('../dist/browser/', import.meta.url)

interface Asset { path: string, body: Buffer, gzip: Buffer, etag: string, type: string, immutable: boolean }

export interface Bundle {
  /** URL of the main bundle. */
  main: string
  /** URL of the debug panel bundle, when built. */
  debug: string | undefined
  /** URL of the uploads bundle (loaded by pages with `live-upload`), when built. */
  uploads: string | undefined
}

/**
 * Serves the browser bundle from memory under content-hashed URLs: read and
 * compressed once at start-up, cached forever by browsers (a new build is a
 * new URL).
 */
export function serveBundle (app: FastifyInstance, prefix: string, sourceMaps: boolean): Bundle {
  const main = load(prefix, 'live.js', true)
  const debugFile = fileURLToPath(new URL('live-debug.js', DIST))
  const debug = existsSync(debugFile) ? load(prefix, 'live-debug.js', false) : undefined
  const uploadsFile = fileURLToPath(new URL('live-uploads.js', DIST))
  const uploads = existsSync(uploadsFile) ? load(prefix, 'live-uploads.js', false) : undefined
  const assets = [main, debug, uploads].filter((a): a is Asset => a !== undefined)
  // Opt-in (`sourceMaps`): a map shows the bundle's source to anyone who asks.
  for (const name of sourceMaps ? ['live.js.map', 'live-debug.js.map', 'live-uploads.js.map'] : []) {
    const file = fileURLToPath(new URL(name, DIST))
    if (existsSync(file)) assets.push(asset(`${prefix}/${name}`, readFileSync(file), 'application/json', false))
  }
  for (const a of assets) {
    app.get(a.path, (request, reply) => {
      reply
        .header('etag', a.etag)
        .header('cache-control', a.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
        .header('vary', 'accept-encoding')
        .type(a.type)
      if (request.headers['if-none-match'] === a.etag) return reply.code(304).send()
      if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.header('content-encoding', 'gzip').send(a.gzip)
      return reply.send(a.body)
    })
  }
  return { main: main.path, debug: debug?.path, uploads: uploads?.path }
}

function load (prefix: string, name: string, required: boolean): Asset {
  const file = fileURLToPath(new URL(name, DIST))
  if (!existsSync(file) && required) throw new FST_LIVE_BUNDLE_MISSING(file)
  const body = readFileSync(file)
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 10)
  return asset(`${prefix}/${name.replace(/\.js$/, `.${hash}.js`)}`, body, 'text/javascript; charset=utf-8', true)
}

function asset (path: string, body: Buffer, type: string, immutable: boolean): Asset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`
  return { path, body, gzip: gzipSync(body, { level: 9 }), etag, type, immutable }
}
