import { FST_LIVE_DECORATOR } from './errors.js'
import { kHandlerMeta } from './symbols.js'

/** A JSON Schema for one handler param (validated with ajv). */
export type ParamSchema = Record<string, unknown>

export interface DebounceOptions { wait?: number, maxWait?: number }
export interface ThrottleOptions { interval?: number, leading?: boolean, trailing?: boolean }
export interface CacheOptions { ttl?: number, keyParams?: string[] }
export interface EventHandlerOptions {
  /** Allowed param names, or a JSON Schema per param name. */
  params?: string[] | Record<string, ParamSchema>
  /** Shown in the debug panel. */
  description?: string
  /** Coerce `"5"` to `5` where the schema asks for a number (default `true`). */
  coerceTypes?: boolean
}

/**
 * Everything one handler can declare: the keys of `static handlers` in plain
 * JavaScript, and what the decorators record. Values are the user's raw
 * options; `lib/dispatch.ts` validates and normalises them at `app.live()`.
 */
export interface HandlerSpec extends EventHandlerOptions {
  debounce?: number | DebounceOptions
  throttle?: number | ThrottleOptions
  optimistic?: boolean
  cache?: boolean | CacheOptions
  clientState?: string[]
  loading?: string
  permissionRequired?: string | string[]
  background?: boolean
}

/** What the decorators leave on a method function. */
export interface RecordedMeta {
  /** `@eventHandler` was applied (only such methods can be called). */
  eventHandler: boolean
  spec: HandlerSpec
  /** Which decorators ran, for error messages (`@debounce`, ...). */
  applied: string[]
}

type Fn = (...args: any[]) => unknown

/**
 * Record metadata on the method function itself. Decorators return nothing,
 * so the function keeps its identity and every decorator, in any order, adds
 * to the same record (a wrapper would lose what the others recorded).
 */
export function record (fn: Fn, decorator: string, apply: (meta: RecordedMeta) => void): void {
  let meta = (fn as any)[kHandlerMeta] as RecordedMeta | undefined
  if (meta === undefined) {
    meta = { eventHandler: false, spec: {}, applied: [] }
    Object.defineProperty(fn, kHandlerMeta, { value: meta, enumerable: false })
  }
  if (meta.applied.includes(decorator)) {
    throw new FST_LIVE_DECORATOR(`${decorator} is applied twice to ${fn.name}(); apply it once`)
  }
  meta.applied.push(decorator)
  apply(meta)
}

export function recordedMeta (fn: unknown): RecordedMeta | undefined {
  return typeof fn === 'function' ? (fn as any)[kHandlerMeta] : undefined
}
