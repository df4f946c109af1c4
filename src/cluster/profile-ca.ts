// A profile's cluster CA: the PEM stored beside credentials.toml (0644 in a 0700 directory), named in skill.toml by
// ca_file and pinned by ca_fingerprint; read back and checked against the pin before anything trusts it.
import { readFileSync, rmSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { configError, GridcoreError } from '../lib/errors.js'
import { writeFileAtomic } from '../lib/fs.js'
import type { Paths } from '../lib/paths.js'
import { caFingerprint, normalizeFingerprint, parseCertificate } from '../net/fingerprint.js'

export interface ClusterCa {
  /** The CA certificate, PEM. */
  pem: string
  /** sha256:<hex> of it. */
  fingerprint: string
  /** Where it is kept. */
  file: string
}

/** Where `connect` keeps a profile's CA: <skill dir>/ca/<name>.pem. */
export function caFileFor(name: string, p: Paths): string {
  return join(p.skillDir, 'ca', `${name}.pem`)
}

/** Stores the CA of profile `name` at its default place; returns its path. */
export function writeProfileCa(name: string, pem: string, p: Paths): string {
  const file = caFileFor(name, p)
  writeFileAtomic(file, pem, { mode: 0o644, dirMode: 0o700, enforceDirMode: true })
  return file
}

export function removeProfileCa(name: string, p: Paths): void {
  rmSync(caFileFor(name, p), { force: true })
}

/**
 * The CA a skill.toml section names (ca_file, else the default file when only ca_fingerprint is given), checked
 * against ca_fingerprint when both are there; undefined when the profile has neither.
 */
export function readProfileCa(
  name: string,
  section: Record<string, unknown>,
  p: Paths,
): ClusterCa | undefined {
  const where = `${p.skillToml}: [cluster.${name}]`
  const again = `run gridcore connect --name ${name} again with the cluster's join string`
  const { ca_file: rawFile, ca_fingerprint: rawPin } = section
  if (rawFile === undefined && rawPin === undefined) return undefined
  if (rawFile !== undefined && (typeof rawFile !== 'string' || !rawFile))
    throw configError(`${where} ca_file must be the path of a PEM file`)
  let pin: string | undefined
  if (rawPin !== undefined) {
    pin = typeof rawPin === 'string' ? normalizeFingerprint(rawPin) : undefined
    if (!pin) throw configError(`${where} ca_fingerprint is not sha256:<64 hex digits>: ${again}`)
  }
  const file =
    typeof rawFile === 'string'
      ? isAbsolute(rawFile)
        ? rawFile
        : join(p.skillDir, rawFile)
      : caFileFor(name, p)
  let pem: string
  try {
    pem = readFileSync(file, 'utf8')
  } catch (err) {
    throw configError(
      `${where} names the CA file ${file}, which cannot be read (${(err as NodeJS.ErrnoException).code}): ${again}`,
    )
  }
  const fingerprint = caFingerprint(pem)
  if (pin && fingerprint !== pin) {
    throw configError(`${where}: the CA file ${file} is ${fingerprint} but the profile pins ${pin}: ${again}`)
  }
  return { pem, fingerprint, file }
}

/** A CA certificate named by a flag (`--ca-file`): readable, a certificate, a CA; one USAGE line otherwise. */
export function readCaFlag(flag: string, file: string): { pem: string; fingerprint: string } {
  let pem: string
  try {
    pem = readFileSync(file, 'utf8')
  } catch (err) {
    throw new GridcoreError(
      'USAGE',
      `${flag} ${file} cannot be read (${(err as NodeJS.ErrnoException).code}): pass the cluster's ca.pem`,
    )
  }
  const fingerprint = caFingerprint(pem, 'USAGE')
  if (!parseCertificate(pem, `${flag} ${file}`, 'USAGE').ca)
    throw new GridcoreError('USAGE', `${flag} ${file} is not a CA certificate: pass the cluster's ca.pem`)
  return { pem, fingerprint }
}
