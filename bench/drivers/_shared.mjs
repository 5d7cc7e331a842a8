// Helpers the peer drivers share: the page GET and a WebSocket channel that
// sends one frame and waits for the frame that answers it.
//
// A driver (bench/drivers/<peer>.mjs) default-exports
//   { async open({ origin, view, index }) -> Session }
// where `open` does everything a browser does before the first event (page
// GET, socket connect, join/handshake) and a Session is
//   { async event({ h, p }) -> number   // reply bytes; rejects on error/timeout
//     async close() }
// `h` is the handler name ('inc' | 'toggle'), `p` its params (string values,
// as a browser sends them). Reply bytes are the application payload of every
// frame (or response body) received from sending the event until its reply,
// without WebSocket framing or HTTP headers.
import { Agent, request } from 'undici'
import WebSocket from 'ws'

export const EVENT_TIMEOUT_MS = Number(process.env.BENCH_EVENT_TIMEOUT_MS ?? 15000)
export const OPEN_TIMEOUT_MS = Number(process.env.BENCH_OPEN_TIMEOUT_MS ?? 20000)

// Page GETs share a small keep-alive pool: they are set-up, not the measured
// path, and a connection per session would only burn sockets.
const pageAgent = new Agent({ connections: 16, keepAliveTimeout: 30000 })

export async function getPage (url, headers = {}) {
  const res = await request(url, { dispatcher: pageAgent, headers, headersTimeout: OPEN_TIMEOUT_MS, bodyTimeout: OPEN_TIMEOUT_MS })
  const body = await res.body.text()
  if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${body.slice(0, 200)}`)
  return { body, headers: res.headers }
}

export function wsUrl (origin, path) {
  return origin.replace(/^http/, 'ws') + path
}

export class Channel {
  #ws
  #pending = null // { match, resolve, reject, bytes, timer }
  #closed = null

  static open (url) {
    return new Promise((resolve, reject) => {
      // Browsers offer permessage-deflate; so does ws by default. Whether it
      // is used is the server's choice, as it would be with a browser.
      const ws = new WebSocket(url, { handshakeTimeout: OPEN_TIMEOUT_MS })
      const fail = (err) => reject(err)
      ws.once('error', fail)
      ws.once('open', () => {
        ws.off('error', fail)
        resolve(new Channel(ws))
      })
    })
  }

  constructor (ws) {
    this.#ws = ws
    ws.on('message', (data) => this.#onMessage(data))
    ws.on('error', (err) => this.#fail(err))
    ws.on('close', (code) => {
      this.#closed = new Error(`socket closed (${code})`)
      this.#fail(this.#closed)
    })
  }

  // Sends `frame` and resolves with the bytes received until a frame for
  // which `match(buffer)` returns true (match may throw to reject). One call
  // at a time: a session waits for its reply before the next event.
  call (frame, match, timeoutMs = EVENT_TIMEOUT_MS) {
    if (this.#closed) return Promise.reject(this.#closed)
    if (this.#pending) return Promise.reject(new Error('a call is already pending'))
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs)
      this.#pending = { match, resolve, reject, bytes: 0, timer }
      // As a Buffer, ws masks it into one frame buffer and writes once; a
      // string goes out as two corked writes. The load client's own cost per
      // event should not be what limits a fast server.
      this.#ws.send(Buffer.from(frame), { binary: false })
    })
  }

  #onMessage (data) {
    const p = this.#pending
    if (!p) return // a server push outside any call: not part of a reply
    p.bytes += data.length
    let done
    try {
      done = p.match(data)
    } catch (err) {
      this.#fail(err)
      return
    }
    if (!done) return
    clearTimeout(p.timer)
    this.#pending = null
    p.resolve(p.bytes)
  }

  #fail (err) {
    const p = this.#pending
    if (!p) return
    clearTimeout(p.timer)
    this.#pending = null
    p.reject(err)
  }

  close () {
    return new Promise((resolve) => {
      if (this.#ws.readyState === WebSocket.CLOSED) return resolve()
      const timer = setTimeout(() => {
        this.#ws.terminate()
        resolve()
      }, 2000)
      this.#ws.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      this.#ws.close()
    })
  }
}
