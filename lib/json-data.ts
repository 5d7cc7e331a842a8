/**
 * What may cross processes: JSON data, checked before anything is sent so a
 * bad value fails where server code handed it over, with the path of the
 * offending value, instead of arriving changed on another process
 * (`JSON.stringify` silently turns a Date into a string, drops `undefined`
 * and functions, turns NaN into null and throws on cycles and bigints).
 */

/** Deeper than this is refused: a walk (and JSON.parse elsewhere) must not blow the stack. */
export const MAX_DEPTH = 64

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

function member (path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`
}

function describeObject (value: object): string {
  if (value instanceof Date) return 'is a Date (send date.toISOString() or a number instead)'
  if (value instanceof Map) return 'is a Map (send Object.fromEntries(map) instead)'
  if (value instanceof Set) return 'is a Set (send [...set] instead)'
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name
  return typeof name === 'string' && name !== '' && name !== 'Object'
    ? `is a ${name} instance, not a plain object`
    : 'is an object with a custom prototype, not a plain object'
}

/**
 * Why `value` is not JSON data, naming the path of the first offending
 * value from `path` (e.g. `message.when is a Date`); `undefined` when it is
 * plain objects, arrays, strings, finite numbers, booleans and null only.
 */
export function jsonDataProblem (value: unknown, path: string): string | undefined {
  return walk(value, path, new Map(), 0)
}

function walk (value: unknown, path: string, ancestors: Map<object, string>, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${String(value)}, which JSON cannot hold`
    case 'undefined':
      return `${path} is undefined (use null, or leave the property out)`
    case 'bigint':
      return `${path} is a bigint (send it as a string)`
    case 'symbol':
      return `${path} is a symbol`
    case 'function':
      return `${path} is a function`
  }
  if (value === null) return undefined
  const object = value as object
  const seen = ancestors.get(object)
  if (seen !== undefined) return `${path} refers back to ${seen} (a cycle)`
  if (depth >= MAX_DEPTH) return `${path} is nested more than ${MAX_DEPTH} levels deep`
  ancestors.set(object, path)
  let problem: string | undefined
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length && problem === undefined; i++) {
      problem = i in object
        ? walk(object[i], `${path}[${i}]`, ancestors, depth + 1)
        : `${path}[${i}] is an empty slot of a sparse array`
    }
  } else {
    const proto = Object.getPrototypeOf(object)
    if (proto !== Object.prototype && proto !== null) {
      problem = `${path} ${describeObject(object)}`
    } else if (Object.getOwnPropertySymbols(object).length > 0) {
      problem = `${path} has a symbol key, which JSON drops`
    } else {
      for (const key of Object.keys(object)) {
        problem = walk((object as Record<string, unknown>)[key], member(path, key), ancestors, depth + 1)
        if (problem !== undefined) break
      }
    }
  }
  ancestors.delete(object)
  return problem
}

/** Objects frozen by `deepFreeze`, with everything they hold: such an object's identity tells its content. */
const frozenAllTheWay = new WeakSet<object>()

/**
 * Freeze a freshly parsed JSON value all the way down: one copy is shared by
 * every listener. Only for a value just made by `JSON.parse` (nothing in it
 * frozen yet, nobody else holding it), so that every object in it is
 * remembered as unchangeable (`frozenData`).
 */
export function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
    frozenAllTheWay.add(value)
  }
  return value
}

/** Whether `value` was frozen all the way down by `deepFreeze` (a message, a presence meta): it can never change. */
export function frozenData (value: object): boolean {
  return frozenAllTheWay.has(value)
}

/**
 * The JSON text of `value`, or why it cannot be sent: not JSON data, or more
 * than `maxBytes` bytes as UTF-8 (every receiver holds a copy).
 */
export function encodeJsonData (value: unknown, path: string, maxBytes: number): { json: string, problem?: undefined } | { json?: undefined, problem: string } {
  const problem = jsonDataProblem(value, path)
  if (problem !== undefined) return { problem }
  const json = JSON.stringify(value)
  // Length in UTF-16 units is at most the UTF-8 byte count ×1 and at least ×1/3: skip the exact count when it cannot matter.
  if (json.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(json)
    if (bytes > maxBytes) return { problem: `${path} is ${bytes} bytes as JSON, more than the limit of ${maxBytes}; send an id and let receivers load the rest` }
  }
  return { json }
}

/**
 * A view's public state as it can be handed over or parked: without its
 * functions (a formatter a template calls comes back from the class's own
 * field initializers when the view is constructed again) and without
 * properties that are `undefined` (JSON leaves them out).
 */
export function portableState (state: Record<string, unknown>): Record<string, unknown> {
  for (const key in state) if (typeof state[key] === 'function' || state[key] === undefined) delete state[key]
  return state
}
