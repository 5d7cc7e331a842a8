import type { FastifyRequest } from 'fastify'

/**
 * Cross-site WebSocket hijacking guard. A browser always sends `Origin`; it
 * must be the page's own (same scheme, host and port) or listed in
 * `allowedOrigins`. Clients without one (not browsers) pass. With
 * `allowedHosts`, the `Host` header must be listed too: a DNS-rebinding page
 * is same-origin with whatever host name it rebinds, but not a listed one.
 */
export function originAllowed (request: FastifyRequest, allowedOrigins: readonly string[], allowedHosts: readonly string[]): boolean {
  // Host names have no case; an Origin's is serialized in lower case.
  const host = request.headers.host?.toLowerCase()
  if (allowedHosts.length > 0 && (host === undefined || !allowedHosts.some((h) => h.toLowerCase() === host))) return false
  const origin = request.headers.origin
  if (origin === undefined) return true
  if (allowedOrigins.includes(origin)) return true
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  // The scheme the page was served with: the socket's own (wss behind TLS), or what a proxy says it was.
  const scheme = request.protocol === 'https' ? 'https:' : 'http:'
  return url.protocol === scheme && url.host === withoutDefaultPort(host, scheme)
}

function withoutDefaultPort (host: string | undefined, scheme: string): string | undefined {
  const port = scheme === 'https:' ? ':443' : ':80'
  return host?.endsWith(port) === true ? host.slice(0, -port.length) : host
}
