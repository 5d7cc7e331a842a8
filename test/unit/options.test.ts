import { resolve } from 'node:path'
import t, { type Test } from 'tap'
import type { FastifyBaseLogger } from 'fastify'
import { resolveOptions, type LiveOptions } from '../../lib/options.js'

const SECRET = 'a'.repeat(32)

/** A logger that remembers its warnings. */
function logger (): FastifyBaseLogger & { warnings: string[] } {
  const warnings: string[] = []
  const noop = () => {}
  const log: any = { warnings, warn: (msg: string) => warnings.push(msg), info: noop, error: noop, debug: noop, trace: noop, fatal: noop, level: 'info' }
  log.child = () => log
  return log
}

const resolved = (opts: LiveOptions) => resolveOptions(opts, logger())
const refuses = (t: Test, opts: unknown, message: RegExp) =>
  t.throws(() => resolveOptions(opts as LiveOptions, logger()), { code: 'FST_LIVE_OPTIONS', message }, JSON.stringify(opts))

function withNodeEnv (t: Test, value: string | undefined): void {
  const before = process.env.NODE_ENV
  if (value === undefined) delete process.env.NODE_ENV
  else process.env.NODE_ENV = value
  t.teardown(() => {
    if (before === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = before
  })
}

t.test('every option has a default', async (t) => {
  withNodeEnv(t, undefined)
  const o = resolveOptions({ secret: SECRET }, logger())
  t.same(o.templates, [resolve(process.cwd(), 'templates')])
  t.equal(o.layout, 'live/layout.njk')
  t.equal(o.prefix, '/_live')
  t.equal(o.debug, true, 'debug outside production')
  t.equal(o.production, false)
  t.equal(o.tokenMaxAge, 86_400_000)
  t.equal(o.handoffTtl, 10_000)
  t.equal(o.maxMessageBytes, 65_536)
  t.equal(o.maxViewsPerSocket, 100)
  t.same(o.rateLimit, { burst: 200, perSecond: 100 })
  t.same(o.allowedOrigins, [])
  t.equal(o.maxCacheBytes, 1_048_576, '@cache snapshots: 1 MiB per socket')
  t.equal(o.onForbidden, null)
  t.same([...(await o.permissions({} as any))], [], 'no permissions are granted by default')
})

t.test('given options are kept', async (t) => {
  const permissions = () => ['a']
  const onForbidden = () => {}
  const o = resolved({
    templates: ['/abs/one', 'rel'],
    secret: SECRET,
    permissions,
    onForbidden,
    layout: false,
    prefix: '/live-x/v1',
    debug: false,
    tokenMaxAge: 1000,
    handoffTtl: 2000,
    maxMessageBytes: 100,
    maxViewsPerSocket: 3,
    rateLimit: { burst: 5 },
    allowedOrigins: ['https://example.com'],
    maxCacheBytes: 4096,
  })
  t.equal(o.maxCacheBytes, 4096)
  t.same(o.templates, ['/abs/one', resolve(process.cwd(), 'rel')], 'relative directories resolve against the working directory')
  t.equal(o.secret, SECRET)
  t.equal(o.permissions, permissions)
  t.equal(o.onForbidden, onForbidden)
  t.equal(o.layout, false)
  t.equal(o.prefix, '/live-x/v1')
  t.equal(o.debug, false)
  t.same([o.tokenMaxAge, o.handoffTtl, o.maxMessageBytes, o.maxViewsPerSocket], [1000, 2000, 100, 3])
  t.same(o.rateLimit, { burst: 5, perSecond: 100 })
  t.same(o.allowedOrigins, ['https://example.com'])
  t.same(resolved({ templates: 'views', secret: SECRET }).templates, [resolve(process.cwd(), 'views')], 'one directory may be a string')
})

t.test('an unknown option is refused, listing the options', async (t) => {
  const err = t.throws(() => resolved({ secret: SECRET, port: 1 } as any))
  t.ok(err instanceof TypeError, 'option errors are TypeErrors')
  refuses(t, { secret: SECRET, templateDir: 'x' }, /invalid plugin option "templateDir": there is no such option \(the options are templates, secret, permissions/)
})

t.test('each option is validated', async (t) => {
  refuses(t, { templates: 5 }, /"templates": give a directory or a list of directories/)
  refuses(t, { templates: [''] }, /"templates"/)
  refuses(t, { templates: ['ok', 3] }, /"templates"/)
  refuses(t, { secret: 'short' }, /"secret": use a random string of at least 32 characters/)
  refuses(t, { secret: 12345 }, /"secret"/)
  refuses(t, { secret: SECRET, permissions: ['admin'] }, /"permissions": give a function/)
  refuses(t, { secret: SECRET, onForbidden: '/login' }, /"onForbidden": give a function/)
  refuses(t, { secret: SECRET, layout: '' }, /"layout": give a template name or false/)
  refuses(t, { secret: SECRET, layout: true }, /"layout"/)
  for (const prefix of ['live', '/live/', '/', '', 5]) {
    refuses(t, { secret: SECRET, prefix }, /"prefix": give a path such as "\/_live"/)
  }
  refuses(t, { secret: SECRET, debug: 'yes' }, /"debug": give true or false/)
  for (const name of ['tokenMaxAge', 'handoffTtl', 'maxMessageBytes', 'maxViewsPerSocket', 'maxCacheBytes']) {
    refuses(t, { secret: SECRET, [name]: 0 }, new RegExp(`"${name}": give a (whole )?number greater than 0`))
    refuses(t, { secret: SECRET, [name]: -1 }, new RegExp(`"${name}"`))
    refuses(t, { secret: SECRET, [name]: '10' }, new RegExp(`"${name}"`))
    refuses(t, { secret: SECRET, [name]: NaN }, new RegExp(`"${name}"`))
  }
  refuses(t, { secret: SECRET, rateLimit: 10 }, /"rateLimit": give \{ burst, perSecond \}/)
  refuses(t, { secret: SECRET, rateLimit: { burst: 0 } }, /"rateLimit\.burst": give a whole number greater than 0/)
  refuses(t, { secret: SECRET, rateLimit: { perSecond: -1 } }, /"rateLimit\.perSecond"/)
  refuses(t, { secret: SECRET, allowedOrigins: 'https://example.com' }, /"allowedOrigins": give a list of origins/)
  refuses(t, { secret: SECRET, allowedOrigins: [1] }, /"allowedOrigins"/)
})

t.test('in production the secret is required', async (t) => {
  withNodeEnv(t, 'production')
  t.throws(() => resolveOptions({}, logger()), { code: 'FST_LIVE_SECRET_REQUIRED', message: /the `secret` option is required in production \(NODE_ENV=production\)/ })
  t.throws(() => resolveOptions({ secret: '' }, logger()), { code: 'FST_LIVE_SECRET_REQUIRED' })
  const o = resolveOptions({ secret: SECRET }, logger())
  t.equal(o.production, true)
  t.equal(o.debug, false, 'no debug details in production unless asked for')
  t.equal(resolveOptions({ secret: SECRET, debug: true }, logger()).debug, true)
})

t.test('outside production a missing secret becomes a random one, with a warning', async (t) => {
  withNodeEnv(t, 'development')
  const log = logger()
  const a = resolveOptions({}, log)
  t.match(a.secret, /^[0-9a-f]{64}$/)
  t.equal(log.warnings.length, 1)
  t.match(log.warnings[0], /no `secret` option; using a random one.*required when NODE_ENV=production/)
  t.not(resolveOptions({}, logger()).secret, a.secret, 'each registration gets its own')
  const quiet = logger()
  resolveOptions({ secret: SECRET }, quiet)
  t.same(quiet.warnings, [], 'no warning when a secret is given')
})

t.test('rateLimit, prefix and counts are checked strictly', async (t) => {
  const log = { warn () {} } as any
  for (const [opts, msg] of [
    [{ rateLimit: { burts: 5 } }, /rateLimit/],
    [{ rateLimit: null }, /rateLimit/],
    [{ prefix: '/live?' }, /prefix/],
    [{ prefix: '/ab ' }, /prefix/],
    [{ prefix: '/live/' }, /prefix/],
    [{ maxViewsPerSocket: 2.5 }, /whole number/],
    [{ maxCacheBytes: 1024.5 }, /"maxCacheBytes": give a whole number/],
    [{ rateLimit: { burst: 1.5 } }, /whole number/],
  ] as const) {
    t.throws(() => resolveOptions({ secret: 's'.repeat(32), ...(opts as any) }, log), { code: 'FST_LIVE_OPTIONS', message: msg }, JSON.stringify(opts))
  }
  t.equal(resolveOptions({ secret: 's'.repeat(32), prefix: '/a/b-c_d' }, log).prefix, '/a/b-c_d')
})

t.test('an option given as undefined (secret: process.env.LIVE_SECRET, unset) means its default', async (t) => {
  withNodeEnv(t, 'test')
  const keys = ['templates', 'secret', 'permissions', 'onForbidden', 'layout', 'prefix', 'debug', 'tokenMaxAge',
    'handoffTtl', 'maxMessageBytes', 'maxViewsPerSocket', 'rateLimit', 'allowedOrigins'] as const
  const undefinedEverywhere: LiveOptions = Object.fromEntries(keys.map((k) => [k, undefined]))
  const { secret, permissions, ...given } = resolved({ ...undefinedEverywhere, rateLimit: { burst: undefined, perSecond: undefined } })
  const { secret: s2, permissions: p2, ...defaults } = resolved({})
  t.same(given, defaults)
  t.equal(secret.length, 64, 'a random secret, as when left out')
})

t.test('the bounds on work and buffers have defaults', async (t) => {
  const o = resolved({ secret: SECRET })
  t.same(o.allowedHosts, [], 'any host')
  t.equal(o.maxBufferedBytes, 2_097_152, '2 MiB unsent per socket')
  t.equal(o.maxTotalBufferedBytes, 4_194_304, '4 MiB unsent by all sockets')
  t.equal(o.drainTimeout, 30_000)
  t.same(o.queue, { maxJobs: 64, maxBytes: 1_048_576 })
  t.equal(o.handlerTimeout, 0, 'no handler timeout')
  t.equal(o.recheckPermissions, 'join')
  t.equal(o.sourceMaps, false, 'source maps are not served')
})

t.test('the bounds on work and buffers are kept as given', async (t) => {
  const o = resolved({
    secret: SECRET,
    allowedHosts: ['app.example'],
    maxBufferedBytes: 65_536,
    maxTotalBufferedBytes: 1_000_000,
    drainTimeout: 500,
    queueLimit: { events: 4 },
    handlerTimeout: 250,
    recheckPermissions: 'every-event',
    sourceMaps: true,
  })
  t.same(o.allowedHosts, ['app.example'])
  t.same([o.maxBufferedBytes, o.maxTotalBufferedBytes, o.drainTimeout, o.handlerTimeout], [65_536, 1_000_000, 500, 250])
  t.same(o.queue, { maxJobs: 4, maxBytes: 1_048_576 }, 'a queueLimit part left out keeps its default')
  t.same(resolved({ secret: SECRET, queueLimit: { bytes: 10 } }).queue, { maxJobs: 64, maxBytes: 10 })
  t.equal(o.recheckPermissions, 'every-event')
  t.equal(o.sourceMaps, true)
  t.equal(resolved({ secret: SECRET, handlerTimeout: 0 }).handlerTimeout, 0, '0 is no limit')
})

t.test('the bounds on work and buffers are validated', async (t) => {
  refuses(t, { secret: SECRET, allowedHosts: 'app.example' }, /"allowedHosts": give a list of hosts such as "example.com"/)
  refuses(t, { secret: SECRET, allowedHosts: [''] }, /"allowedHosts"/)
  for (const name of ['maxBufferedBytes', 'maxTotalBufferedBytes', 'drainTimeout']) {
    refuses(t, { secret: SECRET, [name]: 0 }, new RegExp(`"${name}": give a (whole )?number greater than 0`))
    refuses(t, { secret: SECRET, [name]: '10' }, new RegExp(`"${name}"`))
  }
  refuses(t, { secret: SECRET, maxBufferedBytes: 1.5 }, /"maxBufferedBytes": give a whole number/)
  refuses(t, { secret: SECRET, queueLimit: 10 }, /"queueLimit": give \{ events, bytes \}/)
  refuses(t, { secret: SECRET, queueLimit: null }, /"queueLimit"/)
  refuses(t, { secret: SECRET, queueLimit: { jobs: 3 } }, /"queueLimit"/)
  refuses(t, { secret: SECRET, queueLimit: { events: 0 } }, /"queueLimit\.events": give a whole number greater than 0/)
  refuses(t, { secret: SECRET, queueLimit: { bytes: -1 } }, /"queueLimit\.bytes"/)
  refuses(t, { secret: SECRET, handlerTimeout: -5 }, /"handlerTimeout": give a number greater than 0/)
  refuses(t, { secret: SECRET, handlerTimeout: '1s' }, /"handlerTimeout"/)
  refuses(t, { secret: SECRET, recheckPermissions: 'always' }, /"recheckPermissions": give 'join' or 'every-event'/)
  refuses(t, { secret: SECRET, sourceMaps: 'yes' }, /"sourceMaps": give true or false/)
})

t.test('templates are watched where debug is on, never in production unless asked for', async (t) => {
  t.test('outside production', async (t) => {
    withNodeEnv(t, 'development')
    t.equal(resolved({ secret: SECRET }).watchTemplates, true, 'on, as debug is')
    t.equal(resolved({ secret: SECRET, debug: false }).watchTemplates, false, 'follows debug')
    t.equal(resolved({ secret: SECRET, debug: false, watchTemplates: true }).watchTemplates, true, 'an explicit true wins')
    t.equal(resolved({ secret: SECRET, watchTemplates: false }).watchTemplates, false)
    refuses(t, { secret: SECRET, watchTemplates: 'yes' }, /"watchTemplates": give true or false/)
  })
  t.test('in production', async (t) => {
    withNodeEnv(t, 'production')
    t.equal(resolved({ secret: SECRET, debug: true }).watchTemplates, false, 'debug in production does not start a watcher')
    t.equal(resolved({ secret: SECRET, watchTemplates: true }).watchTemplates, true)
  })
})
