import t from 'tap'
import type { FastifyRequest } from 'fastify'
import { originAllowed } from '../../lib/origin.js'

/** The parts of an upgrade request the check reads. */
function upgrade (host: string | undefined, origin: string | undefined, protocol: 'http' | 'https' = 'http'): FastifyRequest {
  const headers: Record<string, string> = {}
  if (host !== undefined) headers.host = host
  if (origin !== undefined) headers.origin = origin
  return { headers, protocol } as unknown as FastifyRequest
}
const allowed = (request: FastifyRequest, origins: string[] = [], hosts: string[] = []) => originAllowed(request, origins, hosts)

t.test('the page own origin passes: same scheme, host and port', async (t) => {
  t.ok(allowed(upgrade('app.example:3000', 'http://app.example:3000')))
  t.ok(allowed(upgrade('app.example', 'https://app.example', 'https')))
  t.ok(allowed(upgrade('app.example:443', 'https://app.example', 'https')), 'a default port in Host is the same origin')
  t.ok(allowed(upgrade('app.example:80', 'http://app.example')), 'for http too')
  t.ok(allowed(upgrade('App.Example:3000', 'http://app.example:3000')), 'host names compare without case')
  t.ok(allowed(upgrade('[::1]:3000', 'http://[::1]:3000')), 'an IPv6 host')
})

t.test('the right host with the wrong scheme or port is another origin', async (t) => {
  t.notOk(allowed(upgrade('app.example', 'https://app.example')), 'an https page on a socket served over http')
  t.notOk(allowed(upgrade('app.example', 'http://app.example', 'https')), 'an http page on an https server')
  t.notOk(allowed(upgrade('app.example:3000', 'http://app.example:4000')), 'another port')
  t.notOk(allowed(upgrade('app.example:3000', 'http://app.example')), 'no port for a page on port 3000')
  t.notOk(allowed(upgrade('app.example:443', 'https://app.example:8443', 'https')))
})

t.test('foreign, unreadable and opaque origins are refused; listed ones pass exactly', async (t) => {
  t.notOk(allowed(upgrade('app.example', 'http://evil.example')))
  t.notOk(allowed(upgrade('app.example', 'not a url')))
  t.notOk(allowed(upgrade('app.example', 'null')), 'a sandboxed frame or file: page')
  t.notOk(allowed(upgrade(undefined, 'http://app.example')), 'no Host to compare with')
  t.ok(allowed(upgrade('app.example', 'https://admin.example'), ['https://admin.example']))
  t.notOk(allowed(upgrade('app.example', 'http://admin.example'), ['https://admin.example']), 'listed with another scheme')
})

t.test('a client without Origin is not a browser and passes', async (t) => {
  t.ok(allowed(upgrade('app.example', undefined)))
})

t.test('allowedHosts refuses a Host it does not list, the shape of DNS rebinding', async (t) => {
  const hosts = ['app.example', '127.0.0.1:3000']
  // A rebinding page is same-origin with the name it rebound: only the Host list tells.
  t.notOk(allowed(upgrade('rebind.attacker.example:3000', 'http://rebind.attacker.example:3000'), [], hosts))
  t.notOk(allowed(upgrade('rebind.attacker.example', undefined), [], hosts), 'also without Origin')
  t.notOk(allowed(upgrade(undefined, undefined), [], hosts), 'and without Host')
  t.ok(allowed(upgrade('app.example', 'http://app.example'), [], hosts))
  t.ok(allowed(upgrade('APP.example', 'http://app.example'), [], hosts), 'without case')
  t.ok(allowed(upgrade('127.0.0.1:3000', undefined), [], hosts))
  t.ok(allowed(upgrade('app.example', 'http://app.example'), [], ['App.Example']), 'a listed name in capitals')
})
