// limit/offset pages: one row more than asked tells whether another page follows.
export interface Page<T> {
  readonly items: T[];
  readonly hasMore: boolean;
}

export async function page<T>(limit: number, offset: number, fetch: (limit: number, offset: number) => Promise<T[]>): Promise<Page<T>> {
  const rows = await fetch(limit + 1, offset);
  return { items: rows.slice(0, limit), hasMore: rows.length > limit };
}
