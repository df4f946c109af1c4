// Join strings: parsed into a typed value, formatted back, and every malformed one refused in one line.
import { describe, expect, it } from 'vitest'
import { GridcoreError } from '../../src/lib/errors.js'
import { formatJoinString, hubUrl, parseJoinString, redactJoinString } from '../../src/net/join-string.js'

const HEX = 'ab'.repeat(32)
const CA = `sha256:${HEX}`

function refusal(s: string): GridcoreError {
  try {
    parseJoinString(s)
  } catch (err) {
    expect(err).toBeInstanceOf(GridcoreError)
    const e = err as GridcoreError
    expect(e.code).toBe('USAGE')
    expect(e.message).not.toContain('\n')
    return e
  }
  throw new Error(`"${s}" was accepted`)
}

describe('join strings', () => {
  it('round-trips a pinned join string', () => {
    const s = `gridcore://10.0.0.5:8443/?ca=${CA}&token=tok123`
    const j = parseJoinString(s)
    expect(j).toEqual({ host: '10.0.0.5', port: 8443, token: 'tok123', ca: CA, insecure: false })
    expect(formatJoinString(j)).toBe(s)
    expect(hubUrl(j)).toBe('https://10.0.0.5:8443')
  })

  it('round-trips a plaintext join string, which has no ca', () => {
    const j = { host: 'hub.lab.example', port: 8080, token: 't', insecure: true }
    const s = formatJoinString(j)
    expect(s).toBe('gridcore://hub.lab.example:8080/?token=t&insecure=1')
    expect(parseJoinString(s)).toEqual(j)
    expect(hubUrl(j)).toBe('http://hub.lab.example:8080')
  })

  it('keeps an IPv6 host in brackets in the string and without them in the value', () => {
    const s = formatJoinString({ host: 'fd00::1', port: 8443, token: 't', ca: CA, insecure: false })
    expect(s).toBe(`gridcore://[fd00::1]:8443/?ca=${CA}&token=t`)
    expect(parseJoinString(s).host).toBe('fd00::1')
    expect(hubUrl(parseJoinString(s))).toBe('https://[fd00::1]:8443')
  })

  it('%-encodes a token with reserved characters and decodes it back unchanged', () => {
    const token = 'a+b/c=d&e?f#g h%i'
    const s = formatJoinString({ host: 'h', port: 1, token, ca: CA, insecure: false })
    expect(s).not.toContain('#')
    expect(s).toContain('token=a%2Bb%2Fc%3Dd%26e%3Ff%23g%20h%25i')
    expect(parseJoinString(s).token).toBe(token)
    // A literal "+" is a plus, not a space (RFC 3986 queries, unlike HTML forms).
    expect(parseJoinString(`gridcore://h:1/?ca=${CA}&token=a+b`).token).toBe('a+b')
  })

  it('accepts surrounding whitespace, no trailing slash, any parameter order, upper-case hex', () => {
    const j = parseJoinString(`  gridcore://h:1?token=t&ca=SHA256:${HEX.toUpperCase()}\n`)
    expect(j.ca).toBe(CA)
    expect(j.token).toBe('t')
  })

  it('refuses a wrong scheme, naming the expected one', () => {
    expect(refusal(`https://h:1/?ca=${CA}&token=t`).message).toMatch(/does not start with gridcore:\/\//)
  })

  it('refuses a missing ca, saying a plaintext cluster says insecure=1', () => {
    expect(refusal('gridcore://h:1/?token=t').message).toMatch(/has no ca=sha256:.*insecure=1/)
  })

  it('refuses ca together with insecure=1, and insecure with another value', () => {
    expect(refusal(`gridcore://h:1/?ca=${CA}&token=t&insecure=1`).message).toMatch(/both ca= and insecure=1/)
    expect(refusal('gridcore://h:1/?token=t&insecure=yes').message).toMatch(/expected insecure=1/)
  })

  it('refuses a fingerprint of the wrong length or alphabet, saying what was expected', () => {
    expect(refusal(`gridcore://h:1/?ca=sha256:${HEX.slice(2)}&token=t`).message).toMatch(
      /62 hex digits after sha256: where 64 were expected/,
    )
    expect(refusal(`gridcore://h:1/?ca=sha256:${'zz'.repeat(32)}&token=t`).message).toMatch(/other than hex/)
    expect(refusal(`gridcore://h:1/?ca=md5:${HEX}&token=t`).message).toMatch(/does not start with sha256:/)
  })

  it('refuses a missing or empty token', () => {
    expect(refusal(`gridcore://h:1/?ca=${CA}`).message).toMatch(/has no token=/)
    expect(refusal(`gridcore://h:1/?ca=${CA}&token=`).message).toMatch(/has no token=/)
  })

  it('refuses hosts and ports that cannot be right', () => {
    expect(refusal(`gridcore://fd00::1:8443/?ca=${CA}&token=t`).message).toMatch(/IPv6 host without brackets/)
    expect(refusal(`gridcore://[nothost]:8443/?ca=${CA}&token=t`).message).toMatch(/not an IPv6 address/)
    expect(refusal(`gridcore://h/?ca=${CA}&token=t`).message).toMatch(/does not name HOST:PORT/)
    expect(refusal(`gridcore://h:0/?ca=${CA}&token=t`).message).toMatch(/from 1 to 65535/)
    expect(refusal(`gridcore://h:70000/?ca=${CA}&token=t`).message).toMatch(/from 1 to 65535/)
    expect(refusal(`gridcore://bad_host!:1/?ca=${CA}&token=t`).message).toMatch(/neither an address nor/)
    expect(refusal(`gridcore://u:p@h:1/?ca=${CA}&token=t`).message).toMatch(/user information/)
    expect(refusal(`gridcore://h:1/x/?ca=${CA}&token=t`).message).toMatch(/path after the host/)
  })

  it('refuses duplicate parameters, broken escapes and fragments', () => {
    expect(refusal(`gridcore://h:1/?ca=${CA}&token=a&token=b`).message).toMatch(/token= twice/)
    expect(refusal(`gridcore://h:1/?ca=${CA}&token=%zz`).message).toMatch(/broken %-escape/)
    expect(refusal(`gridcore://h:1/?ca=${CA}&token=a#b`).message).toMatch(/contains "#"/)
  })

  it('never echoes the token in an error', () => {
    const e = refusal('gridcore://h:1/?token=s3cr3t-token-value')
    expect(e.message).not.toContain('s3cr3t')
    expect(e.message).toContain('token=***')
    expect(JSON.stringify(e.details)).not.toContain('s3cr3t')
    expect(redactJoinString(`gridcore://h:1/?token=abc&ca=${CA}`)).toBe(`gridcore://h:1/?token=***&ca=${CA}`)
  })
})
