// The event type registry: a type must be registered before anything may publish it.

export type ScopeKind = 'hub' | 'space' | 'direct' | 'org';

export interface EventTypeSpec {
  readonly type: string;
  readonly scope: ScopeKind;
  readonly description: string;
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

  list(): EventTypeSpec[] {
    return [...this.types.values()];
  }
}
