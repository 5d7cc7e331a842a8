/**
 * A promise with its resolve and reject exposed: a handler awaits
 * `gate.promise`, the test releases it with `gate.resolve()`.
 */
export interface Deferred<T> { promise: Promise<T>, resolve: (value: T) => void, reject: (err: unknown) => void }

export function deferred<T = void> (): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (err: unknown) => void
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}
