/** A JSON attribute parsed once, and again only when its text changes (a morph may rewrite it). */
export class JsonAttr<T> {
  private el: Element
  private name: string
  private empty: T
  private raw: string | null = null
  private value: T

  constructor (el: Element, name: string, empty: T) {
    this.el = el
    this.name = name
    this.value = this.empty = empty
  }

  get (): T {
    const raw = this.el.getAttribute(this.name)
    if (raw !== this.raw) {
      this.raw = raw
      try { this.value = raw ? JSON.parse(raw) : this.empty } catch { this.value = this.empty }
    }
    return this.value
  }
}
