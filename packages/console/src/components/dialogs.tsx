// Modal dialogs on the native <dialog>: a confirmation before anything destructive, and the window
// that shows a secret once (an API key, a key pair, a token) with a copy button.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useAction } from '../hooks.js';
import { ErrorNote } from './notice.js';

function useModal(onClose: () => void) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (!d.open) d.showModal();
    const cancel = (e: Event) => {
      e.preventDefault();
      onClose();
    };
    d.addEventListener('cancel', cancel);
    return () => {
      d.removeEventListener('cancel', cancel);
      if (d.open) d.close();
    };
  }, [onClose]);
  return ref;
}

export interface ConfirmRequest {
  readonly title: string;
  readonly message: ComponentChildren;
  readonly confirmLabel: string;
  readonly onConfirm: () => Promise<void>;
}

/** Asks before a destructive action; the action runs in the dialog, which shows its failure. */
export function ConfirmDialog({ request, onClose }: { request: ConfirmRequest; onClose: () => void }) {
  const ref = useModal(onClose);
  const action = useAction();
  const confirm = async () => {
    if (await action.run(request.onConfirm)) onClose();
  };
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="confirm-title" data-testid="confirm-dialog">
      <h2 id="confirm-title">{request.title}</h2>
      <div class="dialog-body">{request.message}</div>
      <ErrorNote error={action.error} />
      <div class="actions">
        <button type="button" onClick={onClose} autofocus>Cancel</button>
        <button type="button" class="danger" onClick={confirm} disabled={action.busy}>{action.busy ? 'Working…' : request.confirmLabel}</button>
      </div>
    </dialog>
  );
}

export interface Secret {
  readonly label: string;
  readonly value: string;
}

export interface SecretRequest {
  readonly title: string;
  readonly secrets: readonly Secret[];
  readonly note?: string;
}

function CopyField({ secret, index }: { secret: Secret; index: number }) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const id = `secret-${index}`;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret.value);
      setCopied('Copied');
    } catch {
      // Not a secure context or no permission: leave it selected for Ctrl+C.
      input.current?.select();
      setCopied('Selected: press Ctrl+C to copy');
    }
  };
  return (
    <div class="field">
      <label for={id}>{secret.label}</label>
      <div class="copy-row">
        <input id={id} ref={input} class="mono" type="text" readOnly value={secret.value} data-testid="secret-value" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={copy}>Copy</button>
      </div>
      <span class="hint" role="status">{copied ?? ''}</span>
    </div>
  );
}

export function SecretDialog({ request, onClose }: { request: SecretRequest; onClose: () => void }) {
  const ref = useModal(onClose);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="secret-title" data-testid="secret-dialog">
      <h2 id="secret-title">{request.title}</h2>
      <p class="warning">{request.note ?? 'This is shown only once: copy it now and keep it somewhere safe.'}</p>
      {request.secrets.map((s, i) => <CopyField key={s.label} secret={s} index={i} />)}
      <div class="actions">
        <button type="button" class="primary" onClick={onClose}>Done</button>
      </div>
    </dialog>
  );
}

/** The dialogs a page may open, one at a time. */
export function useDialogs() {
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [secret, setSecret] = useState<SecretRequest | null>(null);
  const closeConfirm = useRef(() => setConfirm(null)).current;
  const closeSecret = useRef(() => setSecret(null)).current;
  const view = (
    <>
      {confirm && <ConfirmDialog request={confirm} onClose={closeConfirm} />}
      {secret && <SecretDialog request={secret} onClose={closeSecret} />}
    </>
  );
  return { view, confirm: setConfirm, showSecret: setSecret };
}
