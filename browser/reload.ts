// A page whose token the server no longer accepts (it restarted with a new
// random secret, or the token expired) can never join again: reload it once
// for a fresh render. The mark in sessionStorage outlives the reload, so a
// reloaded page that is refused too stays put (and reports the error)
// instead of reloading in a loop; a successful join clears it.

const MARK = 'live:reloaded'

type Marks = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

export interface Reloader {
  /** The page's token was refused: true when the page is reloading (report nothing then). */
  refused (): boolean
  /** A join succeeded: a later refusal may reload again. */
  joined (): void
}

export function createReloader (storage: () => Marks, reload: () => void): Reloader {
  let reloading = false
  return {
    refused () {
      if (reloading) return true
      try {
        const marks = storage()
        if (marks.getItem(MARK) !== null) return false
        marks.setItem(MARK, '1')
      } catch {
        // no storage (disabled, sandboxed): no guard against a loop, so no reload
        return false
      }
      reloading = true
      reload()
      return true
    },
    joined () {
      try { storage().removeItem(MARK) } catch {}
    },
  }
}
