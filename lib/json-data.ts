// What survives a JSON round trip: a view's public state (handed from the HTTP
// render to the join, parked across reconnects) and published messages must.

/**
 * A view's public state without its functions: a property holding a function
 * (a formatter a template calls) comes back from the class's own field
 * initializers when the view is constructed again, and is not data.
 */
export function portableState (state: Record<string, unknown>): Record<string, unknown> {
  for (const key in state) if (typeof state[key] === 'function') delete state[key]
  return state
}

/**
 * `null` when `value` is JSON data (plain objects, arrays, strings, finite
 * numbers, booleans, null), else what is not, named by its path:
 * `"state.when is a Date"`. `undefined` in an object is allowed (JSON drops
 * the key); cycles are reported.
 */
export function jsonProblem (value: unknown, path: string, seen: Set<object> = new Set()): string | null {
  switch (typeof value) {
    case 'string': case 'boolean': return null
    case 'number': return Number.isFinite(value) ? null : `${path} is ${value}, which JSON cannot hold`
    case 'object': break
    default: return `${path} is a ${typeof value}`
  }
  if (value === null) return null
  if (seen.has(value)) return `${path} refers back to itself (a cycle)`
  const proto = Object.getPrototypeOf(value)
  if (Array.isArray(value)) {
    seen.add(value)
    for (let i = 0; i < value.length; i++) {
      const problem = value[i] === undefined ? `${path}[${i}] is undefined` : jsonProblem(value[i], `${path}[${i}]`, seen)
      if (problem !== null) return problem
    }
    seen.delete(value)
    return null
  }
  if (proto !== Object.prototype && proto !== null) return `${path} is a ${proto?.constructor?.name ?? 'class instance'}`
  seen.add(value)
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key]
    if (item === undefined) continue
    const problem = jsonProblem(item, `${path}.${key}`, seen)
    if (problem !== null) return problem
  }
  seen.delete(value)
  return null
}
