/**
 * Whether a service's config texts can declare a schedule at all, without parsing them. A
 * `schedule` block (the deploy.hcl's own, orbit.hcl's for every service, or a `dynamic "schedule"`)
 * is written with that word, and HCL's native syntax has no escapes in block types, so texts
 * without it have no schedule: the caller skips starting the parser (hundreds of ms from the CLI)
 * only to learn so. A mention in a comment or a string just means a full load.
 */
import type { SourceTexts } from './load.js';

export function mayDeclareSchedule(sources: SourceTexts): boolean {
  return [sources.deploy, sources.orbit ?? ''].some((text) => text.includes('schedule'));
}
