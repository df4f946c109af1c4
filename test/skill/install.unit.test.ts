// Where gridcore skill install puts the skill: the Agent Skills layout, a directory named after the skill.
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { paths } from '../../src/lib/paths.js'
import { SKILL_NAME, skillTargetDir } from '../../src/skill/install.js'

const env = { GRIDCORE_HOME: '/h' }

describe('skillTargetDir', () => {
  it('agents: the IDM-GridCore skill dir, beside skill.toml and state/', () => {
    expect(skillTargetDir('agents', env)).toBe(paths(env).skillDir)
    expect(paths(env).skillDir.endsWith(`/${SKILL_NAME}`)).toBe(true)
  })
  it('claude: ~/.claude/skills/idm-gridcore', () => {
    expect(skillTargetDir('claude', env)).toBe('/h/.claude/skills/idm-gridcore')
  })
  it('a directory: DIR/idm-gridcore, or DIR itself when it is already named so', () => {
    expect(skillTargetDir('/x/skills', env)).toBe('/x/skills/idm-gridcore')
    expect(skillTargetDir('rel', env)).toBe(join(resolve('rel'), 'idm-gridcore'))
    expect(skillTargetDir('/x/skills/idm-gridcore/', env)).toBe('/x/skills/idm-gridcore')
  })
})
