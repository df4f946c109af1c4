// Keeps secrets out of output: Redis URL passwords become *** and known tokens are masked.

/** redis://user:secret@host:6379/0 -> redis://user:***@host:6379/0; other strings pass through. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@\s]*)@/i, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':')
    if (colon === -1) return `${scheme}${userinfo}@`
    return `${scheme}${userinfo.slice(0, colon)}:***@`
  })
}

/** The password of a URL as written and %-decoded (what a program may print), or none. */
export function urlPasswords(url: string | null | undefined): string[] {
  if (!url || !URL.canParse(url)) return []
  const pw = new URL(url).password
  if (!pw) return []
  try {
    return [...new Set([pw, decodeURIComponent(pw)])]
  } catch {
    return [pw]
  }
}

/** Redacts every URL with credentials inside free text (error messages, logs). */
export function redactText(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text.replace(
    /\b([a-z][a-z0-9+.-]*:\/\/)([^/@\s"']*)@/gi,
    (_m, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':')
      return colon === -1 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, colon)}:***@`
    },
  )
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('***')
  }
  return out
}
