import type { Subject } from '@gw/core';

/** The key the fairness bounds count a subject by: tenant and client, as policy and rate limits do. */
export function subjectKey(subject: Subject): string {
  return `${subject.tenant}\0${subject.client}`;
}
