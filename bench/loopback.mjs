// Every benchmark process (peers and the load client) calls enforceLoopback()
// first. It refuses any outgoing TCP connection that is not to the loopback
// range, whatever library opens it (fetch/undici, http, https, tls, ws, redis):
// they all end in net.Socket.prototype.connect, so one guard covers them.
import net from 'node:net'

const GUARDED = Symbol.for('bench.loopbackGuard')

export function isLoopbackHost (host) {
  if (host === undefined || host === null || host === '' || host === 'localhost') return true
  const h = String(host).replace(/^\[|\]$/g, '')
  if (net.isIPv4(h)) return h.startsWith('127.')
  if (net.isIPv6(h)) return h === '::1' || /^::ffff:127\./i.test(h)
  return false
}

// net.connect() hands Socket#connect an already-normalised [options, cb]
// array; direct callers use (options), (port, host) or (path).
function targetOf (args) {
  let first = args[0]
  if (Array.isArray(first)) first = first[0]
  if (first && typeof first === 'object') {
    return first.path ? { path: first.path } : { host: first.host, port: first.port }
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return { path: first }
  return { host: typeof args[1] === 'string' ? args[1] : undefined, port: first }
}

export function enforceLoopback () {
  const proto = net.Socket.prototype
  if (proto[GUARDED]) return
  const connect = proto.connect
  proto.connect = function guardedConnect (...args) {
    const target = targetOf(args)
    if (target.path || isLoopbackHost(target.host)) return connect.apply(this, args)
    const err = new Error(`bench: refused a non-loopback connection to ${target.host}:${target.port}`)
    err.code = 'EBENCHREFUSED'
    // Fail the way a refused connection fails (asynchronously, via 'error'),
    // so callers' own error handling runs instead of a synchronous throw.
    process.nextTick(() => this.destroy(err))
    return this
  }
  proto[GUARDED] = true
}
