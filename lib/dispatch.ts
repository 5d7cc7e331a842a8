import { Ajv, type ValidateFunction } from 'ajv'
import { paramMessages } from './param-errors.js'
import { FST_LIVE_HANDLER } from './errors.js'
import { recordedMeta, type HandlerSpec, type ParamSchema } from './metadata.js'
import { LiveView, RESERVED_NAMES, type LiveViewClass } from './view.js'

// The per-view dispatch table, built once when a route is registered: every
// check, default and compiled validator that the event path would otherwise
// repeat per event.

/** Params the browser bundle itself sends; always allowed. */
const BUNDLE_PARAMS = ['value', 'key', '_target']
const NAME = /^[A-Za-z_$][\w$]*$/

export interface HandlerEntry {
  readonly name: string
  readonly fn: (this: LiveView, params: any, event: any) => unknown
  /** `null` when the handler declares no `params`: any params pass. */
  readonly validate: ValidateFunction | null
  /**
   * Only after `validate` refused `params`: one message per field (`live.errors`),
   * from a validator that reports every error, compiled on first use.
   */
  readonly explain: ((params: Record<string, unknown>) => Record<string, string>) | null
  /** The names the handler accepts (declared plus the bundle's own), or `null` when any pass. */
  readonly allowed: readonly string[] | null
  readonly description: string | undefined
  /** The params as declared, for the debug panel. */
  readonly params: string[] | Record<string, ParamSchema> | undefined
  /** All required; empty when none. */
  readonly permissions: readonly string[]
  readonly loading: string | undefined
  readonly background: boolean
  readonly clientState: readonly string[] | undefined
  readonly cache: { ttl: number, keyParams: string[] } | undefined
  /** The browser-side policies of this handler, or `undefined` when it has none. */
  readonly client: Record<string, unknown> | undefined
}

export interface DispatchTable {
  readonly handlers: ReadonlyMap<string, HandlerEntry>
  /** `data-live-policies` JSON, serialized once. */
  readonly policiesJson: string
}

const ajvCoerce = new Ajv({ coerceTypes: true, allErrors: false, strict: true, useDefaults: true })
const ajvStrict = new Ajv({ coerceTypes: false, allErrors: false, strict: true, useDefaults: true })
// For the messages of a refused call only: reporting every error costs more on the event path.
const ajvCoerceAll = new Ajv({ coerceTypes: true, allErrors: true, strict: true, useDefaults: true })
const ajvStrictAll = new Ajv({ coerceTypes: false, allErrors: true, strict: true, useDefaults: true })

/** Collect handler specs along the prototype chain; the most derived class wins. */
export function collectSpecs (View: LiveViewClass): Map<string, HandlerSpec & { eventHandler: boolean, applied: string[] }> {
  const specs = new Map<string, HandlerSpec & { eventHandler: boolean, applied: string[] }>()
  for (let cls: any = View; cls && cls !== LiveView && cls !== Function.prototype; cls = Object.getPrototypeOf(cls)) {
    const decorated = new Set<string>()
    for (const name of Object.getOwnPropertyNames(cls.prototype)) {
      const desc = Object.getOwnPropertyDescriptor(cls.prototype, name)!
      const meta = recordedMeta(desc.value)
      if (meta === undefined) continue
      decorated.add(name)
      if (!specs.has(name)) specs.set(name, { ...meta.spec, eventHandler: meta.eventHandler, applied: meta.applied })
    }
    if (Object.hasOwn(cls, 'handlers') && cls.handlers != null) {
      if (typeof cls.handlers !== 'object') fail(cls.name, '', '`static handlers` must be an object of handler name → options')
      for (const [name, spec] of Object.entries(cls.handlers as Record<string, HandlerSpec>)) {
        if (decorated.has(name)) {
          fail(cls.name, name, 'is declared both by decorators and in `static handlers`; declare it once')
        }
        if (spec === null || typeof spec !== 'object') fail(cls.name, name, 'needs an options object in `static handlers` (use `{}` for none)')
        if (!specs.has(name)) specs.set(name, { ...spec, eventHandler: true, applied: [] })
      }
    }
  }
  return specs
}

export function buildDispatchTable (View: LiveViewClass): DispatchTable {
  const viewName = View.name || 'AnonymousView'
  const handlers = new Map<string, HandlerEntry>()
  const policies: Record<string, unknown> = {}
  for (const [name, spec] of collectSpecs(View)) {
    const entry = buildEntry(View, viewName, name, spec)
    handlers.set(name, entry)
    if (entry.client !== undefined) policies[name] = entry.client
  }
  return { handlers, policiesJson: JSON.stringify(policies) }
}

function buildEntry (View: LiveViewClass, view: string, name: string, spec: HandlerSpec & { eventHandler: boolean, applied: string[] }): HandlerEntry {
  if (!spec.eventHandler) {
    fail(view, name, `has ${spec.applied.join(', ')} but no @eventHandler; add @eventHandler() so the browser may call it`)
  }
  if (!NAME.test(name)) fail(view, name, 'is not a valid handler name (letters, digits, _ and $; not starting with a digit)')
  if (RESERVED_NAMES.has(name)) fail(view, name, `is a LiveView lifecycle method and cannot be an event handler; rename the handler`)
  const fn = (View.prototype as any)[name]
  if (typeof fn !== 'function') fail(view, name, 'is declared in `static handlers` but the view has no method of that name')

  const allowed = paramNames(view, name, spec.params)
  const compiled = spec.params === undefined ? null : compileParams(view, name, spec.params, spec.coerceTypes ?? true)
  if (spec.description !== undefined && typeof spec.description !== 'string') fail(view, name, 'description must be a string')
  if (spec.coerceTypes !== undefined && typeof spec.coerceTypes !== 'boolean') fail(view, name, 'coerceTypes must be true or false')

  const client: Record<string, unknown> = {}
  if (spec.debounce !== undefined) client.debounce = debounceOf(view, name, spec.debounce)
  if (spec.throttle !== undefined) client.throttle = throttleOf(view, name, spec.throttle)
  if (spec.debounce !== undefined && spec.throttle !== undefined) fail(view, name, 'has both @debounce and @throttle; choose one')
  const cache = spec.cache === undefined || spec.cache === false ? undefined : cacheOf(view, name, spec.cache, allowed)
  if (cache !== undefined) client.cache = cache
  if (spec.optimistic !== undefined && spec.optimistic !== false) {
    if (spec.optimistic !== true) fail(view, name, 'optimistic must be true or false')
    client.optimistic = true
  }
  if (spec.loading !== undefined) {
    if (typeof spec.loading !== 'string' || !NAME.test(spec.loading) || spec.loading.startsWith('_') || spec.loading === 'live') {
      fail(view, name, `@loading needs the name of a public property, e.g. @loading('isSaving'); got ${JSON.stringify(spec.loading)}`)
    }
    client.loading = spec.loading
  }
  let clientState: string[] | undefined
  if (spec.clientState !== undefined) {
    clientState = stringList(view, name, '@clientState', spec.clientState, "@clientState(['filter', 'sort'])")
    client.clientState = clientState
  }
  const permissions = spec.permissionRequired === undefined
    ? []
    : stringList(view, name, '@permissionRequired', typeof spec.permissionRequired === 'string' ? [spec.permissionRequired] : spec.permissionRequired, "@permissionRequired('app.delete')")
  if (spec.background !== undefined && typeof spec.background !== 'boolean') fail(view, name, 'background must be true or false')

  return {
    name,
    fn,
    validate: compiled?.validate ?? null,
    explain: compiled?.explain ?? null,
    allowed,
    description: spec.description,
    params: spec.params,
    permissions,
    loading: spec.loading,
    background: spec.background === true,
    clientState,
    cache,
    client: Object.keys(client).length > 0 ? client : undefined,
  }
}

/** The names a handler accepts, or `null` when it accepts any. */
function paramNames (view: string, name: string, params: HandlerSpec['params']): string[] | null {
  if (params === undefined) return null
  if (Array.isArray(params)) {
    for (const p of params) {
      if (typeof p !== 'string' || p === '') fail(view, name, `params must list param names as strings; got ${JSON.stringify(p)}`)
    }
    return [...params, ...BUNDLE_PARAMS]
  }
  if (typeof params !== 'object' || params === null) {
    fail(view, name, "params must be a list of names (['itemId']) or an object of JSON Schemas ({ itemId: { type: 'integer' } })")
  }
  return [...Object.keys(params), ...BUNDLE_PARAMS]
}

function compileParams (view: string, name: string, params: NonNullable<HandlerSpec['params']>, coerce: boolean): Pick<HandlerEntry, 'validate' | 'explain'> {
  const properties: Record<string, ParamSchema> = {}
  for (const p of BUNDLE_PARAMS) properties[p] = {}
  if (Array.isArray(params)) {
    for (const p of params) properties[p] = {}
  } else {
    for (const [p, schema] of Object.entries(params)) {
      if (typeof schema !== 'object' || schema === null) fail(view, name, `the schema of param "${p}" must be a JSON Schema object`)
      properties[p] = schema
    }
  }
  const schema = { type: 'object', properties, additionalProperties: false }
  let validate: ValidateFunction
  try {
    validate = (coerce ? ajvCoerce : ajvStrict).compile(schema)
  } catch (err) {
    return fail(view, name, `has an invalid params schema: ${(err as Error).message}`)
  }
  const declared = Array.isArray(params) ? params : Object.keys(params)
  let all: ValidateFunction | undefined
  const explain = (input: Record<string, unknown>): Record<string, string> => {
    all ??= (coerce ? ajvCoerceAll : ajvStrictAll).compile(schema)
    // a copy: coercion and defaults write into what they validate
    all(structuredClone(input))
    return paramMessages(all.errors!, `${name}()`, declared) // only asked about params `validate` refused
  }
  return { validate, explain }
}

function debounceOf (view: string, name: string, opts: number | { wait?: number, maxWait?: number }): { wait: number, maxWait?: number } {
  const o = typeof opts === 'number' ? { wait: opts } : opts
  if (typeof o !== 'object' || o === null) fail(view, name, '@debounce takes a wait in ms or { wait, maxWait }')
  only(view, name, '@debounce', o, ['wait', 'maxWait'])
  const wait = o.wait ?? 300
  duration(view, name, '@debounce wait', wait)
  if (o.maxWait === undefined) return { wait }
  duration(view, name, '@debounce maxWait', o.maxWait)
  if (o.maxWait < wait) fail(view, name, `@debounce maxWait (${o.maxWait}) must not be less than wait (${wait})`)
  return { wait, maxWait: o.maxWait }
}

function throttleOf (view: string, name: string, opts: number | { interval?: number, leading?: boolean, trailing?: boolean }) {
  const o = typeof opts === 'number' ? { interval: opts } : opts
  if (typeof o !== 'object' || o === null) fail(view, name, '@throttle takes an interval in ms or { interval, leading, trailing }')
  only(view, name, '@throttle', o, ['interval', 'leading', 'trailing'])
  const interval = o.interval ?? 100
  duration(view, name, '@throttle interval', interval)
  if (interval === 0) fail(view, name, '@throttle interval must be more than 0 ms')
  const leading = o.leading ?? true
  const trailing = o.trailing ?? true
  if (typeof leading !== 'boolean' || typeof trailing !== 'boolean') fail(view, name, '@throttle leading and trailing must be true or false')
  if (!leading && !trailing) fail(view, name, '@throttle with leading and trailing both false would never send; enable one')
  return { interval, leading, trailing }
}

function cacheOf (view: string, name: string, opts: true | { ttl?: number, keyParams?: string[] }, allowed: string[] | null) {
  const o = opts === true ? {} : opts
  if (typeof o !== 'object' || o === null) fail(view, name, '@cache takes { ttl, keyParams }')
  only(view, name, '@cache', o, ['ttl', 'keyParams'])
  const ttl = o.ttl ?? 60_000
  duration(view, name, '@cache ttl', ttl)
  if (ttl === 0) fail(view, name, '@cache ttl must be more than 0 ms')
  const keyParams = o.keyParams === undefined ? [] : stringList(view, name, '@cache keyParams', o.keyParams, "@cache({ keyParams: ['value'] })", true)
  for (const p of keyParams) {
    if (allowed !== null && !allowed.includes(p)) {
      fail(view, name, `@cache keyParams names "${p}", which the handler does not accept; add it to @eventHandler({ params }) or remove it from keyParams`)
    }
  }
  return { ttl, keyParams }
}

function duration (view: string, name: string, what: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(view, name, `${what} must be a number of milliseconds ≥ 0; got ${JSON.stringify(value)}`)
  }
}

function only (view: string, name: string, what: string, o: object, keys: string[]): void {
  for (const key of Object.keys(o)) {
    if (!keys.includes(key)) fail(view, name, `${what} has no option "${key}"; the options are ${keys.join(', ')}`)
  }
}

function stringList (view: string, name: string, what: string, value: unknown, example: string, allowEmpty = false): string[] {
  if (!Array.isArray(value) || (!allowEmpty && value.length === 0) || value.some((v) => typeof v !== 'string' || v === '')) {
    fail(view, name, `${what} needs a list of non-empty strings, e.g. ${example}; got ${JSON.stringify(value)}`)
  }
  return [...value]
}

function fail (view: string, name: string, message: string): never {
  throw new FST_LIVE_HANDLER(name === '' ? `${view}: ${message}` : `${view}.${name}() ${message}`)
}
