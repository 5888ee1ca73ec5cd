// The event type registry: a type must be registered before anything may append it. Internal types
// (access changes) travel in the log like any event but are never shown to clients nor publishable
// through the API.

export type ScopeKind = 'hub' | 'space' | 'direct' | 'org';

export interface EventTypeSpec {
  readonly type: string;
  readonly scope: ScopeKind;
  readonly description: string;
  readonly internal?: boolean;
}

export class EventTypeRegistry {
  private readonly types = new Map<string, EventTypeSpec>();

  register(specs: readonly EventTypeSpec[]): void {
    for (const spec of specs) this.types.set(spec.type, spec);
  }

  get(type: string): EventTypeSpec | undefined {
    return this.types.get(type);
  }

  has(type: string): boolean {
    return this.types.has(type);
  }

  /** Registered and not internal: what a caller of the publish API may send. */
  isPublic(type: string): boolean {
    const spec = this.types.get(type);
    return spec !== undefined && spec.internal !== true;
  }

  list(): EventTypeSpec[] {
    return [...this.types.values()];
  }
}
