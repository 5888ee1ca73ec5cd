// A data table in a horizontally scrolling frame for narrow screens; the frame is a named, focusable
// region so that keyboard users can scroll it too.
import type { ComponentChildren } from 'preact';

export function Table({ label, testId, children }: { label: string; testId: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={`${label} table`} tabIndex={0}>
      <table data-testid={testId}>{children}</table>
    </div>
  );
}
