import { FST_LIVE_DECORATOR } from './errors.js'
import { record, type CacheOptions, type DebounceOptions, type EventHandlerOptions, type HandlerSpec, type ThrottleOptions } from './metadata.js'

// Standard (TC39) method decorators. Each records its options on the method
// (lib/metadata.ts) and returns nothing; validation happens once at
// `app.live()`, when all decorators have run and the view's name is known.

type Method = (this: any, ...args: any[]) => any
type MethodDecorator = (fn: Method, context: ClassMethodDecoratorContext) => void

function isContext (value: unknown): value is ClassMethodDecoratorContext {
  return typeof value === 'object' && value !== null && 'kind' in value && 'name' in value
}

function checkTarget (name: string, fn: unknown, context: ClassMethodDecoratorContext): void {
  if (context.kind !== 'method' || typeof fn !== 'function') {
    throw new FST_LIVE_DECORATOR(`${name} decorates methods only, not the ${String(context.kind)} ${String(context.name)}`)
  }
  if (context.static) {
    throw new FST_LIVE_DECORATOR(`${name} cannot decorate the static method ${String(context.name)}; handlers are instance methods`)
  }
}

/** A decorator that sets one spec key from its (optional) argument. */
function decorator<T> (name: string, set: (spec: HandlerSpec, arg: T | undefined) => void, isHandler = false) {
  const make = (arg: T | undefined): MethodDecorator => (fn, context) => {
    checkTarget(name, fn, context)
    record(fn, name, (meta) => {
      if (isHandler) meta.eventHandler = true
      set(meta.spec, arg)
    })
  }
  // Bare (`@optimistic`) or called (`@optimistic()`): a bare decorator gets a
  // context object as its second argument.
  return function (argOrFn?: T | Method, context?: unknown): any {
    if (isContext(context)) return make(undefined)(argOrFn as Method, context)
    return make(argOrFn as T | undefined)
  }
}

interface Decorator<Arg> {
  (fn: Method, context: ClassMethodDecoratorContext): void
  (arg?: Arg): MethodDecorator
}

/** Makes a method callable from the browser. */
export const eventHandler: Decorator<EventHandlerOptions> = decorator('@eventHandler', (spec, opts) => {
  if (opts === undefined) return
  if (typeof opts !== 'object' || opts === null) {
    throw new FST_LIVE_DECORATOR('@eventHandler takes an options object: @eventHandler({ params, description, coerceTypes })')
  }
  Object.assign(spec, pick(opts, ['params', 'description', 'coerceTypes']))
}, true)

/** Browser-side debounce: `@debounce(500)` or `@debounce({ wait, maxWait })`. */
export const debounce: Decorator<number | DebounceOptions> = decorator('@debounce', (spec, opts) => { spec.debounce = opts ?? {} })

/** Browser-side throttle: `@throttle(100)` or `@throttle({ interval, leading, trailing })`. */
export const throttle: Decorator<number | ThrottleOptions> = decorator('@throttle', (spec, opts) => { spec.throttle = opts ?? {} })

/** The browser applies the element's `live-optimistic` change before the reply. */
export const optimistic: Decorator<never> = decorator('@optimistic', (spec) => { spec.optimistic = true })

/** Browser-side result cache: `@cache({ ttl, keyParams })`. */
export const cache: Decorator<CacheOptions> = decorator('@cache', (spec, opts) => { spec.cache = opts ?? {} })

/** Publish these properties on the page's client-state bus after the handler. */
export const clientState: Decorator<string[]> = decorator('@clientState', (spec, keys) => { spec.clientState = required('@clientState', keys, "@clientState(['filter'])") })

/** `this[attr]` is `true` (and rendered) while the handler runs. */
export const loading: Decorator<string> = decorator('@loading', (spec, attr) => { spec.loading = required('@loading', attr, "@loading('isSaving')") })

/** Permissions (all required) checked before the handler runs. */
export const permissionRequired: Decorator<string | string[]> = decorator('@permissionRequired', (spec, perm) => { spec.permissionRequired = required('@permissionRequired', perm, "@permissionRequired('app.delete')") })

/** Acknowledge at once; run the handler as a named task. */
export const background: Decorator<never> = decorator('@background', (spec) => { spec.background = true })

/** Bare, these would declare nothing (a bare `@permissionRequired` an unprotected handler), so they fail. */
function required<T> (name: string, arg: T | undefined, example: string): T {
  if (arg === undefined) throw new FST_LIVE_DECORATOR(`${name} needs an argument, e.g. ${example}`)
  return arg
}

function pick<T extends object> (obj: T, keys: string[]): Partial<T> {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(obj)) {
    if (!keys.includes(key)) {
      throw new FST_LIVE_DECORATOR(`@eventHandler has no option "${key}"; the options are ${keys.join(', ')}`)
    }
    out[key] = (obj as any)[key]
  }
  return out as Partial<T>
}
