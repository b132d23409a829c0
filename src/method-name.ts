/**
 * How messages name a decorated method: `Model.predict`, `Model[Symbol(embed)]`. Under
 * standard decorators the class is learnt later than the method name (see `learnOwner`).
 */
export class MethodName {
  #owner: string | undefined;

  constructor(
    target: object | undefined,
    readonly key: string | symbol | undefined,
  ) {
    if (target !== undefined) this.#owner = ownerName(target);
  }

  /** Records the class from an instance (or, for a static method, the class), once. */
  learnOwner(self: object): void {
    this.#owner ??= ownerName(self);
  }

  /** The name with its declaring class, as far as it is known yet. */
  get full(): string {
    return memberName(this.#owner, this.key);
  }

  /** The name with the class of the instance it runs on (a subclass, say). */
  on(self: object): string {
    return memberName(ownerName(self), this.key);
  }
}

function memberName(owner: string | undefined, key: string | symbol | undefined): string {
  if (key === undefined) return owner ?? 'anonymous class';
  const member = typeof key === 'symbol' ? `[${String(key)}]` : key;
  if (owner === undefined) return member;
  return typeof key === 'symbol' ? `${owner}${member}` : `${owner}.${member}`;
}

/** The class name of an instance, or of a class itself (for static methods). */
export function ownerName(self: object): string {
  if (typeof self === 'function') return self.name || 'anonymous class';
  return (self as { constructor?: { name?: string } }).constructor?.name || 'Object';
}
