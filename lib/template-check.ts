import type nunjucks from 'nunjucks'

// Start-up checks of a view's template source against its class: a typo in a
// `live-click="incremnt"` or in `live.embed('Cart')` otherwise shows only when
// someone clicks, or when the page renders. Templates can compute these values
// (`live-click="{{ action }}"`), so these are warnings, never failures, and
// anything computed is skipped.

/** The event attributes the browser bundle reads (browser/constants.ts EVENTS). */
const EVENT_ATTRS = ['click', 'input', 'change', 'submit', 'keydown', 'keyup', 'focus', 'blur']
const EVENT_ATTR = new RegExp(`(?<![\\w-])live-(${EVENT_ATTRS.join('|')})\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'=<>\`]+))`, 'g')
const EMBED_CALL = /\blive\.embed\(\s*(?:"([^"]*)"|'([^']*)')/g
/** `{% include "x" %}`, `{% extends 'x' %}`, `{% import "x" as y %}`, `{% from "x" import y %}` with a literal name. */
const INCLUDED = /\{%-?\s*(?:include|extends|import|from)\s+(?:"([^"]+)"|'([^']+)')/g
/** Templates read per view, its own included; a bound against include chains. */
const MAX_TEMPLATES = 20

export interface TemplateFacts {
  /** The names the browser may call: the view's @eventHandler methods. */
  readonly handlers: Iterable<string>
  /** Methods of the view (whatever their decorators), to say "lacks @eventHandler". */
  readonly isMethod: (name: string) => boolean
  /** The view's `static embeds` names. */
  readonly embeds: Iterable<string>
}

/** Reads a template's source by name; `undefined` when it cannot be read. */
export type SourceReader = (name: string) => string | undefined

/**
 * The problems found in `source` (the template `name`), one message each, with
 * the template and the line. `view` names the view class in the messages.
 */
export function checkTemplateSource (view: string, name: string, source: string, facts: TemplateFacts): string[] {
  const handlers = [...facts.handlers]
  const embeds = [...facts.embeds]
  const problems: string[] = []
  for (const match of source.matchAll(EVENT_ATTR)) {
    const value = (match[2] ?? match[3] ?? match[4])!.trim()
    if (dynamic(value) || value === '' || handlers.includes(value)) continue
    const where = `${name}:${lineOf(source, match.index)}`
    const attr = `live-${match[1]}="${value}"`
    if (facts.isMethod(value)) {
      problems.push(`${where}: ${attr} names ${view}.${value}(), which lacks @eventHandler; add @eventHandler() to it so the browser may call it`)
    } else {
      problems.push(`${where}: ${attr} names no handler of ${view}; ${suggest(value, handlers, 'handler', '@eventHandler methods')}`)
    }
  }
  for (const match of source.matchAll(EMBED_CALL)) {
    const value = (match[1] ?? match[2])!
    if (dynamic(value) || embeds.includes(value)) continue
    problems.push(`${name}:${lineOf(source, match.index)}: live.embed('${value}') names no embed of ${view}; ${suggest(value, embeds, 'embed', '`static embeds`')}`)
  }
  return problems
}

/**
 * Checks a view's template and the templates it includes or extends by a
 * literal name (each once, at most MAX_TEMPLATES). Never throws: a template
 * that cannot be read is skipped (rendering reports it, if it matters).
 */
export function checkTemplate (view: string, name: string, read: SourceReader, facts: TemplateFacts): string[] {
  // Iterables (a Map's keys) are read once: keep them for every template.
  const kept: TemplateFacts = { handlers: [...facts.handlers], embeds: [...facts.embeds], isMethod: facts.isMethod }
  const problems: string[] = []
  const seen = new Set<string>()
  const queue = [name]
  while (queue.length > 0 && seen.size < MAX_TEMPLATES) {
    const next = queue.shift()!
    if (seen.has(next)) continue
    seen.add(next)
    let source: string | undefined
    try {
      source = read(next)
    } catch {
      source = undefined
    }
    if (source === undefined) continue
    problems.push(...checkTemplateSource(view, next, source, kept))
    for (const match of source.matchAll(INCLUDED)) {
      const included = (match[1] ?? match[2])!
      if (!dynamic(included)) queue.push(included)
    }
  }
  return problems
}

/** Reads sources through a Nunjucks environment's loaders, as rendering finds them. */
export function loaderReader (env: nunjucks.Environment): SourceReader {
  const loaders = (env as unknown as { loaders: Array<{ getSource?: (name: string) => { src: string } | null }> }).loaders
  return (name) => {
    for (const loader of loaders) {
      const found = loader.getSource?.(name)
      if (found != null) return found.src
    }
    return undefined
  }
}

function dynamic (value: string): boolean {
  return value.includes('{{') || value.includes('{%')
}

function lineOf (source: string, index: number): number {
  let line = 1
  for (let i = source.indexOf('\n'); i !== -1 && i < index; i = source.indexOf('\n', i + 1)) line++
  return line
}

function suggest (value: string, names: string[], what: string, declared: string): string {
  if (names.length === 0) return `it has no ${declared}`
  let best = names[0]!
  let bestDistance = Infinity
  for (const name of names) {
    const d = distance(value.toLowerCase(), name.toLowerCase())
    if (d < bestDistance) { best = name; bestDistance = d }
  }
  return `the nearest ${what} is "${best}"`
}

/** Levenshtein distance (two rows; names are short). */
export function distance (a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = row
  }
  return previous[b.length]!
}
