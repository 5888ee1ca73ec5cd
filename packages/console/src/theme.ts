// Light and dark themes: the system's preference unless the operator picked one, remembered in
// localStorage (the only thing the console keeps there).
import { createStore } from './store.js';

export type Theme = 'light' | 'dark';
const KEY = 'capstan-console-theme';
const media = window.matchMedia('(prefers-color-scheme: dark)');

function stored(): Theme | null {
  try {
    const v = window.localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : null;
  } catch {
    return null;
  }
}

const effective = (): Theme => stored() ?? (media.matches ? 'dark' : 'light');
export const theme = createStore<Theme>(effective());

function apply(): void {
  const chosen = stored();
  if (chosen) document.documentElement.dataset.theme = chosen;
  else delete document.documentElement.dataset.theme;
  theme.set(effective());
}

export function setTheme(next: Theme): void {
  try {
    window.localStorage.setItem(KEY, next);
  } catch {
    // storage refused (private mode): the choice lasts for this page only
    document.documentElement.dataset.theme = next;
    theme.set(next);
    return;
  }
  apply();
}

media.addEventListener('change', apply);
apply();
