// Passwords in Redis URLs never reach a log, an error, an event or `inspect` output.

/** `redis://user:secret@host` → `redis://user:***@host` (also `redis://:secret@host`). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return redactText(url);
  }
}

/** Redact every `scheme://user:password@` in a text (error messages, stacks). */
export function redactText(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s@/]*@/gi, '$1***@');
}

/**
 * Keep `url` (it may hold a password) off an options object's enumerable keys: inspect(),
 * JSON.stringify and spreads do not show it; `options.url` still reads it.
 */
export function hideUrl<O extends { url?: string | undefined }>(options: O): O {
  Object.defineProperty(options, 'url', { value: options.url, enumerable: false, writable: false });
  return options;
}
