/**
 * Whether two views' states are equal, for a broadcast that renders once
 * for every view of equal state (Session#renderShared).
 *
 * The first view's state is copied once (`copyData`); each other view's
 * state is compared with that copy, walking both and stopping at the first
 * difference (`sameData`). Keying the states by their JSON did the same job
 * at the price of serializing every view's whole state (for a 100-row
 * table, most of the server's CPU per delivered patch), and took two
 * objects that serialize alike (two Maps, say, both `{}`) for equal.
 *
 * Only plain data is compared: primitives, arrays and plain objects. A
 * state holding anything else (a Date, a Map, a class instance, a function)
 * or nested deeper than MAX_DEPTH is not copied, and its view renders on its
 * own.
 */
import { MAX_DEPTH, frozenData } from './json-data.js'

/** What `copyData` returns for a state that is not plain data. */
export const NOT_DATA: unique symbol = Symbol('not plain data')

/** A plain object's copy: its own keys in order, and their values' copies. */
class ObjectCopy {
  constructor (readonly keys: string[], readonly values: unknown[]) {}
}

export function copyData (value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return typeof value === 'function' ? NOT_DATA : value
  // A message (or presence meta) that views keep as they got it is one frozen
  // object for all of them: kept, not copied, so that in every other view it
  // is equal by identity, without a walk (a chat room's last 100 messages,
  // compared in a pointer each).
  if (frozenData(value)) return value
  if (depth >= MAX_DEPTH) return NOT_DATA
  if (Array.isArray(value)) {
    const copy = new Array(value.length)
    for (let i = 0; i < value.length; i++) {
      const v = copyData(value[i], depth + 1)
      if (v === NOT_DATA) return NOT_DATA
      copy[i] = v
    }
    return copy
  }
  if (!isPlain(value)) return NOT_DATA
  const keys = Object.keys(value)
  const values = new Array(keys.length)
  for (let i = 0; i < keys.length; i++) {
    const v = copyData((value as Record<string, unknown>)[keys[i]!], depth + 1)
    if (v === NOT_DATA) return NOT_DATA
    values[i] = v
  }
  return new ObjectCopy(keys, values)
}

/** Whether `value` equals `copy` (made by `copyData`): the same plain data, keys in the same order. */
export function sameData (value: unknown, copy: unknown): boolean {
  return value === copy || (isObject(value) && isObject(copy) && sameObject(value, copy))
}

// Primitives are compared in the loops, not by a call each: most of a state's
// values are, and in a broadcast every view's state is walked (for a 100-row
// table, ~20% less CPU per view than a call per value).
function sameObject (value: object, copy: object): boolean {
  if (Array.isArray(value)) {
    if (!Array.isArray(copy) || value.length !== copy.length) return false
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i]
      const c: unknown = copy[i]
      if (v !== c && !(isObject(v) && isObject(c) && sameObject(v, c))) return false
    }
    return true
  }
  if (!isPlain(value)) return false
  let keys: readonly string[]
  let values: readonly unknown[]
  if (copy instanceof ObjectCopy) {
    ({ keys, values } = copy)
  } else if (frozenData(copy) && !Array.isArray(copy)) {
    // a message the first view kept as it came, another view a copy of it
    keys = Object.keys(copy)
    values = Object.values(copy)
  } else {
    return false
  }
  let i = 0
  // for-in over a plain object walks its own keys in order (Object.prototype
  // has no enumerable ones), and V8 reads `value[key]` in it from the key
  // cache: several times faster than keyed reads by Object.keys.
  for (const key in value) {
    if (i >= keys.length || key !== keys[i]) return false
    const v = (value as Record<string, unknown>)[key]
    const c = values[i]
    if (v !== c && !(isObject(v) && isObject(c) && sameObject(v, c))) return false
    i++
  }
  return i === keys.length
}

function isObject (value: unknown): value is object {
  return typeof value === 'object' && value !== null
}

function isPlain (value: object): boolean {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
