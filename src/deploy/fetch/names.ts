// The two upstream programs gridcore fetch installs, and the files it holds for them.

export const BINARIES = ['computehub', 'gridnode'] as const
export type Binary = (typeof BINARIES)[number]
export type BinaryFiles = Record<Binary, Buffer>
